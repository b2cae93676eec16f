import { openDuckDb } from '../../../src/etl/duckdb';
import { renderGenericTest } from '../../../src/etl/generic-checks';

/** Each generic test, rendered and run on planted rows: failures as counted from the rows themselves. */
describe('generic data quality tests', () => {
  const orders = [
    { order_key: 'o1', customer_id: 'c1', status: 'paid' },
    { order_key: 'o2', customer_id: 'c2', status: 'paid' },
    { order_key: 'o2', customer_id: 'c9', status: 'refunded' },
    { order_key: 'o3', customer_id: null, status: 'weird' },
    { order_key: null, customer_id: 'c1', status: 'paid' },
  ];
  const customers = ['c1', 'c2'];
  const run = async (test: object) => {
    const engine = await openDuckDb();
    try {
      const values = orders
        .map(
          (o) =>
            `(${[o.order_key, o.customer_id, o.status].map((v) => (v === null ? 'NULL' : `'${v}'`)).join(', ')})`,
        )
        .join(', ');
      await engine.run(
        `CREATE TABLE fact_orders AS SELECT * FROM (VALUES ${values}) t(order_key, customer_id, status)`,
      );
      await engine.run(
        `CREATE TABLE dim_customer AS SELECT * FROM (VALUES ${customers.map((c) => `('${c}')`).join(', ')}) t(customer_id)`,
      );
      const sql = renderGenericTest({
        name: 'dq_x',
        layer: 'gold',
        kind: 'check',
        sql: 'dq/x.sql',
        on: 'fact_orders',
        rule: 'a rule',
        test: test as never,
      });
      expect(sql.startsWith('-- a rule\n')).toBe(true);
      const [r] = await engine.rows<{ failures: string; example: string | null }>(sql);
      return { failures: Number(r?.failures), example: r?.example ?? null };
    } finally {
      engine.close();
    }
  };
  const count = <T>(xs: T[], f: (x: T) => boolean) => xs.filter(f).length;

  it('unique: one failure per value seen more than once', async () => {
    const seen = new Map<string, number>();
    for (const o of orders) if (o.order_key) seen.set(o.order_key, (seen.get(o.order_key) ?? 0) + 1);
    expect(await run({ unique: 'order_key' })).toEqual({
      failures: count([...seen.values()], (n) => n > 1),
      example: 'o2',
    });
  });

  it('not_null: rows where any named column is null', async () => {
    expect((await run({ not_null: ['order_key', 'customer_id'] })).failures).toBe(
      count(orders, (o) => o.order_key === null || o.customer_id === null),
    );
  });

  it('accepted_values: rows with a value outside the list (nulls pass)', async () => {
    const allowed = ['paid', 'refunded'];
    expect(await run({ accepted_values: { column: 'status', values: allowed } })).toEqual({
      failures: count(orders, (o) => !allowed.includes(o.status)),
      example: 'weird',
    });
  });

  it('relationships: rows whose key is missing from the target (nulls pass)', async () => {
    expect(
      await run({ relationships: { column: 'customer_id', to: 'dim_customer', field: 'customer_id' } }),
    ).toEqual({
      failures: count(orders, (o) => o.customer_id !== null && !customers.includes(o.customer_id)),
      example: 'c9',
    });
  });

  it('refuses a name that is not an identifier (the declaration is rendered into SQL)', () => {
    expect(() =>
      renderGenericTest({
        name: 'dq_x',
        layer: 'gold',
        kind: 'check',
        sql: 'dq/x.sql',
        on: 'fact_orders; DROP TABLE x',
        rule: 'r',
        test: { unique: 'a' },
      }),
    ).toThrow('is not a column or relation name');
  });
});
