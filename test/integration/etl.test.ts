import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LakeDelivery } from '../../src/adapters/local/lake-delivery';
import type { CanonicalEvent, IdentityKey } from '../../src/domain/event';
import { bronzePartition, bronzePrefix } from '../../src/domain/partition';
import { openDuckDb } from '../../src/etl/duckdb';
import { registerLakeViews } from '../../src/etl/lake-views';
import { DataQualityError, runEtl } from '../../src/etl/runner';
import { canonical } from '../helpers/canonical';

let n = 0;
function ev(
  type: CanonicalEvent['type'],
  ts: string,
  ids: IdentityKey[],
  props: Record<string, unknown> = {},
  extra: Partial<CanonicalEvent> = {},
) {
  n++;
  const userId = ids.find((i) => i.type === 'user_id')?.value ?? null;
  const anonymousId = ids.find((i) => i.type === 'anonymous_id')?.value ?? null;
  return canonical({
    eventId: `e${n}`,
    type,
    event: type === 'track' ? 'Product Viewed' : type,
    userId,
    anonymousId,
    timestamp: ts,
    receivedAt: ts,
    identities: ids,
    properties: props,
    ...extra,
  });
}

async function writeBronze(lake: string, events: CanonicalEvent[]) {
  await new LakeDelivery(lake).deliver(
    events.map((e) => ({ prefix: bronzePrefix(bronzePartition(e)), line: JSON.stringify(e) })),
  );
}

async function query(lake: string, sql: string) {
  const engine = await openDuckDb();
  try {
    await registerLakeViews(engine, lake);
    return await engine.rows(sql);
  } finally {
    engine.close();
  }
}

const u1 = { type: 'user_id', value: 'u1' } as const;
const a1 = { type: 'anonymous_id', value: 'a1' } as const;
const h1 = { type: 'email_hash', value: 'h1' } as const;
const s1 = { type: 'stripe_customer', value: 'cus_1' } as const;
const z1 = { type: 'zendesk_user', value: 'z1' } as const;
const u2 = { type: 'user_id', value: 'u2' } as const;

function dataset(): CanonicalEvent[] {
  n = 0;
  const dup = ev('page', '2026-03-01T10:40:00.000Z', [a1]);
  return [
    ev('page', '2026-03-01T10:00:00.000Z', [a1]),
    dup,
    { ...dup, receivedAt: '2026-03-01T10:45:00.000Z' }, // redelivered copy of the same event id
    ev('identify', '2026-03-01T10:41:00.000Z', [u1, a1, h1]),
    ev('order_completed', '2026-03-01T11:00:00.000Z', [s1, h1], {
      orderId: 'pi_1',
      amount: 2000,
      currency: 'USD',
      itemCount: 2,
    }),
    ev('order_completed', '2026-03-01T11:00:05.000Z', [s1], {
      orderId: 'pi_1',
      amount: 2000,
      currency: 'USD',
    }), // same order, second provider event
    ev('support_ticket', '2026-03-02T09:00:00.000Z', [z1, h1], {
      ticketId: 't1',
      action: 'solved',
      status: 'solved',
      satisfaction: 'good',
      satisfactionScore: 1,
    }),
    ev('order_completed', '2026-03-02T12:00:00.000Z', [u2], {
      orderId: 'o2',
      amount: 10000,
      currency: 'EUR',
    }),
    ev('order_refunded', '2026-03-03T12:00:00.000Z', [], {
      orderId: 'o2',
      refundId: 'r1',
      amount: 5000,
      currency: 'EUR',
    }),
  ];
}

