import { completeness } from '../../../src/etl/completeness';
import { onTime, resolveRun } from '../../../src/handlers/pipeline-steps';

describe('completeness and on-time SLIs', () => {
  it('expects every source that delivered in the week before, for each day of the run', () => {
    const parts = new Map([
      ['web', new Set(['2026-03-01', '2026-03-05', '2026-03-06'])],
      ['stripe', new Set(['2026-03-02'])], // delivered in the week before, missing on the 6th
      ['crm', new Set(['2026-01-01'])], // quiet for two months: not expected
    ]);
    const c = completeness(parts, '2026-03-06', '2026-03-06');
    expect(c).toEqual({ expected: 2, present: 1, missing: [{ source: 'stripe', dt: '2026-03-06' }] });
    expect(completeness(parts, '2026-03-05', '2026-03-06').expected).toBe(4);
  });

  it('a scheduled run is on time when done by 06:00 UTC the day after its date', () => {
    expect(onTime('2026-03-01', new Date('2026-03-02T05:59:59Z'))).toBe(1);
    expect(onTime('2026-03-01', new Date('2026-03-02T06:00:01Z'))).toBe(0);
    expect(resolveRun(undefined, new Date('2026-03-02T01:00:00Z'))).toEqual({
      date: '2026-03-01',
      engine: 'glue',
      scheduled: 1,
    });
    expect(resolveRun({ date: '2026-02-01' }, new Date()).scheduled).toBe(0);
  });
});
