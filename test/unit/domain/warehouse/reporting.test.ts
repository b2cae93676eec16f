import {
  createStatements,
  orderViews,
  parseReportingFile,
  REPORTING_VIEWS,
  viewsReading,
} from '../../../../src/domain/warehouse/reporting';

const view = (name: string, sql: string, materialized: boolean) => ({ name, sql, materialized, columns: {} });

describe('reporting layer definitions', () => {
  it('a -- materialized: line in the header makes a table; comments are not part of the SELECT', () => {
    const v = parseReportingFile(
      'trends',
      '-- reporting.trends: per day.\n-- materialized: refilled at load.\n-- column order_date: The day (UTC).\nSELECT\n  -- the day\n  order_date\n  -- column not_header: a comment in the body\nFROM gold.fact_orders\n',
    );
    expect(v).toEqual({
      name: 'trends',
      sql: 'SELECT\n\n  order_date\n\nFROM gold.fact_orders',
      materialized: true,
      columns: { order_date: 'The day (UTC).' },
    });
    expect(parseReportingFile('v', '-- a view\nSELECT 1').materialized).toBe(false);
    // The word further down (not in the header) does not count.
    expect(parseReportingFile('v', 'SELECT 1\n-- materialized: no').materialized).toBe(false);
    expect(() => parseReportingFile('Bad-Name', 'SELECT 1')).toThrow('lower-case identifier');
  });

  it('relations come after the ones they read; a view over a table, a cycle or a missing relation is refused', () => {
    const ordered = orderViews([
      view('a_bands', 'SELECT * FROM reporting.z_customers', true),
      view('m_plain', 'SELECT 1', false),
      view('z_customers', 'SELECT * FROM gold.dim_customer', true),
    ]).map((v) => v.name);
    expect(ordered).toEqual(['m_plain', 'z_customers', 'a_bands']);
    expect(() =>
      orderViews([view('v', 'SELECT * FROM reporting.t', false), view('t', 'SELECT 1', true)]),
    ).toThrow('materialize it too');
    expect(() =>
      orderViews([
        view('a', 'SELECT * FROM reporting.b', true),
        view('b', 'SELECT * FROM reporting.a', true),
      ]),
    ).toThrow('cycle');
    expect(() => orderViews([view('a', 'SELECT * FROM reporting.nope', true)])).toThrow('not defined');
  });

  it('the shipped layer: the CLV pre-aggregates follow customer_lifetime_value; real time is its own table', () => {
    const names = REPORTING_VIEWS.map((v) => v.name);
    for (const dep of ['clv_bands', 'clv_sample', 'clv_top_customers'])
      expect(names.indexOf(dep)).toBeGreaterThan(names.indexOf('customer_lifetime_value'));
    expect(REPORTING_VIEWS.find((v) => v.name === 'realtime_trends')?.materialized).toBe(true);
    expect(REPORTING_VIEWS.find((v) => v.name === 'purchase_trends')?.materialized).toBe(true);
  });

  it('what exists decides the statements: a view replaced in place, a table created from its SELECT', () => {
    const t = view('t', 'SELECT 1 AS one', true);
    expect(createStatements(t, undefined)).toEqual(['CREATE TABLE reporting.t AS SELECT 1 AS one']);
    expect(createStatements(t, 'TABLE')[0]).toBe('DROP TABLE reporting.t');
    expect(createStatements({ ...t, materialized: false }, 'VIEW')).toEqual([
      'CREATE OR REPLACE VIEW reporting.t AS SELECT 1 AS one',
    ]);
  });

  it('the tables a write to one warehouse table must refill: the ones reading it, directly or through another', () => {
    const views = orderViews([
      view('per_day', 'SELECT * FROM gold.fact_orders', true),
      view('per_week', 'SELECT * FROM reporting.per_day', true),
      view('plain', 'SELECT * FROM gold.fact_orders_archive', false),
      view('other', 'SELECT * FROM gold.dim_customer', true),
    ]);
    expect(viewsReading('fact_orders', views).map((v) => v.name)).toEqual(['per_day', 'per_week']);
    expect(viewsReading('realtime_minute').map((v) => v.name)).toEqual(['realtime_trends']);
  });
});
