import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadJsonConfig } from '../../../src/config/json-config';
import { ConfigError } from '../../../src/domain/errors';

/** The plan and the retention file are checked against their schemas when loaded. */
describe('loadJsonConfig', () => {
  const root = join(__dirname, '../../..');
  const planSchema = join(root, 'sql', 'pipeline.schema.json');
  const retentionSchema = join(root, 'config', 'retention.schema.json');
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'c360-config-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const write = (name: string, value: unknown) => {
    const f = join(dir, name);
    writeFileSync(f, typeof value === 'string' ? value : JSON.stringify(value));
    return f;
  };
  const problem = (file: string, schema: string) => {
    try {
      loadJsonConfig(file, schema);
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return (err as Error).message;
    }
    throw new Error(`${file} was accepted`);
  };

  it('the shipped plan and retention file match their schemas', () => {
    const plan = loadJsonConfig<{ steps: unknown[] }>(join(root, 'sql', 'pipeline.json'));
    expect(plan.steps.length).toBe(
      (JSON.parse(readFileSync(join(root, 'sql', 'pipeline.json'), 'utf8')) as { steps: unknown[] }).steps
        .length,
    );
    expect(loadJsonConfig(join(root, 'config', 'retention.json'))).toHaveProperty('layers');
  });

  it('a malformed step is refused at load, naming the file, the step and the rule', () => {
    const step = {
      name: 'fact_x',
      layer: 'gold',
      kind: 'table',
      sql: 'gold/fact_x.sql',
      path: 'gold/fact_x',
    };
    const plan = (s: Record<string, unknown>) => write('pipeline.json', { steps: [step, s] });
    const noPath = problem(plan({ ...step, path: undefined }), planSchema);
    expect(noPath).toContain(`${dir}/pipeline.json does not match`);
    expect(noPath).toContain("/steps/1 must have required property 'path'");
    expect(problem(plan({ ...step, kind: 'merge' }), planSchema)).toMatch(
      /\/steps\/1\/kind must be equal to one of the allowed values \(partitioned, table, keyed/,
    );
    expect(problem(plan({ ...step, kind: 'keyed' }), planSchema)).toContain(
      "must have required property 'key'",
    );
    expect(problem(plan({ ...step, pth: 'gold/x' }), planSchema)).toContain(
      '/steps/1 must NOT have additional properties (pth)',
    );
    expect(problem(plan({ ...step, sql: '../../etc/passwd' }), planSchema)).toContain(
      '/steps/1/sql must match pattern',
    );
  });

  it('retention: days are whole and at least 1 (or null: kept), the stream keeps at least a day', () => {
    expect(problem(write('r1.json', { layers: { bronze: 0 } }), retentionSchema)).toContain('/layers/bronze');
    expect(problem(write('r2.json', { layers: { bronze: 1.5 } }), retentionSchema)).toContain(
      '/layers/bronze',
    );
    expect(problem(write('r3.json', { stream_hours: 12, layers: {} }), retentionSchema)).toContain(
      '/stream_hours must be >= 24',
    );
    expect(problem(write('r4.json', '{ "layers": '), retentionSchema)).toContain('is not readable JSON');
  });
});