describe('lake ETL (DuckDB running the SQL plan)', () => {
  let lake: string;
  beforeEach(async () => {
    lake = join(await mkdtemp(join(tmpdir(), 'c360-etl-')), 'lake');
  });
  afterEach(async () => {
    await rm(join(lake, '..'), { recursive: true, force: true });
  });

  it('dedupes, stitches identities into one customer, sessionizes, builds gold', async () => {
    await writeBronze(lake, dataset());
    const report = await runEtl({ lakeDir: lake, from: '2026-03-01', to: '2026-03-03' });
    expect(report.steps.find((s) => s.name === 'silver_events')?.rows).toBe(8);

    const customers = await query(
      lake,
      'SELECT customer_id, identity_keys, orders, CAST(gross_usd AS DOUBLE) AS gross_usd, tickets, csat FROM gold.dim_customer ORDER BY identity_keys DESC',
    );
    expect(customers).toHaveLength(2);
    expect(customers[0]).toMatchObject({
      identity_keys: '5',
      orders: '1',
      gross_usd: 20,
      tickets: '1',
      csat: 1,
    });
    expect(customers[1]).toMatchObject({ identity_keys: '1', orders: '1', gross_usd: 108 });

    const orders = await query(
      lake,
      'SELECT order_id, amount_usd, refunded_usd, net_usd FROM gold.fact_orders ORDER BY order_id',
    );
    expect(orders).toEqual([
      // DECIMAL(18,2): exact money, read back as its decimal text.
      { order_id: 'o2', amount_usd: '108.00', refunded_usd: '54.00', net_usd: '54.00' },
      { order_id: 'pi_1', amount_usd: '20.00', refunded_usd: '0.00', net_usd: '20.00' },
    ]);
    // 10:00 and 10:40 are 40 minutes apart: two sessions for device a1.
    const sessions = await query(
      lake,
      'SELECT session_key, events FROM gold.fact_sessions ORDER BY started_at',
    );
    expect(sessions).toEqual([
      { session_key: 'a1', events: '1' },
      { session_key: 'a1', events: '2' },
    ]);
    const kpi = await query(
      lake,
      'SELECT CAST(day AS VARCHAR) AS day, dau, orders, new_buyers, returning_buyers FROM gold.kpi_daily ORDER BY day',
    );
    expect(kpi[0]).toMatchObject({ day: '2026-03-01', dau: '1', orders: '1', new_buyers: '1' });
  });

  it('reruns give identical output, and a rerun of an older date picks up late data', async () => {
    await writeBronze(lake, dataset());
    await runEtl({ lakeDir: lake, from: '2026-03-01', to: '2026-03-03' });
    const snapshot = async () => ({
      silver: await query(lake, 'SELECT * EXCLUDE (received_at) FROM silver.events ORDER BY event_id'),
      gold: await query(lake, 'SELECT * FROM gold.dim_customer ORDER BY customer_id'),
      ids: await query(lake, 'SELECT * FROM silver.identity_map ORDER BY node'),
    });
    const first = await snapshot();
    await runEtl({ lakeDir: lake, from: '2026-03-01', to: '2026-03-03' });
    expect(await snapshot()).toEqual(first);

    // A late order for 2026-03-01 arrives after the run.
    await writeBronze(lake, [
      ev('order_completed', '2026-03-01T18:00:00.000Z', [u2], {
        orderId: 'late-1',
        amount: 500,
        currency: 'USD',
      }),
    ]);
    await runEtl({ lakeDir: lake, from: '2026-03-01', to: '2026-03-01' });
    const late = await query(lake, "SELECT order_id FROM gold.fact_orders WHERE order_id = 'late-1'");
    expect(late).toEqual([{ order_id: 'late-1' }]);
    // Other dates' partitions were left as they were.
    expect(await query(lake, "SELECT count(*) AS n FROM silver.events WHERE dt = '2026-03-02'")).toEqual([
      { n: '2' },
    ]);
  });

  it('a guest order (no identity) is revenue without a customer', async () => {
    const guest = ev('order_completed', '2026-03-01T12:00:00.000Z', [], {
      orderId: 'guest-1',
      amount: 100,
      currency: 'USD',
      status: 'paid',
    });
    await writeBronze(lake, [...dataset(), guest]);
    await runEtl({ lakeDir: lake, from: '2026-03-01', to: '2026-03-03' });
    expect(
      await query(lake, "SELECT customer_id, gross_usd FROM gold.fact_orders WHERE order_id = 'guest-1'"),
    ).toEqual([{ customer_id: null, gross_usd: '1.00' }]);
  });

  it('a failed check names the check and an example, and leaves the previous good output in place', async () => {
    await writeBronze(lake, dataset());
    await runEtl({ lakeDir: lake, from: '2026-03-01', to: '2026-03-03' });
    const before = await query(lake, 'SELECT * FROM gold.fact_orders ORDER BY order_key');
    const beforeSilver = await query(lake, 'SELECT count(*) AS n FROM silver.events');
    // XOF is ISO-4217 but the reference rates have no XOF rate: the order cannot be valued.
    const unpriced = ev('order_completed', '2026-03-02T12:00:00.000Z', [u2], {
      orderId: 'xof-1',
      amount: 5000,
      currency: 'XOF',
      status: 'paid',
    });
    await writeBronze(lake, [unpriced]);
    const err = await runEtl({ lakeDir: lake, from: '2026-03-01', to: '2026-03-03' }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DataQualityError);
    expect((err as DataQualityError).check).toBe('dq_silver_money_has_rate');
    expect((err as DataQualityError).failures).toBe(1);
    expect((err as Error).message).toContain('(e.g. XOF on 2026-03-02)');
    expect((err as Error).message).toContain('the previous good output was left in place');
    expect(await query(lake, 'SELECT * FROM gold.fact_orders ORDER BY order_key')).toEqual(before);
    expect(await query(lake, 'SELECT count(*) AS n FROM silver.events')).toEqual(beforeSilver);
  });

  it('an empty date range fails the freshness check instead of writing nothing silently', async () => {
    await writeBronze(lake, dataset());
    await expect(runEtl({ lakeDir: lake, from: '2026-04-01', to: '2026-04-02' })).rejects.toThrow(
      'dq_silver_freshness',
    );
  });

  it('rejects a malformed range with a clear message', async () => {
    await expect(runEtl({ lakeDir: lake, from: '2026-03-05', to: '2026-03-01' })).rejects.toThrow(
      '--from <= --to',
    );
  });
});

