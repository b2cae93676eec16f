import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run as importRates } from '../../src/cli/commands/rates';
import { openDuckDb } from '../../src/etl/duckdb';
import { registerLakeViews } from '../../src/etl/lake-views';
import { runEtl } from '../../src/etl/runner';
import { fixedClock } from '../../src/ports/clock';
import { createLocalEnrichHandler, drainStream } from '../../src/runtime/local-enrich';
import { signStripe } from '../../src/sources/stripe/signature';
import { apiEvent } from '../helpers/http';
import { NOW_S, webhooksUnderTest } from '../helpers/webhooks';

/**
 * Stripe refunds through every stage (signed → stream → enrich → bronze → silver → gold), for
 * the API versions before and after 2022-11-15, delivered out of order and twice, with refund
 * events beside the charge's cumulative totals and a refund that fails afterwards. The objects
 * are Stripe's (test/fixtures/real/stripe/); expected amounts come from them.
 */
const REAL = join(__dirname, '../fixtures/real/stripe');
const current = JSON.parse(readFileSync(join(REAL, 'fixtures.json'), 'utf8')) as Record<
  string,
  Record<string, unknown>
>;
/**
 * The 2016-07-06 payload as Stripe sent it, its times moved to 2019-04-10: the shipped rates have
 * no shekel rate for 2016, the ECB excerpt (test/fixtures/real/ecb/) has one from that day.
 */
const ON_RATE_DAY = Date.parse('2019-04-10T12:00:00Z') / 1000;
const v2016 = (() => {
  const e = JSON.parse(readFileSync(join(REAL, 'charge-refunded-2016-07-06.json'), 'utf8'));
  const shift = ON_RATE_DAY - e.created;
  e.created += shift;
  e.data.object.created += shift;
  for (const r of e.data.object.refunds.data) r.created += shift;
  return e;
})();

const T0 = 1767200000; // the payments
const T1 = T0 + 3600; // first refund
const T2 = T0 + 7200; // second refund
const T3 = T0 + 10800; // a refund fails
const event = (
  id: string,
  type: string,
  created: number,
  object: Record<string, unknown>,
  apiVersion = '2024-06-20',
) => JSON.stringify({ id, object: 'event', api_version: apiVersion, type, created, data: { object } });

/** A charge of the current API (no refunds embedded), paid by `pi`. */
function charge(id: string, pi: string, amount: number, refunded: number): Record<string, unknown> {
  const c: Record<string, unknown> = {
    ...current.charge,
    id,
    payment_intent: pi,
    amount,
    amount_captured: amount,
    amount_refunded: refunded,
    captured: true,
    paid: true,
    status: 'succeeded',
  };
  delete c.refunds;
  return c;
}
const refund = (
  id: string,
  chargeId: string,
  pi: string,
  amount: number,
  status: string,
  created: number,
) => ({
  ...current.refund,
  id,
  charge: chargeId,
  payment_intent: pi,
  amount,
  currency: 'usd',
  status,
  created,
});

