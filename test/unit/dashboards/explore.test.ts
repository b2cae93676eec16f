import {
  csvOf,
  describeFilters,
  drillSql,
  EXPLORE_DASHBOARDS,
  FILTER_SETS,
  FilterError,
  type FilterSet,
  filterQuery,
  filterSlug,
  parseFilters,
  previousPeriod,
  visualSql,
  whereOf,
} from '../../../src/dashboards/explore';

const q = (s: string) => new URLSearchParams(s);
const LATEST = '1998-06-30';
const TODAY = '2026-12-03';
const ORDERS = FILTER_SETS.orders;
const parse = (s: string) => parseFilters(q(s), ORDERS, LATEST, TODAY);

describe('explore filters', () => {
  it.each([
    ['', null, null],
    ['range=today', LATEST, LATEST],
    ['range=last_7', '1998-06-24', LATEST],
    ['range=last_30', '1998-06-01', LATEST],
    ['range=last_90', '1998-04-02', LATEST],
    ['range=this_month', '1998-06-01', LATEST],
    ['range=last_7&anchor=today', '2026-11-27', TODAY],
    ['range=custom&from=1997-02-28&to=1997-03-01', '1997-02-28', '1997-03-01'],
  ])('%s covers %s to %s, both days included', (query, from, to) => {
    expect(parse(query)).toMatchObject({ from, to });
  });

  it('presets fall back to today when there are no orders yet', () => {
    expect(parseFilters(q('range=last_7'), ORDERS, null, TODAY)).toMatchObject({
      from: '2026-11-27',
      to: TODAY,
    });
  });

  it.each([
    ['range=last_31', 'range', 'one of all, today'],
    ['range=custom&from=1997-02-30x&to=1997-03-01', 'from', 'a date YYYY-MM-DD'],
    ['range=custom&from=1997-03-01', 'to', 'a date YYYY-MM-DD is needed for a custom range, got ""'],
    ['range=custom&from=1997-03-02&to=1997-03-01', 'from', '1997-03-02 is after to 1997-03-01'],
    ['anchor=yesterday', 'anchor', 'latest or today'],
    [`segment=${'x'.repeat(201)}`, 'segment', 'at most 200 characters'],
  ])('refuses %s naming %s', (query, field, message) => {
    let err: unknown;
    try {
      parse(query);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FilterError);
    expect((err as FilterError).field).toBe(field);
    expect((err as FilterError).message).toContain(`${field}: ${message}`);
  });

  it.each([
    ['range=last_30&segment=loyal', '1998-05-02', '1998-05-31'],
    ['range=today', '1998-06-29', '1998-06-29'],
    ['range=this_month', '1998-05-02', '1998-05-31'],
    ['range=custom&from=1998-03-01&to=1998-03-31', '1998-01-29', '1998-02-28'],
  ])('the period before %s: %s to %s, as long, the other filters kept', (query, from, to) => {
    const f = parse(query);
    const before = previousPeriod(f);
    expect(before).toMatchObject({ from, to });
    expect(before?.values).toEqual(f.values);
    const days = (x: { from: string | null; to: string | null }) =>
      (Date.parse(`${x.to}T00:00:00Z`) - Date.parse(`${x.from}T00:00:00Z`)) / 86_400_000 + 1;
    expect(days(before as never)).toBe(days(f));
  });

  it('all dates have no period before', () => {
    expect(previousPeriod(parse(''))).toBeNull();
  });

  it('the URL carries the filters and reads back to the same filters (a shared link)', () => {
    for (const s of [
      'range=last_30&segment=champions&country=GB',
      'range=custom&from=1997-01-01&to=1997-01-31&source=stripe',
      'range=all&anchor=today',
    ]) {
      const f = parse(s);
      expect(parse(filterQuery(f))).toEqual(f);
    }
    expect(filterQuery(parse('segment=at+risk&range=last_7'), { x: 'a&b' })).toBe(
      'range=last_7&segment=at+risk&x=a%26b',
    );
  });

  it('values become SQL literals, never SQL', () => {
    const f = parse("range=last_7&segment=o'hara&source=x') OR (1=1");
    expect(whereOf(f, ORDERS)).toBe(
      "order_date BETWEEN DATE '1998-06-24' AND DATE '1998-06-30' AND segment = 'o''hara' AND source = 'x'') OR (1=1'",
    );
    expect(whereOf(parse(''), ORDERS)).toBe('TRUE');
    expect(visualSql(EXPLORE_DASHBOARDS[0]?.visuals[0] as never, f, ORDERS)).not.toContain('{where}');
  });

  it('names and describes the filters for files and headers', () => {
    const f = parse('range=last_30&segment=needs attention/x&country=GB');
    expect(filterSlug(f)).toBe('1998-06-01_1998-06-30-segment-needs_attention_x-country-GB');
    expect(filterSlug(parse(''))).toBe('all-dates');
    expect(describeFilters(f)).toBe(
      'Last 30 days: 1998-06-01 to 1998-06-30 (UTC), segment = needs attention/x, country = GB',
    );
    expect(csvOf('T', f, [{ a: 'x,y', b: null, c: 'say "hi"' }])).toBe(
      '# T\n# filters: Last 30 days: 1998-06-01 to 1998-06-30 (UTC), segment = needs attention/x, country = GB\na,b,c\n"x,y",,"say ""hi"""\n',
    );
  });

  it('a drill-down: the bar as a literal, a day checked as a day, a page of 50, the total over every page', () => {
    const trends = EXPLORE_DASHBOARDS.find((d) => d.id === 'trends') as (typeof EXPLORE_DASHBOARDS)[number];
    const perDay = trends.visuals.find((v) => v.id === 'orders_per_day');
    const bySegment = trends.visuals.find((v) => v.id === 'orders_by_segment');
    const kpi = trends.visuals.find((v) => v.kind === 'kpi');
    const f = parse('range=last_7');
    const s = drillSql(trends, bySegment as never, f, "it's", 'net_usd', 2);
    expect(s.rows).toContain("segment = 'it''s'");
    // Sorted on the numbers, not their text ("999.00" before "1000.00" would be wrong).
    expect(s.rows).toContain('ORDER BY t.net_usd DESC, t.customer_id LIMIT 50 OFFSET 50');
    expect(s.total).not.toContain('LIMIT');
    expect(s.total).toContain('coalesce(sum(orders), 0) AS value');
    expect(drillSql(trends, bySegment as never, f, 'x', 'orders', null).rows).not.toContain('LIMIT');
    expect(drillSql(trends, perDay as never, f, '1998-06-25', 'customer_id', 1).rows).toContain(
      "order_date = DATE '1998-06-25'",
    );
    expect(() => drillSql(trends, perDay as never, f, "1998-06-25' OR '1", 'orders', 1)).toThrow(
      'x: a day YYYY-MM-DD',
    );
    expect(() => drillSql(trends, perDay as never, f, '1998-06-25', 'clv_12m_usd', 1)).toThrow(
      'sort: one of orders, net_usd, customer_id',
    );
    expect(() => drillSql(trends, kpi as never, f, 'x', 'orders', 1)).toThrow('has no drill-down');
  });

  it('each dashboard filters its own view: its date column, its categories, nothing else', () => {
    const customers = parseFilters(
      q('range=last_30&segment=champions&clv_band=%24500+and+more&source=stripe'),
      FILTER_SETS.customers,
      LATEST,
      TODAY,
    );
    // source is not a filter of the customers' view: ignored, not applied to a column it lacks.
    expect(customers.values).toEqual({ segment: 'champions', clv_band: '$500 and more' });
    expect(whereOf(customers, FILTER_SETS.customers)).toBe(
      "first_order_date BETWEEN DATE '1998-06-01' AND DATE '1998-06-30' AND segment = 'champions' AND clv_band = '$500 and more'",
    );
    const checks = parseFilters(
      q('range=last_7&check=score%3Achurn_probability'),
      FILTER_SETS.models,
      LATEST,
      TODAY,
    );
    expect(whereOf(checks, FILTER_SETS.models)).toBe(
      "run_date BETWEEN DATE '1998-06-24' AND DATE '1998-06-30' AND check_name = 'score:churn_probability'",
    );
    // The real-time view has no dates to filter.
    expect(() => parseFilters(q('range=last_7'), FILTER_SETS.realtime, LATEST, TODAY)).toThrow(
      'range: reporting.realtime_trends has no dates to filter',
    );
    expect(whereOf(parseFilters(q(''), FILTER_SETS.realtime, null, TODAY), FILTER_SETS.realtime)).toBe(
      'TRUE',
    );
  });

  it("a customers bar drills into its customers, counted one each, with the visual's own condition", () => {
    const clv = EXPLORE_DASHBOARDS.find((d) => d.id === 'clv') as (typeof EXPLORE_DASHBOARDS)[number];
    const bySegment = clv.visuals.find((v) => v.id === 'clv_by_segment');
    const f = parseFilters(
      q('range=custom&from=1997-01-01&to=1997-03-31'),
      FILTER_SETS.customers,
      LATEST,
      TODAY,
    );
    const s = drillSql(clv, bySegment as never, f, 'loyal', 'clv_12m_usd', 1);
    expect(s.rows).toContain(
      "WHERE first_order_date BETWEEN DATE '1997-01-01' AND DATE '1997-03-31' AND segment = 'loyal' AND clv_12m_usd IS NOT NULL",
    );
    expect(s.rows).toContain('ORDER BY t.clv_12m_usd DESC NULLS LAST, t.customer_id');
    expect(s.total).toContain('count(*) AS value');
  });

  it("every filtered visual reads its dashboard's view, and every drill-down column is a filter or a chart axis", () => {
    for (const d of EXPLORE_DASHBOARDS) {
      const set: FilterSet = FILTER_SETS[d.set];
      for (const v of d.visuals.filter((x) => x.sql.includes('{where}'))) {
        expect([v.id, v.sql]).toEqual([
          v.id,
          expect.stringContaining(`FROM reporting.${set.view} WHERE {where}`),
        ]);
        if (v.qs) expect([v.id, v.qs.view]).toEqual([v.id, set.view]);
        if (v.drill)
          expect([set.date?.column, ...set.categories.map((c) => c.column)]).toContain(v.drill.column);
      }
    }
  });
});