describe('lake ETL robustness', () => {
  it('free-form properties of other event types (amount: "ten" on a track) do not break typed columns', async () => {
    const lake = join(await mkdtemp(join(tmpdir(), 'c360-etl-')), 'lake');
    try {
      await writeBronze(lake, [
        ...dataset(),
        ev('track', '2026-03-01T12:00:00.000Z', [u2], {
          amount: 'ten',
          itemCount: 'many',
          sentimentScore: { x: 1 },
        }),
      ]);
      await runEtl({ lakeDir: lake, from: '2026-03-01', to: '2026-03-03' });
      const rows = await query(
        lake,
        "SELECT amount_minor, item_count FROM silver.events WHERE event_type = 'track'",
      );
      expect(rows).toEqual([{ amount_minor: null, item_count: null }]);
    } finally {
      await rm(join(lake, '..'), { recursive: true, force: true });
    }
  });
});

describe('lake ETL standardization', () => {
  it('maps country codes and names to ISO alpha-2, geo first', async () => {
    const lake = join(await mkdtemp(join(tmpdir(), 'c360-etl-')), 'lake');
    try {
      const geo = (country: string | null) => ({
        ua: null,
        geo: country ? { country, region: null, city: null } : null,
        campaign: null,
        ip: null,
      });
      await writeBronze(lake, [
        ev('identify', '2026-03-01T10:00:00.000Z', [u1], {}, { traits: { country: 'United Kingdom' } }),
        ev('identify', '2026-03-01T10:00:01.000Z', [u2], {}, { traits: { country: 'deu' } }),
        ev(
          'page',
          '2026-03-01T10:00:02.000Z',
          [a1],
          {},
          { traits: { country: 'France' }, enrichment: geo('jp') },
        ),
        ev('page', '2026-03-01T10:00:03.000Z', [h1], {}, { traits: { country: 'Atlantis' } }),
      ]);
      await runEtl({ lakeDir: lake, from: '2026-03-01', to: '2026-03-01', layers: ['silver'] });
      const rows = await query(lake, 'SELECT country FROM silver.events ORDER BY ts');
      expect(rows.map((r) => r.country)).toEqual(['GB', 'DE', 'JP', null]);
    } finally {
      await rm(join(lake, '..'), { recursive: true, force: true });
    }
  });
});