describe('Stripe refunds across API versions, out of order and redelivered', () => {
  let dir: string;
  let rows: Record<string, unknown>[];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'c360-stripe-refunds-'));
    const { handler, stream } = webhooksUnderTest();
    const bodies = [
      // A: 50.00 paid; refunds of 10.00 (T1) and 15.00 (T2), each as refund.created and as the
      // charge's cumulative total; the T2 total arrives before the T1 total and arrives twice.
      event('evt_a0', 'charge.succeeded', T0, charge('ch_a', 'pi_a', 5000, 0)),
      event('evt_a2', 'charge.refunded', T2, charge('ch_a', 'pi_a', 5000, 2500)),
      event('evt_a1', 'charge.refunded', T1, charge('ch_a', 'pi_a', 5000, 1000)),
      event('evt_ra1', 'refund.created', T1, refund('re_a1', 'ch_a', 'pi_a', 1000, 'succeeded', T1)),
      event('evt_ra2', 'refund.created', T2, refund('re_a2', 'ch_a', 'pi_a', 1500, 'succeeded', T2)),
      event('evt_a2', 'charge.refunded', T2, charge('ch_a', 'pi_a', 5000, 2500)),
      // B: 40.00 paid; a 15.00 refund reported as a total at T1, which fails at T3 (reported
      // before the success arrives).
      event('evt_b0', 'charge.succeeded', T0, charge('ch_b', 'pi_b', 4000, 0)),
      event('evt_rb1f', 'refund.failed', T3, refund('re_b1', 'ch_b', 'pi_b', 1500, 'failed', T1)),
      event('evt_b1', 'charge.refunded', T1, charge('ch_b', 'pi_b', 4000, 1500)),
      event('evt_rb1', 'refund.created', T1, refund('re_b1', 'ch_b', 'pi_b', 1500, 'succeeded', T1)),
      // C: API 2016-07-06, the refund embedded in the charge.
      event(
        'evt_c0',
        'charge.succeeded',
        v2016.data.object.created,
        { ...v2016.data.object, amount_refunded: 0, refunds: { object: 'list', data: [] } },
        v2016.api_version,
      ),
      JSON.stringify(v2016),
    ];
    for (const body of bodies) {
      const res = await handler(
        apiEvent({
          path: '/webhooks/stripe',
          body,
          headers: { 'stripe-signature': signStripe(body, 'whsec_test', NOW_S) },
        }),
      );
      expect(res.statusCode).toBe(200);
    }
    await drainStream({
      stream,
      handler: createLocalEnrichHandler(dir, { clock: fixedClock('2026-01-01T10:00:05.000Z'), geo: false }),
      checkpointFile: join(dir, 'cp'),
    });
    expect(
      await importRates([
        'import',
        join(__dirname, '../fixtures/real/ecb/eurofxref-hist-excerpt.csv'),
        '--data',
        dir,
      ]),
    ).toBe(0);
    await runEtl({ lakeDir: join(dir, 'lake'), from: '2016-01-01', to: '2026-12-31' });
    const engine = await openDuckDb();
    try {
      await registerLakeViews(engine, join(dir, 'lake'));
      rows = await engine.rows(
        "SELECT order_id, CAST(gross_usd AS VARCHAR) AS gross, CAST(refunded_usd AS VARCHAR) AS refunded, refunds, CAST(net_usd AS VARCHAR) AS net FROM gold.fact_orders WHERE provider = 'stripe' ORDER BY order_id",
      );
    } finally {
      engine.close();
    }
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('totals and refund events of one charge net once: 50.00 − (10.00 + 15.00)', () => {
    expect(rows.find((r) => r.order_id === 'pi_a')).toEqual({
      order_id: 'pi_a',
      gross: '50.00',
      refunded: '25.00',
      refunds: '2',
      net: '25.00',
    });
  });

  it('a refund that failed after the total that counted it is taken back out', () => {
    expect(rows.find((r) => r.order_id === 'pi_b')).toEqual({
      order_id: 'pi_b',
      gross: '40.00',
      refunded: '0.00',
      refunds: '0',
      net: '40.00',
    });
  });

  it('API 2016-07-06: the embedded refund is netted once, in proportion to the charge (same day, same rate)', () => {
    const c = rows.find((r) => r.order_id === v2016.data.object.id) as Record<string, string>;
    const charged = v2016.data.object;
    expect(c.refunds).toBe('1');
    // 100.00 of 617.98 ILS, both valued at the same day's rate: refunded ≈ gross × share, to the cent.
    const expected = (Number(c.gross) * charged.amount_refunded) / charged.amount;
    expect(Math.abs(Number(c.refunded) - expected)).toBeLessThanOrEqual(0.01);
    expect(Number(c.refunded)).toBeGreaterThan(0);
  });
});
