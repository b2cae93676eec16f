import { EmfMetrics, LocalLogger } from '../../../src/adapters/local/telemetry';
import { Pseudonymizer } from '../../../src/domain/enrich/pii';
import { suppressionHash } from '../../../src/domain/privacy/erasure';
import { WAREHOUSE_TABLES } from '../../../src/domain/warehouse/model';
import { REPORTING_VIEWS } from '../../../src/domain/warehouse/reporting';
import {
  createPrivacyStepsHandler,
  type ForgetPlan,
  type ResultRow,
} from '../../../src/handlers/privacy-steps';

const p = new Pseudonymizer('test-pseudonymization-key-0123456789');
const athenaRows = (rows: string[][]): ResultRow[] =>
  [['id_type', 'id_value', 'customer_id'], ...rows].map((r) => ({
    Data: r.map((v) => ({ VarCharValue: v })),
  }));

function underTest() {
  const suppressed: string[] = [];
  const shredded: string[] = [];
  const metrics = new EmfMetrics('c360', 'privacy-test');
  const steps = createPrivacyStepsHandler({
    pseudonymizer: p,
    suppression: { load: async () => new Set(suppressed), add: async (h) => void suppressed.push(...h) },
    vault: {
      shred: async (s) => {
        shredded.push(s);
        return s.startsWith('user_id:');
      },
    },
    waitSeconds: 300,
    logger: new LocalLogger('test', 'silent'),
    metrics,
  });
  return { steps, suppressed, shredded, metrics };
}

describe('privacy steps (the forget state machine Lambda)', () => {
  it('subject: an email is looked up by its keyed hash only, quotes are escaped', async () => {
    const { steps } = underTest();
    const byEmail = (await steps({ step: 'subject', request: { email: 'Ada@Example.com' } })) as {
      predicate: string;
      query: string;
    };
    expect(byEmail.predicate).toBe(`node = 'email_hash:${p.email('ada@example.com').hash}'`);
    expect(byEmail.query).not.toContain('Ada@Example.com');
    expect(byEmail.query).toContain('FROM identity_map');
    const tricky = (await steps({ step: 'subject', request: { userId: "o'brien" } })) as {
      predicate: string;
    };
    expect(tricky.predicate).toBe("node = 'user_id:o''brien'");
    await expect(steps({ step: 'subject', request: {} })).rejects.toThrow(/exactly one person/);
    await expect(steps({ step: 'subject', request: { userId: 'a', customerId: 'b' } })).rejects.toThrow(
      /exactly one person/,
    );
  });

  it('erase: suppresses every key, shreds every vault subject, and plans the rewrite and the deletes', async () => {
    const { steps, suppressed, shredded, metrics } = underTest();
    const rows = athenaRows([
      ['anonymous_id', 'anon-7', 'c_1'],
      ['email_hash', 'e'.repeat(64), 'c_1'],
      ['user_id', 'cdnow-5', 'c_1'],
    ]);
    const plan = (await steps({ step: 'erase', request: { userId: 'cdnow-5' }, rows })) as ForgetPlan;
    expect(plan).toMatchObject({
      customerIds: ['c_1'],
      identityKeys: 3,
      vaultSubjectsShredded: 1,
      waitSeconds: 300,
    });
    expect(metrics.published).toEqual([expect.objectContaining({ Erasures: 1, VaultSubjectsShredded: 1 })]);
    expect(shredded).toEqual(['anonymous_id:anon-7', `email_hash:${'e'.repeat(64)}`, 'user_id:cdnow-5']);
    expect(suppressed).toEqual([
      suppressionHash(p, 'anonymous_id', 'anon-7'),
      suppressionHash(p, 'email_hash', 'e'.repeat(64)),
      suppressionHash(p, 'user_id', 'cdnow-5'),
    ]);
    // The pattern matches their values as whole values only.
    const re = new RegExp(plan.pattern);
    expect(re.test('{"userId":"cdnow-5"}')).toBe(true);
    expect(re.test('{"userId":"cdnow-50"}')).toBe(false);
    expect(re.test(`"${'e'.repeat(64)}@gmail.com"`)).toBe(true);
    expect(re.test('c_1,0.3,v1')).toBe(true);
    // One DELETE per warehouse table that holds customers, then (same transaction) every
    // materialized reporting table refilled from its SELECT, so none keeps the person.
    const withCustomers = WAREHOUSE_TABLES.filter((t) => t.columns.some((c) => c.name === 'customer_id'));
    const deletes = withCustomers.map((t) => `DELETE FROM gold.${t.name} WHERE customer_id IN ('c_1')`);
    expect(plan.sqls.slice(0, deletes.length)).toEqual(deletes);
    const refills = plan.sqls.slice(deletes.length);
    expect(refills.filter((s) => s.startsWith('INSERT INTO reporting.')).map((s) => s.split(' ')[2])).toEqual(
      REPORTING_VIEWS.filter((v) => v.materialized).map((v) => `reporting.${v.name}`),
    );
    expect(refills).toContain('DELETE FROM reporting.customer_lifetime_value');
  });

  it('erase: a key not stitched yet is still suppressed; an unknown customer id is an error', async () => {
    const { steps, suppressed } = underTest();
    const plan = (await steps({ step: 'erase', request: { userId: 'new-user' }, rows: athenaRows([]) })) as {
      sqls: string[];
      identityKeys: number;
    };
    expect(plan).toMatchObject({ identityKeys: 1, sqls: [] });
    expect(suppressed).toEqual([suppressionHash(p, 'user_id', 'new-user')]);
    await expect(
      steps({ step: 'erase', request: { customerId: 'c_nobody' }, rows: athenaRows([]) }),
    ).rejects.toThrow(/not in the identity map/);
  });
});
