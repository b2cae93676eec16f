import {
  csvOf,
  describeFilters,
  drillSql,
  EXPLORE_DASHBOARDS,
  FilterError,
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
const parse = (s: string) => parseFilters(q(s), LATEST, TODAY);

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
    expect(parseFilters(q('range=last_7'), null, TODAY)).toMatchObject({ from: '2026-11-27', to: TODAY });
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
    expect(before?.segment).toBe(f.segment);
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
    expect(whereOf(f)).toBe(
      "order_date BETWEEN DATE '1998-06-24' AND DATE '1998-06-30' AND segment = 'o''hara' AND source = 'x'') OR (1=1'",
    );
    expect(whereOf(parse(''))).toBe('TRUE');
    expect(visualSql(EXPLORE_DASHBOARDS[0]?.visuals[0] as never, f)).not.toContain('{where}');
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
    const trends = EXPLORE_DASHBOARDS.find((d) => d.id === 'trends');
    const perDay = trends?.visuals.find((v) => v.id === 'orders_per_day');
    const bySegment = trends?.visuals.find((v) => v.id === 'orders_by_segment');
    const kpi = trends?.visuals.find((v) => v.kind === 'kpi');
    const f = parse('range=last_7');
    const s = drillSql(bySegment as never, f, "it's", 'net_usd', 2);
    expect(s.rows).toContain("segment = 'it''s'");
    expect(s.rows).toContain('ORDER BY net_usd DESC, customer_id LIMIT 50 OFFSET 50');
    expect(s.total).not.toContain('LIMIT');
    expect(drillSql(bySegment as never, f, 'x', 'orders', null).rows).not.toContain('LIMIT');
    expect(drillSql(perDay as never, f, '1998-06-25', 'customer_id', 1).rows).toContain(
      "order_date = DATE '1998-06-25'",
    );
    expect(() => drillSql(perDay as never, f, "1998-06-25' OR '1", 'orders', 1)).toThrow(
      'x: a day YYYY-MM-DD',
    );
    expect(() => drillSql(kpi as never, f, 'x', 'orders', 1)).toThrow('has no drill-down');
  });
});
