import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strFromU8, unzipSync } from 'fflate';
import { FolderObjectStore } from '../../../src/adapters/local/object-store';
import { EmfMetrics, LocalLogger } from '../../../src/adapters/local/telemetry';
import { Pseudonymizer } from '../../../src/domain/enrich/pii';
import type { VaultValue } from '../../../src/domain/privacy/vault';
import { WAREHOUSE_TABLES } from '../../../src/domain/warehouse/model';
import type { ResultRow } from '../../../src/handlers/privacy-steps';
import {
  accessPrefix,
  createSubjectAccessHandler,
  personTables,
  type SubjectAccessPlan,
  type SubjectAccessResult,
  warehouseUnloads,
} from '../../../src/handlers/subject-access';
import { fixedClock } from '../../../src/ports/clock';
import { TEST_PII_KEY } from '../../helpers/enrich';

const rows = (...keys: [string, string, string][]): ResultRow[] => [
  { Data: [{ VarCharValue: 'id_type' }, { VarCharValue: 'id_value' }, { VarCharValue: 'customer_id' }] },
  ...keys.map((k) => ({ Data: k.map((v) => ({ VarCharValue: v })) })),
];

describe('subject access steps', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'c360-access-'));
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  const handler = (vault: Record<string, VaultValue[]> = {}) =>
    createSubjectAccessHandler({
      pseudonymizer: new Pseudonymizer(TEST_PII_KEY),
      vault: { reveal: async (s) => vault[s] ?? [] },
      objects: new FolderObjectStore(dir),
      clock: fixedClock('2026-12-02T10:00:00.000Z'),
      logger: new LocalLogger('test', 'silent'),
      metrics: new EmfMetrics('c360', 'test'),
      unload: { bucket: 'lake-b', roleArn: 'arn:aws:iam::1:role/r' },
    });

  it("plan: the request's folder from the execution, the person's pattern, one UNLOAD per table with a customer_id", async () => {
    const plan = (await handler()({
      step: 'plan',
      request: { userId: "o'brien" },
      rows: rows(['user_id', "o'brien", 'c_1'], ['email_hash', 'abc', 'c_1']),
      execution: 'arn:aws:states:eu-west-1:1:execution:c360-export-person-prod:req/1',
    })) as SubjectAccessPlan;
    expect(plan.prefix).toBe('access/req-1/');
    expect(plan.customerIds).toEqual(['c_1']);
    expect(plan.identityKeys).toBe(2);
    expect(new RegExp(plan.pattern).test('"userId":"o\'brien"')).toBe(true);
    expect(new RegExp(plan.pattern).test('"userId":"o\'briens"')).toBe(false);
    const withCustomer = WAREHOUSE_TABLES.filter((t) => t.columns.some((c) => c.name === 'customer_id'));
    expect(personTables()).toEqual(withCustomer.map((t) => `gold.${t.name}`));
    expect(plan.unloads).toHaveLength(withCustomer.length);
    expect(plan.unloads[0]).toBe(
      `UNLOAD ('SELECT * FROM ${personTables()[0]} WHERE customer_id IN (''c_1'')') TO 's3://lake-b/access/req-1/warehouse/${personTables()[0]}/' IAM_ROLE 'arn:aws:iam::1:role/r' FORMAT AS CSV HEADER PARALLEL OFF ALLOWOVERWRITE`,
    );
  });

  it('a customer id with a quote stays one literal inside the UNLOAD query (doubled twice)', () => {
    const [sql] = warehouseUnloads(["c'1"], 'access/x/', 'b', 'r');
    expect(sql).toContain("IN (''c''''1'')");
    expect(warehouseUnloads([], 'access/x/', 'b', 'r')).toEqual([]);
  });

  it('an execution with no name is refused', () => {
    expect(() => accessPrefix('arn:aws:states:x:1:execution:m:')).toThrow(
      'the subject access request has no id',
    );
  });

  it('package: every collected file, the clear vault values of every identity key, rows counted without CSV headers; the manifest beside it names an email only by its hash', async () => {
    const objects = new FolderObjectStore(dir);
    await objects.put('access/r1/lake/bronze/a.ndjson', '{"e":1}\n{"e":2}\n');
    await objects.put(
      'access/r1/warehouse/gold.fact_orders/000.csv',
      'order_id,customer_id\no1,c_1\no2,c_1\n',
    );
    await objects.put('access/r2/lake/bronze/other.ndjson', '{"someone":"else"}\n');
    const vault = {
      'user_id:u1': [{ kind: 'name', field: 'firstName', value: 'Ada' }] as VaultValue[],
      'email_hash:h1': [{ kind: 'email', field: 'email', value: 'ada@example.com' }] as VaultValue[],
    };
    const result = (await handler(vault)({
      step: 'package',
      request: { email: 'ada@example.com' },
      rows: rows(['user_id', 'u1', 'c_1'], ['email_hash', 'h1', 'c_1']),
      prefix: 'access/r1/',
    })) as SubjectAccessResult;
    expect(result).toEqual({
      archive: 'access/r1/person.zip',
      customerIds: ['c_1'],
      // The email asked for is a key too (its hash), even when not stitched yet.
      identityKeys: 3,
      vaultValues: 2,
      stores: { 'lake/bronze': { files: 1, rows: 2 }, 'warehouse/gold.fact_orders': { files: 1, rows: 2 } },
    });
    expect(
      JSON.parse(
        strFromU8(unzipSync(await objects.get('access/r1/person.zip'))['destinations.json'] as Uint8Array),
      ),
    ).toEqual([]);
    const files = unzipSync(await objects.get('access/r1/person.zip'));
    expect(Object.keys(files).sort()).toEqual([
      'README.txt',
      'destinations.json',
      'identities.json',
      'lake/bronze/a.ndjson',
      'manifest.json',
      'vault.json',
      'warehouse/gold.fact_orders/000.csv',
    ]);
    expect(JSON.parse(strFromU8(files['vault.json'] as Uint8Array))).toEqual([
      { subject: 'user_id:u1', kind: 'name', field: 'firstName', value: 'Ada' },
      { subject: 'email_hash:h1', kind: 'email', field: 'email', value: 'ada@example.com' },
    ]);
    const beside = (await objects.get('access/r1/manifest.json')).toString('utf8');
    expect(beside).not.toContain('ada@example.com');
    expect(JSON.parse(beside).request).toEqual({
      emailHash: new Pseudonymizer(TEST_PII_KEY).email('ada@example.com').hash,
    });
    // Packaging again (a retried step) does not pack the archive or the manifest into itself.
    await handler(vault)({
      step: 'package',
      request: { email: 'ada@example.com' },
      rows: rows(['user_id', 'u1', 'c_1']),
      prefix: 'access/r1/',
    });
    expect(Object.keys(unzipSync(await objects.get('access/r1/person.zip')))).not.toContain('person.zip');
  });

  it('package: the audience destinations that hold the person, by audience (what erasure would send deletes to)', async () => {
    const state = new FolderObjectStore(join(dir, 'state'));
    await state.put(
      'audiences/held/crm.json',
      JSON.stringify({ audiences: { win_back: ['c_0', 'c_1'], vip: ['c_2'] } }),
    );
    await state.put('audiences/held/ads.json', JSON.stringify({ audiences: { best_customers: ['c_1'] } }));
    const result = (await createSubjectAccessHandler({
      pseudonymizer: new Pseudonymizer(TEST_PII_KEY),
      vault: { reveal: async () => [] },
      objects: new FolderObjectStore(dir),
      audienceState: state,
      clock: fixedClock('2026-12-02T10:00:00.000Z'),
      logger: new LocalLogger('test', 'silent'),
      metrics: new EmfMetrics('c360', 'test'),
    })({
      step: 'package',
      request: { userId: 'u1' },
      rows: rows(['user_id', 'u1', 'c_1']),
      prefix: 'access/r3/',
    })) as SubjectAccessResult;
    const files = unzipSync(await new FolderObjectStore(dir).get(result.archive));
    expect(JSON.parse(strFromU8(files['destinations.json'] as Uint8Array))).toEqual([
      { destination: 'ads', audience: 'best_customers', customer_id: 'c_1' },
      { destination: 'crm', audience: 'win_back', customer_id: 'c_1' },
    ]);
    expect(JSON.parse(strFromU8(files['manifest.json'] as Uint8Array)).destinations).toBe(2);
  });

  it('an unknown step is refused by name', async () => {
    await expect(handler()({ step: 'erase' } as never)).rejects.toThrow(
      'unknown subject access step "erase"',
    );
  });

  it('refuses to package anything outside access/', async () => {
    await expect(
      handler()({
        step: 'package',
        request: { userId: 'u1' },
        rows: rows(['user_id', 'u1', 'c_1']),
        prefix: 'gold/',
      }),
    ).rejects.toThrow('refusing to package gold/: not under access/');
  });
});
