import { numeric } from '../../../src/dashboards/render';
import { reportPeriod } from '../../../src/dashboards/reports';

describe('report periods', () => {
  it('a daily report compares with the same weekday a week earlier', () => {
    expect(reportPeriod('daily', '1997-03-15')).toEqual({
      from: '1997-03-15',
      to: '1997-03-15',
      previousFrom: '1997-03-08',
      previousTo: '1997-03-08',
    });
  });
  it('a weekly digest covers the ISO week (Monday to Sunday) holding the date, against the week before', () => {
    // 1997-03-15 was a Saturday; 1997-03-10 a Monday; 2026-11-30 is a Monday.
    expect(reportPeriod('weekly', '1997-03-15')).toEqual({
      from: '1997-03-10',
      to: '1997-03-16',
      previousFrom: '1997-03-03',
      previousTo: '1997-03-09',
    });
    expect(reportPeriod('weekly', '2026-11-30').from).toBe('2026-11-30');
    expect(() => reportPeriod('daily', '2026-13-01')).toThrow(/YYYY-MM-DD/);
  });
});

describe('dashboard rows', () => {
  it('turn measures into numbers but keep identifiers exactly as sent', () => {
    expect(
      numeric([{ order_id: '820982911946154508', customer_key: '42', net_usd: '12.50', orders: '3' }]),
    ).toEqual([{ order_id: '820982911946154508', customer_key: '42', net_usd: 12.5, orders: 3 }]);
  });
});
