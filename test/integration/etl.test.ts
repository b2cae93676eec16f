import { readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listFiles } from '../../src/adapters/local/files';
import { run as importRates } from '../../src/cli/commands/rates';
import { AUDIENCES } from '../../src/domain/audiences';
import { enrichDraft } from '../../src/domain/enrich/pipeline';
import { DataQualityError } from '../../src/domain/errors';
import type { CanonicalEvent, IdentityKey, RawEnvelope } from '../../src/domain/event';
import { normalize } from '../../src/domain/normalize';
import { openDuckDb } from '../../src/etl/duckdb';
import type { LineageEvent } from '../../src/etl/lineage';
import { runEtl } from '../../src/etl/runner';
import { canonical } from '../helpers/canonical';
import { enrichUnderTest } from '../helpers/enrich';
import { queryLake, writeBronze } from '../helpers/lake';

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

/** A paid order of `amount` minor units. */
const paidOrder = (ts: string, ids: IdentityKey[], orderId: string, amount = 1000, currency = 'USD') =>
  ev('order_completed', ts, ids, { orderId, amount, currency, status: 'paid' });

/** SQL over the lake's views (the shared helper). */
const query = queryLake;

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

    // A late order for 2026-03-01 arrives five days later: bronze files it under its arrival
    // date, the run for that arrival date merges it into silver's 2026-03-01 partition.
    const day1 = async () =>
      (await query(lake, "SELECT count(*) AS n FROM silver.events WHERE dt = '2026-03-01'"))[0]?.n;
    const before = Number(await day1());
    await writeBronze(lake, [
      ev(
        'order_completed',
        '2026-03-01T18:00:00.000Z',
        [u2],
        { orderId: 'late-1', amount: 500, currency: 'USD' },
        { receivedAt: '2026-03-06T09:00:00.000Z' },
      ),
    ]);
    await runEtl({ lakeDir: lake, from: '2026-03-06', to: '2026-03-06' });
    const late = await query(
      lake,
      "SELECT order_id, CAST(ordered_at AS VARCHAR) AS at FROM gold.fact_orders WHERE order_id = 'late-1'",
    );
    expect(late).toEqual([{ order_id: 'late-1', at: '2026-03-01 18:00:00' }]);
    expect(Number(await day1())).toBe(before + 1);
    // Rerunning the arrival date reprocesses, never doubles; other partitions stay as they were.
    await runEtl({ lakeDir: lake, from: '2026-03-06', to: '2026-03-06' });
    expect(Number(await day1())).toBe(before + 1);
    expect(await query(lake, "SELECT count(*) AS n FROM silver.events WHERE dt = '2026-03-02'")).toEqual([
      { n: '2' },
    ]);
  });

  it('a guest order (no identity) is revenue without a customer', async () => {
    const guest = paidOrder('2026-03-01T12:00:00.000Z', [], 'guest-1', 100);
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
    await writeBronze(lake, [paidOrder('2026-03-02T12:00:00.000Z', [u2], 'late-1', 5000)]);
    // A table-level failure (a bug that loses a row between bronze and silver) stops the run.
    const engine = await openDuckDb();
    const lossy = {
      ...engine,
      run: async (sql: string) => {
        await engine.run(sql);
        if (sql.startsWith('CREATE OR REPLACE TEMP TABLE silver_events__new'))
          await engine.run(
            'DELETE FROM silver_events__new WHERE event_id = (SELECT min(event_id) FROM silver_events__new)',
          );
      },
    };
    const err = await runEtl({ lakeDir: lake, from: '2026-03-01', to: '2026-03-03', engine: lossy })
      .catch((e: unknown) => e)
      .finally(() => engine.close());
    expect(err).toBeInstanceOf(DataQualityError);
    expect((err as DataQualityError).check).toBe('dq_silver_reconciles_bronze');
    expect((err as Error).message).toContain('(e.g. bronze');
    expect((err as Error).message).toContain('the previous good output was left in place');
    expect(await query(lake, 'SELECT * FROM gold.fact_orders ORDER BY order_key')).toEqual(before);
    expect(await query(lake, 'SELECT count(*) AS n FROM silver.events')).toEqual(beforeSilver);

    // OpenLineage: the good run's events give each output's row count; the failed run a FAIL event.
    const events = (await listFiles(join(lake, 'lineage'), '.ndjson'))
      .flatMap((f) => readFileSync(f, 'utf8').split('\n').filter(Boolean))
      .map((l) => JSON.parse(l) as LineageEvent);
    const complete = events.find((e) => e.eventType === 'COMPLETE' && e.job.name === 'etl.fact_orders');
    expect(complete?.outputs).toEqual([
      {
        namespace: 'c360-lake',
        name: 'gold/fact_orders',
        outputFacets: { outputStatistics: { rowCount: before.length } },
      },
    ]);
    expect(complete?.inputs.map((i) => i.name)).toContain('silver/events');
    expect(complete?.schemaURL).toMatch(/openlineage\.io\/spec/);
    const failed = events.filter((e) => e.eventType === 'FAIL');
    expect(failed.map((e) => e.job.name)).toEqual(['etl.dq_silver_reconciles_bronze']);
    expect(failed[0]?.run.runId).not.toBe(complete?.run.runId);
  });

  it('a row-level rule flags the row and the rest of the day publishes (a currency without a rate)', async () => {
    await writeBronze(lake, dataset());
    // XOF is ISO-4217 but the reference rates have no XOF rate: the order cannot be valued.
    await writeBronze(lake, [paidOrder('2026-03-02T12:00:00.000Z', [u2], 'xof-1', 5000, 'XOF')]);
    const r = await runEtl({ lakeDir: lake, from: '2026-03-01', to: '2026-03-03' });
    expect(r.warnings.map((w) => [w.check, w.failures, w.example])).toEqual([
      ['dq_silver_money_has_rate', 1, 'XOF on 2026-03-02'],
    ]);
    // Published: every order of the day, the unvalued one kept as sent (its amount exact, no USD).
    expect(
      await query(
        lake,
        "SELECT order_id, currency, amount_minor, amount_usd FROM gold.fact_orders WHERE order_id = 'xof-1'",
      ),
    ).toEqual([{ order_id: 'xof-1', currency: 'XOF', amount_minor: '5000', amount_usd: null }]);
    const flags = await query(lake, 'SELECT check_name, table_name, detail, dt FROM gold.dq_row_flags');
    expect(flags).toEqual([
      {
        check_name: 'money_has_rate',
        table_name: 'silver.events',
        detail: expect.stringMatching(/^XOF has no USD rate in force on 2026-03-02/),
        dt: '2026-03-02',
      },
    ]);
  });

  it("Segment's own spec: a full refund larger than its order is flagged, the order kept as sent, the day published", async () => {
    const spec = JSON.parse(
      readFileSync(join(__dirname, '../fixtures/real/segment/ecommerce-v2-spec.json'), 'utf8'),
    );
    const full = JSON.parse(
      readFileSync(join(__dirname, '../fixtures/real/segment/order-refunded-full.json'), 'utf8'),
    );
    const { deps } = enrichUnderTest();
    const fromSegment = (
      messageId: string,
      event: string,
      properties: unknown,
      at: string,
    ): CanonicalEvent => {
      // Orders and refunds count only from a server-side key (src/domain/trust.ts).
      const envelope: RawEnvelope = {
        v: 1,
        kind: 'segment',
        source: 'backend',
        trust: 'server',
        receivedAt: at,
        requestId: 'r',
        payload: { type: 'track', event, messageId, userId: 'spec-user', properties, timestamp: at },
      };
      const out = normalize(envelope);
      if (!out.ok || !out.events[0]) throw new Error(`not normalized: ${JSON.stringify(out)}`);
      return enrichDraft(out.events[0], envelope, deps.enrich);
    };
    await writeBronze(lake, [
      ...dataset(),
      fromSegment('spec-1', 'Order Completed', spec['Order Completed'], '2026-03-02T10:00:00.000Z'),
      fromSegment('spec-2', 'Order Refunded', full, '2026-03-02T11:00:00.000Z'),
    ]);
    const r = await runEtl({ lakeDir: lake, from: '2026-03-01', to: '2026-03-03' });
    expect(r.warnings.map((w) => [w.check, w.failures])).toEqual([
      ['dq_fact_orders_refunds_within_amount', 1],
    ]);
    const [order] = await query(
      lake,
      `SELECT order_key, CAST(gross_usd AS VARCHAR) AS gross, CAST(refunded_usd AS VARCHAR) AS refunded FROM gold.fact_orders WHERE order_id = '${full.order_id}'`,
    );
    expect(order).toEqual({
      order_key: expect.any(String),
      gross: spec['Order Completed'].total.toFixed(2),
      refunded: full.total.toFixed(2),
    });
    expect(await query(lake, 'SELECT check_name, row_key, detail FROM gold.dq_row_flags')).toEqual([
      {
        check_name: 'refunds_within_amount',
        row_key: order?.order_key,
        detail: `refunded ${full.total.toFixed(2)} USD of an order of ${spec['Order Completed'].total.toFixed(2)} USD`,
      },
    ]);
    // The rest of the day is there: every other order of the dataset published.
    expect(Number((await query(lake, 'SELECT count(*) AS n FROM gold.fact_orders'))[0]?.n)).toBeGreaterThan(
      1,
    );
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

describe('lake ETL: data quality, identity and KPIs that mean something', () => {
  let lake: string;
  beforeEach(async () => {
    lake = join(await mkdtemp(join(tmpdir(), 'c360-etl-')), 'lake');
  });
  afterEach(async () => {
    await rm(join(lake, '..'), { recursive: true, force: true });
  });

  it('reconciliation fails when a row is lost between bronze and silver', async () => {
    await writeBronze(lake, dataset());
    const engine = await openDuckDb();
    // A bug that drops one event while building silver.events.
    const lossy = {
      ...engine,
      run: async (sql: string) => {
        await engine.run(sql);
        if (sql.startsWith('CREATE OR REPLACE TEMP TABLE silver_events__new')) {
          await engine.run(
            'DELETE FROM silver_events__new WHERE event_id = (SELECT min(event_id) FROM silver_events__new)',
          );
        }
      },
    };
    try {
      const err = await runEtl({ lakeDir: lake, from: '2026-03-01', to: '2026-03-03', engine: lossy }).catch(
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(DataQualityError);
      expect((err as DataQualityError).check).toBe('dq_silver_reconciles_bronze');
      expect((err as DataQualityError).example).toBe('bronze 9 <> silver 7 + duplicates 1');
    } finally {
      engine.close();
    }
    // Without the bug the same data reconciles: 9 bronze rows = 8 silver + 1 duplicate.
    await expect(runEtl({ lakeDir: lake, from: '2026-03-01', to: '2026-03-03' })).resolves.toBeDefined();
  });

  it('silver dedupe is global: an event id already stored under another date is not stored again', async () => {
    const first = ev('page', '2026-03-01T10:00:00.000Z', [a1]);
    await writeBronze(lake, [first]);
    await runEtl({ lakeDir: lake, from: '2026-03-01', to: '2026-03-01' });
    // The same event id redelivered with a different client clock lands on another date.
    await writeBronze(lake, [
      { ...first, timestamp: '2026-03-02T10:00:00.000Z', receivedAt: '2026-03-02T10:00:00.000Z' },
      ev('page', '2026-03-02T11:00:00.000Z', [a1]),
    ]);
    await runEtl({ lakeDir: lake, from: '2026-03-02', to: '2026-03-02' });
    expect(await query(lake, 'SELECT dt, count(*) AS n FROM silver.events GROUP BY dt ORDER BY dt')).toEqual([
      { dt: '2026-03-01', n: '1' },
      { dt: '2026-03-02', n: '1' },
    ]);
  });

  it('a Segment messageId never deduplicates a provider event with the same id', async () => {
    const segment = ev(
      'page',
      '2026-03-01T10:00:00.000Z',
      [a1],
      {},
      { eventId: 'evt_1', kind: 'segment', source: 'web' },
    );
    const stripe = ev(
      'order_completed',
      '2026-03-01T10:00:00.000Z',
      [s1],
      { orderId: 'pi_9', amount: 100, currency: 'USD', status: 'paid' },
      { eventId: 'evt_1', kind: 'webhook', source: 'stripe' },
    );
    await writeBronze(lake, [segment, stripe]);
    await runEtl({ lakeDir: lake, from: '2026-03-01', to: '2026-03-01' });
    expect(
      await query(
        lake,
        'SELECT event_id, event_namespace, source_event_id FROM silver.events ORDER BY event_id',
      ),
    ).toEqual([
      { event_id: 'segment:evt_1', event_namespace: 'segment', source_event_id: 'evt_1' },
      { event_id: 'stripe:evt_1', event_namespace: 'stripe', source_event_id: 'evt_1' },
    ]);
  });

  it('partitions stored before a column was added are read by name: the run merges them, the old rows get NULL', async () => {
    await writeBronze(lake, [
      ev('page', '2026-03-01T10:00:00.000Z', [a1]),
      ev('page', '2026-03-01T11:00:00.000Z', [a1]),
    ]);
    await runEtl({ lakeDir: lake, from: '2026-03-01', to: '2026-03-01' });
    // Rewrite the stored partition as an older release wrote it: without event_namespace.
    const part = join(lake, 'silver', 'events', 'dt=2026-03-01');
    const [file] = await listFiles(part, '.parquet');
    const engine = await openDuckDb();
    try {
      await engine.run(
        `COPY (SELECT * EXCLUDE (event_namespace) FROM read_parquet('${file}', hive_partitioning = false)) TO '${file}.old' (FORMAT parquet)`,
      );
    } finally {
      engine.close();
    }
    await rm(file as string);
    await cp(`${file}.old`, file as string);
    await rm(`${file}.old`);
    // A run of the next day writes a new partition beside the old one: silver reads both.
    await writeBronze(lake, [ev('page', '2026-03-02T09:00:00.000Z', [a1])]);
    await runEtl({ lakeDir: lake, from: '2026-03-02', to: '2026-03-02' });
    const byNamespace = () =>
      query(
        lake,
        'SELECT dt, event_namespace, count(*) AS n FROM silver.events GROUP BY 1, 2 ORDER BY 1, 2 NULLS FIRST',
      );
    expect(await byNamespace()).toEqual([
      { dt: '2026-03-01', event_namespace: null, n: '2' },
      { dt: '2026-03-02', event_namespace: 'segment', n: '1' },
    ]);
    // A late event of the old day arrives later: the run merges it into the old partition.
    await writeBronze(lake, [
      { ...ev('page', '2026-03-01T12:00:00.000Z', [a1]), receivedAt: '2026-03-03T09:00:00.000Z' },
    ]);
    await runEtl({ lakeDir: lake, from: '2026-03-03', to: '2026-03-03' });
    expect(await byNamespace()).toEqual([
      { dt: '2026-03-01', event_namespace: null, n: '2' },
      { dt: '2026-03-01', event_namespace: 'segment', n: '1' },
      { dt: '2026-03-02', event_namespace: 'segment', n: '1' },
    ]);
  });

  it("after a Segment alias the profile's user_id is the current id, not previousId, and the history stays one customer", async () => {
    // Segment's alias spec: alias(userId: new, previousId: old); the normalizer keys previousId both ways.
    const old = { type: 'user_id', value: 'zz-old-login' } as const;
    const current = { type: 'user_id', value: 'aa-new-login' } as const; // sorts first: min() would pick it either way round
    await writeBronze(lake, [
      ev('identify', '2026-03-01T09:00:00.000Z', [old, a1]),
      ev('page', '2026-03-01T09:30:00.000Z', [old]),
      ev(
        'alias',
        '2026-03-01T10:00:00.000Z',
        [current, old, { type: 'anonymous_id', value: old.value }],
        {},
        { userId: current.value },
      ),
      ev('page', '2026-03-01T11:00:00.000Z', [current]),
    ]);
    await runEtl({ lakeDir: lake, from: '2026-03-01', to: '2026-03-01' });
    expect(await query(lake, 'SELECT user_id, identity_keys FROM gold.dim_customer')).toEqual([
      { user_id: current.value, identity_keys: '4' },
    ]);
    // The other way round: the old id sorting first must not win either.
    const lake2 = join(lake, '..', 'lake2');
    await writeBronze(lake2, [
      ev('identify', '2026-03-01T09:00:00.000Z', [{ type: 'user_id', value: 'aa-old' }]),
      ev(
        'alias',
        '2026-03-01T10:00:00.000Z',
        [
          { type: 'user_id', value: 'zz-new' },
          { type: 'user_id', value: 'aa-old' },
        ],
        {},
        { userId: 'zz-new' },
      ),
    ]);
    await runEtl({ lakeDir: lake2, from: '2026-03-01', to: '2026-03-01' });
    expect(await query(lake2, 'SELECT user_id FROM gold.dim_customer')).toEqual([{ user_id: 'zz-new' }]);
  });

  it('customer ids are stable when new keys join, and a merge keeps the oldest id', async () => {
    await writeBronze(lake, [
      ev('page', '2026-03-01T10:00:00.000Z', [{ type: 'anonymous_id', value: 'zz-anon' }]),
      ev('identify', '2026-03-02T10:00:00.000Z', [{ type: 'user_id', value: 'zz-user' }]),
    ]);
    await runEtl({ lakeDir: lake, from: '2026-03-01', to: '2026-03-02' });
    const ids = async () =>
      Object.fromEntries(
        (await query(lake, 'SELECT node, customer_id FROM silver.identity_map')).map((r) => [
          r.node,
          r.customer_id,
        ]),
      );
    const before = await ids();
    // A new key that sorts before every other ('a…') joins the anonymous visitor's component,
    // and a later event links the two customers: the older (the visitor's, first seen 03-01) id wins.
    await writeBronze(lake, [
      ev('identify', '2026-03-03T10:00:00.000Z', [
        { type: 'anonymous_id', value: 'zz-anon' },
        { type: 'advertising_id', value: 'aaa-device' },
      ]),
      ev('identify', '2026-03-03T11:00:00.000Z', [
        { type: 'anonymous_id', value: 'zz-anon' },
        { type: 'user_id', value: 'zz-user' },
      ]),
    ]);
    await runEtl({ lakeDir: lake, from: '2026-03-03', to: '2026-03-03' });
    const after = await ids();
    expect(after['anonymous_id:zz-anon']).toBe(before['anonymous_id:zz-anon']);
    expect(after['advertising_id:aaa-device']).toBe(before['anonymous_id:zz-anon']);
    expect(after['user_id:zz-user']).toBe(before['anonymous_id:zz-anon']);
    expect(new Set(Object.values(after)).size).toBe(1);
  });

  it('a key shared by more customers than the hub limit is not merged on and is reported', async () => {
    const shared = { type: 'email_hash', value: 'support-desk' } as const;
    await writeBronze(
      lake,
      [1, 2, 3, 4].map((i) =>
        ev('identify', `2026-03-01T10:0${i}:00.000Z`, [{ type: 'user_id', value: `hub-u${i}` }, shared]),
      ),
    );
    const report = await runEtl({ lakeDir: lake, from: '2026-03-01', to: '2026-03-01', hubLimit: 3 });
    expect(report.warnings).toEqual([
      expect.objectContaining({ check: 'dq_identity_hubs', failures: 1, example: 'email_hash:support-desk' }),
    ]);
    expect(await query(lake, 'SELECT count(*) AS n FROM gold.dim_customer')).toEqual([{ n: '4' }]);
    // Under the hub limit the resolution limits still hold: one email shared by four user ids
    // does not make them one person (at most one user id per profile); the refusal is reported.
    const under = await runEtl({ lakeDir: lake, from: '2026-03-01', to: '2026-03-01', hubLimit: 50 });
    expect(under.warnings).toEqual([
      expect.objectContaining({
        check: 'dq_identity_refused_merges',
        failures: 1,
        example: 'email_hash:support-desk',
      }),
    ]);
    expect(await query(lake, 'SELECT count(*) AS n FROM gold.dim_customer')).toEqual([{ n: '4' }]);
  });

  it('identity resolution: shared phones, devices and emails never merge two accounts; one person across sources still does', async () => {
    const u = (v: string) => ({ type: 'user_id', value: v }) as const;
    const email = (v: string) => ({ type: 'email_hash', value: v }) as const;
    const phone = (v: string) => ({ type: 'phone_hash', value: v }) as const;
    const device = (v: string) => ({ type: 'device_id', value: v }) as const;
    const at = (m: number) => `2026-03-01T10:${String(m).padStart(2, '0')}:00.000Z`;
    await writeBronze(lake, [
      // A household: two people, their own emails, one landline.
      ev('identify', at(1), [u('ann'), email('ann@'), phone('home')]),
      ev('identify', at(2), [u('bob'), email('bob@'), phone('home')]),
      // A company phone on three employees' profiles.
      ...['cy', 'di', 'ed'].map((p, i) => ev('identify', at(3 + i), [u(p), phone('switchboard')])),
      // A shared tablet: two accounts sign in on it.
      ev('identify', at(10), [u('fay'), device('tablet')]),
      ev('identify', at(11), [u('gus'), device('tablet')]),
      ev('page', at(12), [device('tablet')]),
      // A reused email: two accounts registered with one family address.
      ev('identify', at(13), [u('hal'), email('family@')]),
      ev('identify', at(14), [u('ivy'), email('family@')]),
      // One person across sources: a web account and a Stripe customer with the same email, and
      // a device used only by them: one profile.
      ev('identify', at(20), [u('joe'), email('joe@'), device('joe-phone')]),
      ev('identify', at(21), [{ type: 'stripe_customer', value: 'cus_joe' }, email('joe@')]),
      // An alias still merges two user ids of one person.
      ev('identify', at(30), [u('kim-old')]),
      ev('alias', at(31), [u('kim'), u('kim-old')]),
      // Bob orders, his order carrying the household phone too.
      ev('order_completed', at(40), [u('bob'), phone('home')], {
        orderId: 'bob-1',
        amount: 1000,
        currency: 'USD',
        status: 'paid',
      }),
    ]);
    const report = await runEtl({ lakeDir: lake, from: '2026-03-01', to: '2026-03-01' });
    const customer = async (node: string) =>
      (await query(lake, `SELECT customer_id FROM silver.identity_map WHERE node = '${node}'`))[0]
        ?.customer_id;
    const people = ['ann', 'bob', 'cy', 'di', 'ed', 'fay', 'gus', 'hal', 'ivy', 'joe', 'kim'];
    const ids = await Promise.all(people.map((p) => customer(`user_id:${p}`)));
    // Every account its own profile (no two people merged through a shared key)...
    expect(new Set(ids).size).toBe(people.length);
    // ...and each keeps what is its own.
    expect(await customer('email_hash:ann@')).toBe(await customer('user_id:ann'));
    expect(await customer('email_hash:bob@')).toBe(await customer('user_id:bob'));
    expect(await customer('stripe_customer:cus_joe')).toBe(await customer('user_id:joe'));
    expect(await customer('device_id:joe-phone')).toBe(await customer('user_id:joe'));
    expect(await customer('user_id:kim-old')).toBe(await customer('user_id:kim'));
    // The shared keys stand alone, and each refusal is counted.
    for (const shared of [
      'phone_hash:home',
      'phone_hash:switchboard',
      'device_id:tablet',
      'email_hash:family@',
    ])
      expect(people.map((_, i) => ids[i])).not.toContain(await customer(shared));
    expect(report.warnings).toEqual([
      expect.objectContaining({ check: 'dq_identity_refused_merges', failures: 4 }),
    ]);
    // An event of a shared key and an account belongs to the account (precedence), not the key.
    const [order] = await query(lake, "SELECT customer_id FROM gold.fact_orders WHERE order_id = 'bob-1'");
    expect(order?.customer_id).toBe(await customer('user_id:bob'));
  });

  it("trust: a public key's identify cannot pull someone's account into the sender's device; a lead's email still links", async () => {
    const u = (v: string) => ({ type: 'user_id', value: v }) as const;
    const email = (v: string) => ({ type: 'email_hash', value: v }) as const;
    const anon = (v: string) => ({ type: 'anonymous_id', value: v }) as const;
    const at = (m: number) => `2026-03-01T11:${String(m).padStart(2, '0')}:00.000Z`;
    const client = {
      kind: 'segment',
      source: 'web',
      flags: { futureClamped: false, late: false, bot: false, trust: 'client' },
    } as const;
    // Written before the trust flag existed: a Segment row without it is client-side too.
    const legacyClient = { kind: 'segment', source: 'web' } as const;
    const stripe = { kind: 'webhook', source: 'stripe' } as const;
    const crm = { kind: 'batch_file', source: 'crm' } as const;
    const backend = {
      kind: 'segment',
      source: 'backend',
      flags: { futureClamped: false, late: false, bot: false, trust: 'server' },
    } as const;
    await writeBronze(lake, [
      // The victim: a Stripe customer with their email, their CRM record tying account and email.
      ev('identify', at(1), [{ type: 'stripe_customer', value: 'cus_v' }, email('v@')], {}, stripe),
      ev('identify', at(2), [{ type: 'crm_contact', value: 'crm_v' }, u('victim'), email('v@')], {}, crm),
      paidOrder(at(3), [{ type: 'stripe_customer', value: 'cus_v' }], 'v-1', 5000),
      // The victim's own browser: signs in (user id links the device) and sends their email.
      ev('identify', at(4), [u('victim'), anon('v-browser'), email('v@')], {}, client),
      // An attacker with the public key: their device, the victim's email (forged identify)...
      ev('identify', at(5), [anon('attacker'), email('v@')], {}, client),
      ev('page', at(6), [anon('attacker')], {}, client),
      // ...and their own account claiming the same email, on a row without the trust flag.
      ev('identify', at(7), [u('mallory'), anon('m-browser'), email('v@')], {}, legacyClient),
      // A lead: a newsletter form on a new device, an email nobody server-side holds.
      ev('identify', at(8), [anon('lead-browser'), email('lead@')], {}, client),
      // The shop's backend (a server key) may link an account to an email.
      ev('identify', at(9), [u('sam'), email('sam@')], {}, backend),
      ev('identify', at(10), [anon('sam-browser'), email('sam@')], {}, backend),
    ]);
    await runEtl({ lakeDir: lake, from: '2026-03-01', to: '2026-03-01' });
    const customer = async (node: string) =>
      (await query(lake, `SELECT customer_id FROM silver.identity_map WHERE node = '${node}'`))[0]
        ?.customer_id;
    const victim = await customer('stripe_customer:cus_v');
    expect(victim).toBeDefined();
    // The victim is one person: account, CRM, Stripe, their email and their signed-in browser.
    for (const node of ['user_id:victim', 'crm_contact:crm_v', 'email_hash:v@', 'anonymous_id:v-browser'])
      expect([node, await customer(node)]).toEqual([node, victim]);
    // Neither forger joins them.
    for (const node of ['anonymous_id:attacker', 'user_id:mallory', 'anonymous_id:m-browser'])
      expect([node, await customer(node)]).not.toEqual([node, victim]);
    expect(await customer('anonymous_id:m-browser')).toBe(await customer('user_id:mallory'));
    // The forged identifies are not the victim's events: their profile was last seen at 11:04,
    // their own browser's sign-in; and the attacker's sessions are the attacker's.
    const [profile] = await query(
      lake,
      `SELECT CAST(last_seen_at AS VARCHAR) AS last_seen FROM gold.dim_customer WHERE customer_id = '${victim}'`,
    );
    expect(profile?.last_seen).toMatch(/^2026-03-01 11:04:00/);
    const [session] = await query(
      lake,
      "SELECT customer_id FROM gold.fact_sessions WHERE session_key = 'attacker'",
    );
    expect(session?.customer_id).toBe(await customer('anonymous_id:attacker'));
    // The victim's revenue is theirs alone.
    const [rev] = await query(
      lake,
      `SELECT customer_id, amount_minor FROM gold.fact_orders WHERE order_id = 'v-1'`,
    );
    expect(rev).toMatchObject({ customer_id: victim });
    // A lead's email (no account holds it) still joins its device; a server key's link stands.
    expect(await customer('anonymous_id:lead-browser')).toBe(await customer('email_hash:lead@'));
    expect(await customer('anonymous_id:sam-browser')).toBe(await customer('user_id:sam'));
  });

  it('consent from every source decides who an audience holds: a withdrawal takes a person out on the next run, no statement is no consent', async () => {
    const { deps } = enrichUnderTest();
    /** An envelope the way the edge writes it, normalized and enriched the way enrich does. */
    const through = (envelope: RawEnvelope): CanonicalEvent => {
      const out = normalize(envelope);
      if (!out.ok || !out.events[0]) throw new Error(`not normalized: ${JSON.stringify(out)}`);
      return enrichDraft(out.events[0], envelope, deps.enrich);
    };
    const segment = (messageId: string, at: string, payload: Record<string, unknown>) =>
      through({
        v: 1,
        kind: 'segment',
        source: 'web',
        receivedAt: at,
        requestId: 'r',
        payload: { messageId, timestamp: at, ...payload },
      });
    const crmRow = (id: string, at: string, row: Record<string, string>) =>
      through({
        v: 1,
        kind: 'batch_file',
        source: 'crm',
        provider: 'crm',
        receivedAt: at,
        requestId: 'r',
        eventId: id,
        payload: row,
      });
    const consent = (prefs: Record<string, boolean>) => ({ consent: { categoryPreferences: prefs } });
    const u = (v: string) => [{ type: 'user_id', value: v }] as IdentityKey[];
    // Six one-time buyers: three bought in January (RFM hibernating: the win_back audience), three in March.
    const buyers = ['old1', 'old2', 'old3', 'new1', 'new2', 'new3'];
    const orders = buyers.map((b, i) =>
      paidOrder(`2026-0${i < 3 ? 1 : 3}-0${i + 1}T10:00:00.000Z`, u(b), `order-${b}`, 1000 + i),
    );
    await writeBronze(lake, [
      ...orders,
      // old1 opted in through the CRM export.
      crmRow('crm-1', '2026-03-01T08:00:00.000Z', {
        contact_id: 'c-old1',
        customer_id: 'old1',
        marketing_opt_in: 'yes',
      }),
      // old2 agreed in the cookie banner (Segment's consent object on a page view)...
      segment('p-1', '2026-03-01T09:00:00.000Z', {
        type: 'page',
        name: 'Home',
        userId: 'old2',
        context: consent({ Marketing: true, Analytics: true }),
      }),
      // ...and withdrew later the same day (Segment's consent event; Email maps to marketing too).
      segment('c-1', '2026-03-01T12:00:00.000Z', {
        type: 'track',
        event: 'Segment Consent Preference Updated',
        userId: 'old2',
        context: consent({ Marketing: false, Email: true, Analytics: true }),
      }),
      // old3 never said anything; new1 agreed but is not in the audience's segment.
      segment('p-2', '2026-03-01T09:30:00.000Z', {
        type: 'page',
        name: 'Home',
        userId: 'new1',
        context: consent({ Marketing: true }),
      }),
    ]);
    await runEtl({ lakeDir: lake, from: '2026-01-01', to: '2026-03-06' });
    const customerOf = async (user: string) =>
      (await query(lake, `SELECT customer_id FROM silver.identity_map WHERE node = 'user_id:${user}'`))[0]
        ?.customer_id as string;
    const [old1, old2, old3] = await Promise.all(['old1', 'old2', 'old3'].map(customerOf));
    const members = async () =>
      (
        await query(
          lake,
          "SELECT customer_id FROM gold.audience_members WHERE audience = 'win_back' ORDER BY 1",
        )
      ).map((r) => r.customer_id);
    // Candidates are the three January buyers; consent leaves only old1.
    const candidates = await query(
      lake,
      "SELECT customer_id FROM gold.customer_rfm WHERE segment IN ('at_risk', 'hibernating') ORDER BY 1",
    );
    expect(candidates.map((r) => r.customer_id)).toEqual([old1, old2, old3].sort());
    expect(await members()).toEqual([old1]);
    // old2's history: granted, then withdrawn; the analytics purpose stated twice the same is one change.
    const history = await query(
      lake,
      `SELECT purpose, granted, previously, source FROM gold.consent_history WHERE customer_id = '${old2}' ORDER BY purpose, changed_at`,
    );
    expect(history).toEqual([
      { purpose: 'analytics', granted: true, previously: null, source: 'web' },
      { purpose: 'marketing', granted: true, previously: null, source: 'web' },
      { purpose: 'marketing', granted: false, previously: true, source: 'web' },
    ]);
    // old3 gives consent the next day: the next run adds them; old2 stays out.
    await writeBronze(lake, [
      segment('p-3', '2026-03-07T09:00:00.000Z', {
        type: 'page',
        name: 'Home',
        userId: 'old3',
        context: consent({ marketing: true }),
      }),
    ]);
    await runEtl({ lakeDir: lake, from: '2026-03-07', to: '2026-03-07' });
    expect(await members()).toEqual([old1, old3].sort());
    const current = await query(
      lake,
      `SELECT purpose, granted FROM gold.customer_consent WHERE customer_id = '${old2}' ORDER BY 1`,
    );
    expect(current).toEqual([
      { purpose: 'analytics', granted: true },
      { purpose: 'marketing', granted: false },
    ]);
    // old1 withdraws on the 8th: they leave win_back; new1 (first seen on 1 March, consented)
    // leaves new_this_week as the week moves past their first visit.
    await writeBronze(lake, [
      segment('c-2', '2026-03-08T09:00:00.000Z', {
        type: 'track',
        event: 'Segment Consent Preference Updated',
        userId: 'old1',
        context: consent({ Marketing: false }),
      }),
    ]);
    await runEtl({ lakeDir: lake, from: '2026-03-08', to: '2026-03-08' });
    const new1 = await customerOf('new1');
    const changes = () =>
      query(
        lake,
        "SELECT strftime(as_of, '%Y-%m-%d') AS as_of, audience, customer_id, change FROM gold.audience_changes ORDER BY audience, customer_id",
      );
    const expectedChanges = [
      { as_of: '2026-03-08', audience: 'new_this_week', customer_id: new1, change: 'exit' },
      { as_of: '2026-03-08', audience: 'win_back', customer_id: old1, change: 'exit' },
    ];
    expect(await changes()).toEqual(expectedChanges);
    expect(await members()).toEqual([old3]);
    // old3 keeps the date they entered on.
    expect(
      await query(
        lake,
        "SELECT customer_id, strftime(entered_on, '%Y-%m-%d') AS entered_on FROM gold.audience_members ORDER BY 1",
      ),
    ).toEqual([{ customer_id: old3, entered_on: '2026-03-07' }]);
    // Each run date's sizes, entries and exits, from the scenario above.
    const daily = () =>
      query(
        lake,
        "SELECT strftime(as_of, '%Y-%m-%d') AS d, audience, size, entered, exited FROM gold.audience_daily WHERE audience IN ('win_back', 'new_this_week') ORDER BY audience, d",
      );
    const expectedDaily = [
      ['2026-03-06', 'new_this_week', 1, 1, 0],
      ['2026-03-07', 'new_this_week', 1, 0, 0],
      ['2026-03-08', 'new_this_week', 0, 0, 1],
      ['2026-03-06', 'win_back', 1, 1, 0],
      ['2026-03-07', 'win_back', 2, 1, 0],
      ['2026-03-08', 'win_back', 1, 0, 1],
    ].map(([d, audience, size, entered, exited]) => ({ d, audience, size, entered, exited }));
    expect(
      (await daily()).map((r) => ({
        ...r,
        size: Number(r.size),
        entered: Number(r.entered),
        exited: Number(r.exited),
      })),
    ).toEqual(expectedDaily);
    // Every defined audience has its row each date, an empty one too.
    const [{ n }] = (await query(
      lake,
      "SELECT count(*) AS n FROM gold.audience_daily WHERE as_of = DATE '2026-03-08'",
    )) as [{ n: unknown }];
    expect(Number(n)).toBe(AUDIENCES.length);
    // A rerun of the 8th yields the same entries, exits and history (not "nothing changed").
    await runEtl({ lakeDir: lake, from: '2026-03-08', to: '2026-03-08' });
    expect(await changes()).toEqual(expectedChanges);
    expect(
      (await daily()).map((r) => ({
        ...r,
        size: Number(r.size),
        entered: Number(r.entered),
        exited: Number(r.exited),
      })),
    ).toEqual(expectedDaily);
  });

  it('bots are not active customers; conversion is active buyers over active customers', async () => {
    const bot = {
      ua: {
        browser: null,
        browserVersion: null,
        os: null,
        osVersion: null,
        deviceType: 'bot' as const,
        isBot: true,
      },
      geo: null,
      campaign: null,
      ip: null,
    };
    const [k1, k2, k3] = [1, 2, 3].map((i) => ({ type: 'user_id', value: `k${i}` }) as const);
    await writeBronze(lake, [
      ev('page', '2026-03-01T10:00:00.000Z', [k1 as IdentityKey]),
      ev('page', '2026-03-01T10:00:00.000Z', [k2 as IdentityKey]),
      ev(
        'page',
        '2026-03-01T10:00:00.000Z',
        [k3 as IdentityKey],
        {},
        { enrichment: bot, flags: { bot: true, late: false, futureClamped: false } },
      ),
      paidOrder('2026-03-01T11:00:00.000Z', [k1 as IdentityKey], 'k-o1'),
      paidOrder('2026-03-01T11:00:00.000Z', [k3 as IdentityKey], 'k-o3'),
    ]);
    await runEtl({ lakeDir: lake, from: '2026-03-01', to: '2026-03-01' });
    expect(await query(lake, 'SELECT dau, orders, buyers, conversion_rate FROM gold.kpi_daily')).toEqual([
      { dau: '2', orders: '2', buyers: '2', conversion_rate: 0.5 },
    ]);
    expect(await query(lake, 'SELECT count(*) AS n FROM gold.fact_sessions')).toEqual([{ n: '2' }]);
  });

  it('WAU and MAU count each customer active in the trailing 7 and 30 days, exactly', async () => {
    // Active days per customer (day-of-year offsets from 2026-03-01), chosen so windows overlap,
    // touch (exactly 7 and 30 days apart) and lapse; a buyer who is never active adds none.
    const activeDays: Record<string, number[]> = {
      w1: [0, 2, 9, 16, 45],
      w2: [0, 7, 37],
      w3: [29, 30, 31],
      w4: [12],
    };
    const day = (offset: number) => new Date(Date.UTC(2026, 2, 1) + offset * 86_400_000).toISOString();
    const events = Object.entries(activeDays).flatMap(([user, days]) =>
      days.map((d) => ev('page', day(d).replace('T00:00', 'T09:30'), [{ type: 'user_id', value: user }])),
    );
    // An order every day (by a customer never active) makes every day a KPI row: window edges show.
    for (let d = 0; d <= 60; d++) {
      events.push(
        paidOrder(day(d).replace('T00:00', 'T12:00'), [{ type: 'user_id', value: 'w5' }], `w-o${d}`),
      );
    }
    await writeBronze(lake, events);
    await runEtl({ lakeDir: lake, from: '2026-03-01', to: '2026-04-30' });
    const rows = await query(
      lake,
      'SELECT CAST(day AS VARCHAR) AS day, dau, wau, mau FROM gold.kpi_daily ORDER BY day',
    );
    // Expected by brute force over the input: distinct customers with an active day in (d-W, d].
    const offsets = Array.from({ length: 61 }, (_, d) => d);
    const within = (d: number, w: number) =>
      Object.values(activeDays).filter((days) => days.some((a) => a <= d && a > d - w)).length;
    expect(rows).toEqual(
      offsets.map((d) => ({
        day: day(d).slice(0, 10),
        dau: String(within(d, 1)),
        wau: String(within(d, 7)),
        mau: String(within(d, 30)),
      })),
    );
  });

  it('RFM: ties score the same and a one-time buyer is never loyal', async () => {
    // Ten one-time buyers on the same day with the same spend, and one repeat buyer.
    const events = [];
    for (let i = 0; i < 10; i++) {
      events.push(
        paidOrder('2026-03-05T10:00:00.000Z', [{ type: 'user_id', value: `once${i}` }], `once-${i}`),
      );
    }
    events.push(
      paidOrder('2026-03-01T10:00:00.000Z', [{ type: 'user_id', value: 'twice' }], 'tw-1'),
      paidOrder('2026-03-05T10:00:00.000Z', [{ type: 'user_id', value: 'twice' }], 'tw-2'),
    );
    await writeBronze(lake, events);
    await runEtl({ lakeDir: lake, from: '2026-03-01', to: '2026-03-05' });
    const rows = await query(
      lake,
      'SELECT frequency, r_score, f_score, m_score, segment FROM gold.customer_rfm ORDER BY frequency, customer_id',
    );
    const once = rows.filter((r) => r.frequency === '1');
    expect(once).toHaveLength(10);
    expect(new Set(once.map((r) => JSON.stringify(r))).size).toBe(1);
    expect(once[0]).toMatchObject({ f_score: 1 });
    expect(once.some((r) => ['loyal', 'champions'].includes(String(r.segment)))).toBe(false);
    expect(rows.find((r) => r.frequency === '2')).toMatchObject({ f_score: 5 });
  });

  it('values money at the rate in force on the order date (dated rates imported from the ECB)', async () => {
    const out = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      expect(
        await importRates([
          'import',
          join(__dirname, '../fixtures/real/ecb/eurofxref-hist-excerpt.csv'),
          '--data',
          join(lake, '..'),
        ]),
      ).toBe(0);
    } finally {
      out.mockRestore();
    }
    const eur = (day: string, id: string) =>
      paidOrder(`${day}T12:00:00.000Z`, [{ type: 'user_id', value: `fx-${id}` }], id, 10000, 'EUR');
    await writeBronze(lake, [
      eur('2019-04-10', 'fx-a'),
      eur('2021-12-02', 'fx-b'),
      eur('2024-04-29', 'fx-c'),
    ]);
    await runEtl({ lakeDir: lake, from: '2019-04-10', to: '2024-04-29' });
    // 100 EUR at the file's USD rate of the latest ECB day on or before the order date.
    expect(await query(lake, 'SELECT order_id, gross_usd FROM gold.fact_orders ORDER BY order_id')).toEqual([
      { order_id: 'fx-a', gross_usd: '112.79' },
      { order_id: 'fx-b', gross_usd: '113.14' },
      { order_id: 'fx-c', gross_usd: '107.14' },
    ]);
  });

  it('stops when Firehose wrote records of the run to its error output (accepted but not in bronze)', async () => {
    await writeBronze(lake, dataset());
    const errDir = join(lake, 'firehose-errors', 'bronze', 'processing-failed', 'dt=2026-03-02');
    await mkdir(errDir, { recursive: true });
    await writeFile(join(errDir, 'c360-bronze-1.gz'), 'x');
    const err = await runEtl({ lakeDir: lake, from: '2026-03-01', to: '2026-03-03' }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DataQualityError);
    expect((err as DataQualityError).check).toBe('dq_no_firehose_errors');
    expect((err as DataQualityError).example).toContain('processing-failed/dt=2026-03-02');
    // Outside the run's range the error output does not block it.
    await expect(runEtl({ lakeDir: lake, from: '2026-03-01', to: '2026-03-01' })).resolves.toBeDefined();
  });
});

describe('lake ETL: incremental sessions (keyed steps)', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'c360-etl-keyed-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const user = (v: string) => ({ type: 'user_id', value: v }) as const;
  const anon = (v: string) => ({ type: 'anonymous_id', value: v }) as const;
  const at = (day: number, hm: string) => `2026-05-0${day}T${hm}:00.000Z`;

  it("a day's run recomputes only the keys it touched and ends where a rebuild of those tables ends", async () => {
    const lake = join(root, 'lake');
    const history: CanonicalEvent[] = [];
    // Customers 1..6 get day-6 events (below); 8 and 9 do not.
    for (const c of [1, 2, 3, 4, 5, 6, 8, 9]) {
      for (let day = 1; day <= 5; day++) {
        history.push(ev('page', at(day, `1${c}:00`), [anon(`a${c}`)]));
        history.push(ev('page', at(day, `1${c}:20`), [anon(`a${c}`)]));
      }
      history.push(ev('identify', at(1, `1${c}:05`), [user(`u${c}`), anon(`a${c}`)]));
    }
    await writeBronze(lake, history);
    await runEtl({ lakeDir: lake, from: '2026-05-01', to: '2026-05-05' });

    // Day 6's arrivals: a page of a1; a late page of a2 inside its day-2 session; a new device of
    // u3; an alias of u4 to u5 (customers 4 and 5 merge: a5, untouched by any event, gets another
    // customer id); a late order of u6 five minutes after its day-5 session (converted).
    const late = { receivedAt: at(6, '08:00') };
    await writeBronze(lake, [
      ev('page', at(6, '09:00'), [anon('a1')]),
      ev('page', at(2, '12:30'), [anon('a2')], {}, late),
      ev('identify', at(6, '09:30'), [user('u3'), anon('a7')]),
      ev('page', at(6, '09:31'), [anon('a7')]),
      ev('alias', at(6, '10:00'), [user('u5'), user('u4')]),
      ev(
        'order_completed',
        at(5, '16:25'),
        [user('u6')],
        { orderId: 'k-late', amount: 1500, currency: 'USD', status: 'paid' },
        late,
      ),
    ]);
    // The reference: the same lake, the same day's run, with the two keyed tables rebuilt whole.
    const reference = join(root, 'reference');
    await cp(lake, reference, { recursive: true });
    await rm(join(reference, 'silver/sessions'), { recursive: true });
    await rm(join(reference, 'gold/fact_sessions'), { recursive: true });

    const day = await runEtl({ lakeDir: lake, from: '2026-05-06', to: '2026-05-06' });
    const rebuilt = await runEtl({ lakeDir: reference, from: '2026-05-06', to: '2026-05-06' });

    const touched = day.steps.find((s) => s.name === 'session_keys_touched');
    const sessions = day.steps.find((s) => s.name === 'sessions');
    // Customers 1..6 (one with a new device a7) are touched: a1..a7 and u1..u6; a8, u8, a9, u9 not.
    expect(touched?.rows).toBe(13);
    expect(sessions?.recomputed).toBeLessThan(sessions?.rows ?? 0);
    expect(rebuilt.steps.find((s) => s.name === 'sessions')?.recomputed).toBeUndefined();

    for (const table of ['silver.sessions', 'gold.fact_sessions']) {
      const incremental = await query(lake, `SELECT * FROM ${table} ORDER BY ALL`);
      expect(incremental.length).toBeGreaterThan(0);
      expect(incremental).toEqual(await query(reference, `SELECT * FROM ${table} ORDER BY ALL`));
    }
    // The merge reached a5's stored sessions, and the late order converted u6's last session.
    const ids = await query(
      lake,
      "SELECT DISTINCT session_key, customer_id FROM silver.sessions WHERE session_key IN ('a4', 'a5')",
    );
    expect(new Set(ids.map((r) => r.customer_id)).size).toBe(1);
    expect(
      await query(
        lake,
        "SELECT converted FROM gold.fact_sessions WHERE session_key = 'a6' ORDER BY started_at DESC LIMIT 1",
      ),
    ).toEqual([{ converted: 1 }]);
  });

  it('a keyed table written by another version of its SQL (or --all-keys) is rebuilt whole, then runs incrementally again', async () => {
    const lake = join(root, 'lake');
    await writeBronze(lake, [
      ev('page', at(1, '10:00'), [anon('v1')]),
      ev('page', at(1, '10:00'), [anon('v2')]),
    ]);
    await runEtl({ lakeDir: lake, from: '2026-05-01', to: '2026-05-01' });
    const versionFile = join(lake, 'silver/sessions/_sql_version');
    expect(readFileSync(versionFile, 'utf8').trim()).toMatch(/^[0-9a-f]{64}$/);
    // As if the rows had been written by an older sessions.sql.
    await writeFile(versionFile, 'an-older-version\n');
    await writeBronze(lake, [ev('page', at(2, '10:00'), [anon('v1')])]);
    const day2 = await runEtl({ lakeDir: lake, from: '2026-05-02', to: '2026-05-02' });
    const step = (r: typeof day2, name: string) => r.steps.find((s) => s.name === name);
    expect(step(day2, 'sessions')?.recomputed).toBeUndefined();
    // fact_sessions kept its version: only v1's two sessions (day 1 and day 2) were recomputed.
    expect(step(day2, 'fact_sessions')?.recomputed).toBe(2);
    await writeBronze(lake, [ev('page', at(3, '10:00'), [anon('v2')])]);
    const day3 = await runEtl({ lakeDir: lake, from: '2026-05-03', to: '2026-05-03' });
    // v2's two events (day 1 and day 3) recomputed, v1's two kept.
    expect(step(day3, 'sessions')?.recomputed).toBe(2);
    expect(step(day3, 'sessions')?.rows).toBe(4);
    // Asked for every key (`c360 etl --all-keys`): no touched list, every key recomputed.
    const all = await runEtl({ lakeDir: lake, from: '2026-05-03', to: '2026-05-03', allKeys: true });
    expect(step(all, 'sessions')?.recomputed).toBeUndefined();
    expect(step(all, 'session_keys_touched')?.rows).toBe(0);
    expect(step(all, 'sessions')?.rows).toBe(4);
  });

  it('a customer split by a new hub key reaches the stored sessions of keys with no event in the run', async () => {
    // u10 and an anonymous visitor v11 give the same support mailbox: one customer while it links
    // one account. On day 6 a second account uses it, it becomes a hub (limit 1) and the customer
    // splits; v11's sessions have no event that day.
    const lake = join(root, 'lake');
    const desk = { type: 'email_hash', value: 'desk' } as const;
    await writeBronze(lake, [
      ev('identify', at(1, '10:00'), [user('u10'), desk]),
      ev('identify', at(1, '11:00'), [anon('v11'), desk]),
      ev('track', at(2, '10:00'), [anon('v11')]),
      ev('track', at(3, '10:00'), [user('u10')]),
    ]);
    await runEtl({ lakeDir: lake, from: '2026-05-01', to: '2026-05-05', hubLimit: 1 });
    const customerOf = async (key: string) =>
      (
        await query(lake, `SELECT DISTINCT customer_id FROM silver.sessions WHERE session_key = '${key}'`)
      ).map((r) => r.customer_id);
    expect(await customerOf('v11')).toEqual(await customerOf('u10'));

    await writeBronze(lake, [ev('identify', at(6, '10:00'), [user('u12'), desk])]);
    const reference = join(root, 'reference');
    await cp(lake, reference, { recursive: true });
    await rm(join(reference, 'silver/sessions'), { recursive: true });
    await rm(join(reference, 'gold/fact_sessions'), { recursive: true });
    const day = await runEtl({ lakeDir: lake, from: '2026-05-06', to: '2026-05-06', hubLimit: 1 });
    await runEtl({ lakeDir: reference, from: '2026-05-06', to: '2026-05-06', hubLimit: 1 });

    expect(day.steps.find((s) => s.name === 'sessions')?.recomputed).toBeGreaterThan(0);
    expect(await customerOf('v11')).not.toEqual(await customerOf('u10'));
    for (const table of ['silver.sessions', 'gold.fact_sessions'])
      expect(await query(lake, `SELECT * FROM ${table} ORDER BY ALL`)).toEqual(
        await query(reference, `SELECT * FROM ${table} ORDER BY ALL`),
      );
  });
});
