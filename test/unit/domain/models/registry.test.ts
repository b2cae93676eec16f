import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FolderObjectStore } from '../../../../src/adapters/local/object-store';
import {
  ModelRegistry,
  type ModelVersion,
  registryKey,
  scoreVersion,
} from '../../../../src/domain/models/registry';

const version = (v: string, auc = 0.8): ModelVersion => ({
  model: 'churn',
  version: v,
  registeredAt: `2026-03-0${v.slice(-1)}T00:00:00.000Z`,
  codeVersion: 'xgboost',
  training: { asOf: '2026-03-01', rows: 10 },
  metrics: { auc },
  artifact: `models/${v}/churn.json`,
});

describe('model registry', () => {
  let dir: string;
  let registry: ModelRegistry;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'c360-registry-'));
    registry = new ModelRegistry(new FolderObjectStore(dir));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('a model never registered has no live version and no versions', async () => {
    expect(await registry.record('customer')).toEqual({
      model: 'customer',
      live: null,
      previous: [],
      versions: [],
    });
    expect(await registry.live('customer')).toBeNull();
    expect((await registry.all()).map((r) => r.model)).toEqual([
      'churn',
      'customer',
      'recommendations',
      'sentiment',
    ]);
  });

  it('promoting keeps the versions live before, most recent first; registering without promoting leaves live alone', async () => {
    await registry.register(version('v1'), { promote: true });
    await registry.register(version('v2'), { promote: true });
    await registry.register(version('v3'), { promote: false });
    const r = await registry.record('churn');
    expect({ live: r.live, previous: r.previous }).toEqual({ live: 'v2', previous: ['v1'] });
    expect(r.versions.map((v) => v.version)).toEqual(['v1', 'v2', 'v3']);
    expect((await registry.live('churn'))?.artifact).toBe('models/v2/churn.json');
    // Stored where the pipeline and the CLI read it, as JSON.
    expect(JSON.parse(await readFile(join(dir, registryKey('churn')), 'utf8')).live).toBe('v2');
  });

  it('registering a version again replaces its entry (a retried step): no duplicate, live unchanged', async () => {
    await registry.register(version('v1', 0.7), { promote: true });
    await registry.register(version('v1', 0.9), { promote: true });
    const r = await registry.record('churn');
    expect(r.versions).toHaveLength(1);
    expect(r.versions[0]?.metrics).toEqual({ auc: 0.9 });
    expect({ live: r.live, previous: r.previous }).toEqual({ live: 'v1', previous: [] });
  });

  it('rollback returns to the previous live version, one step at a time, and refuses past the first', async () => {
    for (const v of ['v1', 'v2', 'v3']) await registry.register(version(v), { promote: true });
    expect(await registry.rollback('churn')).toEqual({ from: 'v3', to: 'v2' });
    expect(await registry.rollback('churn')).toEqual({ from: 'v2', to: 'v1' });
    expect((await registry.record('churn')).previous).toEqual([]);
    await expect(registry.rollback('churn')).rejects.toThrow(
      'churn has no earlier live version to roll back to (live: v1)',
    );
    await expect(registry.rollback('sentiment')).rejects.toThrow('(live: none)');
  });

  it('promote makes any registered version live (a roll forward), and refuses one it does not know', async () => {
    for (const v of ['v1', 'v2']) await registry.register(version(v), { promote: true });
    await registry.rollback('churn');
    await registry.promote('churn', 'v2');
    expect(await registry.record('churn')).toMatchObject({ live: 'v2', previous: ['v1'] });
    // Promoting the live one changes nothing.
    await registry.promote('churn', 'v2');
    expect(await registry.record('churn')).toMatchObject({ live: 'v2', previous: ['v1'] });
    // Back to v1: v2 goes on top of the history, v1 leaves it.
    await registry.promote('churn', 'v1');
    expect(await registry.record('churn')).toMatchObject({ live: 'v1', previous: ['v2'] });
    await expect(registry.promote('churn', 'v9')).rejects.toThrow(
      'churn has no version v9 (registered: v1, v2)',
    );
  });

  it('a record that cannot be read is an error, not an empty registry (nothing would be live)', async () => {
    await registry.register(version('v1'), { promote: true });
    await writeFile(join(dir, registryKey('churn')), '{"model": "churn", "live": ');
    await expect(registry.live('churn')).rejects.toThrow(SyntaxError);
    const denied = new ModelRegistry({
      put: async () => {},
      remove: async () => {},
      list: async () => [],
      get: async () => {
        throw Object.assign(new Error('Access Denied'), { name: 'AccessDenied' });
      },
    });
    await expect(denied.record('churn')).rejects.toThrow('Access Denied');
    const s3Missing = new ModelRegistry({
      put: async () => {},
      remove: async () => {},
      list: async () => [],
      get: async () => {
        throw Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey' });
      },
    });
    expect((await s3Missing.record('customer')).live).toBeNull();
  });

  it('a score row names one version when one run made both models, both otherwise', () => {
    expect(scoreVersion('v1', 'v1')).toBe('v1');
    expect(scoreVersion('job-7', 'v2')).toBe('churn=job-7;customer=v2');
  });
});
