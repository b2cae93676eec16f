import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../../../src/cli/commands/dq';
import { runEtl } from '../../../../src/etl/runner';
import { canonical } from '../../../helpers/canonical';
import { writeBronze } from '../../../helpers/lake';

/** `c360 dq`: the flagged rows of the last ETL run, as the CLI prints them (exit 0), or what to do (exit 2). */
describe('c360 dq', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'c360-dq-'));
    const order = (id: string, currency: string, ts: string) =>
      canonical({
        eventId: id,
        type: 'order_completed',
        event: 'Order Completed',
        userId: `u-${id}`,
        timestamp: ts,
        receivedAt: ts,
        identities: [{ type: 'user_id', value: `u-${id}` }],
        properties: { orderId: id, amount: 5000, currency, status: 'paid' },
      });
    // XOF is ISO-4217 but has no rate in the shipped reference: flagged; the USD order is not.
    await writeBronze(join(dir, 'lake'), [
      order('ok-1', 'USD', '2026-03-01T10:00:00.000Z'),
      order('xof-1', 'XOF', '2026-03-02T10:00:00.000Z'),
      order('xof-2', 'XOF', '2026-03-03T10:00:00.000Z'),
    ]);
    await runEtl({ lakeDir: join(dir, 'lake'), from: '2026-03-01', to: '2026-03-03' });
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const capture = async (argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const o = jest.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
    const e = jest.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true));
    try {
      return { code: await run(argv), out: out.join(''), err: err.join('') };
    } finally {
      o.mockRestore();
      e.mockRestore();
    }
  };

  it('lists each flagged row with its rule and why (json), and counts them per rule (--summary)', async () => {
    const r = await capture(['--data', dir, '--format', 'json']);
    expect(r.code).toBe(0);
    const rows = r.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rows.map((x) => [x.check_name, x.table_name, x.dt])).toEqual([
      ['money_has_rate', 'silver.events', '2026-03-02'],
      ['money_has_rate', 'silver.events', '2026-03-03'],
    ]);
    expect(rows[0].detail).toMatch(/^XOF has no USD rate in force on 2026-03-02/);
    const s = await capture(['--data', dir, '--summary', '--format', 'csv']);
    expect(s.code).toBe(0);
    expect(s.out.trim().split('\n')).toEqual([
      'check_name,table_name,rows_flagged,first_day,last_day',
      'money_has_rate,silver.events,2,2026-03-02,2026-03-03',
    ]);
    expect(
      (await capture(['--data', dir, '--check', 'refunds_within_amount', '--format', 'json'])).out.trim(),
    ).toBe('');
  });

  it('without an ETL run says what to run, exit 2; a wrong option is a usage error', async () => {
    const r = await capture(['--data', join(dir, 'nothing-here')]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('run "c360 etl" (or "npm start") first');
    expect((await capture(['--data', dir, '--format', 'xml'])).code).not.toBe(0);
  });
});
