import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { listFiles } from '../../src/adapters/local/files';
import { LakeDelivery } from '../../src/adapters/local/lake-delivery';
import { jsonDepth, MAX_JSON_DEPTH, parseJsonLossless } from '../../src/domain/json';
import { runEtl } from '../../src/etl/runner';
import { MAX_BODY_DEPTH } from '../../src/handlers/http';
import { enrichUnderTest } from '../helpers/enrich';
import { apiEvent } from '../helpers/http';
import { ingestUnderTest, WRITE_KEY } from '../helpers/ingest';
import { kinesisEvent } from '../helpers/kinesis';
import { lakeEvent, queryLake, writeBronze } from '../helpers/lake';

/**
 * A record the edge accepts must be readable by every later stage. A lone UTF-16 surrogate sent
 * as a JSON escape (`"\ud800"`) is valid for JSON.parse, but DuckDB's and Spark's JSON readers
 * refuse the whole bronze file holding it: one such event, sent with the public write key,
 * stopped every ETL run and query over its day.
 */
describe('poison records', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'c360-poison-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('lone surrogates become U+FFFD at the edge (values and keys); pairs, ids above 2^53 and everything else stay as sent', () => {
    const text = String.raw`{"a":"x\ud800y","\udfffk":1,"emoji":"\ud83d\ude00","id":820982911946154508,"nested":[{"b":"\udc00"}]}`;
    expect(parseJsonLossless(text)).toEqual({
      a: 'x\ufffdy',
      '\ufffdk': 1,
      emoji: '😀',
      id: '820982911946154508',
      nested: [{ b: '\ufffd' }],
    });
    // A text without a surrogate escape is parsed as it always was.
    expect(parseJsonLossless('{"a":"\u00e9","__proto__":{"x":1}}')).toEqual(
      JSON.parse('{"a":"\u00e9","__proto__":{"x":1}}'),
    );
    const withProto = parseJsonLossless(String.raw`{"__proto__":{"polluted":"\ud800"}}`) as Record<
      string,
      unknown
    >;
    expect(Object.getPrototypeOf(withProto)).toBe(Object.prototype);
    expect(Object.keys(withProto)).toEqual(['__proto__']);
  });

  it('a Segment track with a lone surrogate, sent with the public write key, is stored and the day still builds', async () => {
    const { handler: ingest, stream } = ingestUnderTest();
    const body = String.raw`{"batch":[{"type":"track","event":"Product Viewed","userId":"u-1","messageId":"poison-1","properties":{"name":"bad \ud800 name","\udbffkey":"v"},"timestamp":"2026-01-01T09:59:00.000Z"},{"type":"track","event":"Product Viewed","userId":"u-2","messageId":"fine-1","properties":{"name":"fine"},"timestamp":"2026-01-01T09:59:30.000Z"}]}`;
    const res = await ingest(
      apiEvent({
        path: '/v1/batch',
        body,
        headers: { authorization: `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}` },
      }),
    );
    expect(res.statusCode).toBe(200);
    const { handler: enrich, delivery } = enrichUnderTest();
    const records = kinesisEvent(
      stream.records.map((r) => Buffer.from(r.data, 'base64').toString('utf8')),
    ).Records;
    const out = await enrich.process(records);
    expect(out.failed.size).toBe(0);
    expect(delivery.items).toHaveLength(2);
    // Into a lake folder as Firehose would write it, then the day's ETL over it.
    const lake = join(dir, 'lake');
    await new LakeDelivery(lake).deliver(delivery.items);
    await runEtl({ lakeDir: lake, from: '2026-01-01', to: '2026-01-01' });
    const silver = await queryLake(lake, 'SELECT source_event_id FROM silver.events ORDER BY 1');
    expect(silver.map((r) => r.source_event_id)).toEqual(['fine-1', 'poison-1']);
    const bronze = await queryLake(lake, "SELECT properties FROM bronze.events WHERE eventId = 'poison-1'");
    expect(JSON.stringify(bronze[0]?.properties)).toContain('bad \ufffd name');
  });

  it('a bronze line the ETL engine cannot read is parked in quarantine with its reason; the day publishes the rest, once', async () => {
    const lake = join(dir, 'lake');
    const good = [1, 2, 3].map((i) =>
      lakeEvent('track', `2026-01-01T10:0${i}:00.000Z`, [{ type: 'user_id', value: `u-${i}` }]),
    );
    await writeBronze(lake, good);
    // What an older build (or a damaged file) left: a raw lone surrogate, a list that is a string,
    // an object where a list of objects belongs, among readable lines in the same file.
    const template = JSON.stringify(good[0]);
    const as = (id: string) => template.replace(`"eventId":"${good[0]?.eventId}"`, `"eventId":"${id}"`);
    const poison = [
      as('surrogate').replace('"properties":{}', String.raw`"properties":{"x":"\ud800"}`),
      as('wrong-list').replace(/"identities":\[[^\]]*\]/, '"identities":"nope"'),
      as('fine-neighbour'),
      as('wrong-items').replace('"properties":{}', '"properties":{"items":{"sku":1}}'),
    ];
    expect(new Set(poison).size).toBe(4);
    const folder = join(lake, 'bronze/events/source=web/event_type=track/dt=2026-01-01/hour=10');
    await mkdir(folder, { recursive: true });
    await writeFile(join(folder, 'part-old.ndjson.gz'), gzipSync(`${poison.join('\n')}\n`));

    const parkedLines = async () =>
      (await listFiles(join(lake, 'quarantine'), '.ndjson.gz')).flatMap((f) =>
        gunzipSync(readFileSync(f))
          .toString()
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as { reason: string; detail: string; original: string }),
      );
    for (let run = 0; run < 2; run++) {
      const report = await runEtl({ lakeDir: lake, from: '2026-01-01', to: '2026-01-01' });
      expect(report.parked).toBe(3);
      const silver = await queryLake(lake, 'SELECT source_event_id FROM silver.events ORDER BY 1');
      expect(silver.map((r) => r.source_event_id)).toEqual(
        [...good.map((e) => e.eventId), 'fine-neighbour'].sort(),
      );
      const parked = await parkedLines();
      // Once, however many runs: the quarantine file is named after the bronze file.
      expect(parked.map((q) => (JSON.parse(q.original) as { eventId: string }).eventId).sort()).toEqual([
        'surrogate',
        'wrong-items',
        'wrong-list',
      ]);
      for (const q of parked) {
        expect(q.reason).toBe('parse_error');
        expect(q.detail).toMatch(
          /^the ETL engine cannot read line [124] of bronze\/events\/.*part-old\.ndjson\.gz: /,
        );
      }
    }
  });

  it('deep nesting: a body deeper than the edge reads at all is a 400 naming the rule (10,000 levels too); an event deeper than a record may be is rejected alone, the rest of its batch accepted; a record deeper than PII can be checked is quarantined, never stored in clear', async () => {
    const { handler: ingest, stream } = ingestUnderTest();
    const auth = { authorization: `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}` };
    const event = (id: string, depth: number) =>
      `{"type":"track","event":"x","userId":"u","messageId":"${id}","properties":{"a":${'['.repeat(depth)}"ada@example.com"${']'.repeat(depth)}}}`;
    for (const depth of [MAX_BODY_DEPTH, 10_000]) {
      const res = await ingest(
        apiEvent({ path: '/v1/batch', body: `{"batch":[${event('bomb', depth)}]}`, headers: auth }),
      );
      expect(res.statusCode).toBe(400);
      expect(JSON.parse(String(res.body))).toMatchObject({
        success: false,
        rejected: [{ field: 'body', rule: 'maxDepth' }],
      });
    }
    expect(stream.records).toHaveLength(0);
    // In a batch: the event that nests past what a record may is rejected alone.
    // On the stream the arrays sit under the envelope, its payload and properties: 3 levels.
    const fits = MAX_JSON_DEPTH - 3;
    const res = await ingest(
      apiEvent({
        path: '/v1/batch',
        body: `{"batch":[${event('deep', fits + 1)},${event('fits', fits)}]}`,
        headers: auth,
      }),
    );
    // As for any invalid event in a batch: 400 naming it, the others accepted.
    expect({ status: res.statusCode, body: JSON.parse(String(res.body)) }).toMatchObject({
      status: 400,
      body: { accepted: 1, rejected: [{ index: 0, rule: 'maxDepth' }] },
    });
    expect(
      stream.records.map((r) => JSON.parse(Buffer.from(r.data, 'base64').toString('utf8')).eventId),
    ).toEqual(['fits']);
    // What the edge accepts, enrich reads.
    expect(jsonDepth(Buffer.from(stream.records[0]?.data as string, 'base64').toString('utf8'))).toBe(
      MAX_JSON_DEPTH,
    );

    // A record put on the stream by something else than the edge, nesting past the PII check.
    const deep = {
      v: 1,
      kind: 'segment',
      source: 'web',
      receivedAt: '2026-01-01T10:00:02.000Z',
      requestId: 'r',
      payload: {
        type: 'track',
        event: 'x',
        userId: 'u',
        messageId: 'deep-1',
        properties: JSON.parse(
          `${'{"a":'.repeat(MAX_JSON_DEPTH)}"ada@example.com"${'}'.repeat(MAX_JSON_DEPTH)}`,
        ),
      },
      eventId: 'deep-1',
    };
    const { handler: enrich, delivery, quarantine } = enrichUnderTest();
    const out = await enrich.process(kinesisEvent([JSON.stringify(deep)]).Records);
    expect(out.failed.size).toBe(0);
    expect(delivery.items).toHaveLength(0);
    expect(quarantine.items).toHaveLength(1);
    const q = JSON.parse(quarantine.items[0]?.line as string);
    expect(q.reason).toBe('parse_error');
    expect(q.detail).toBe(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`);

    // And the PII check itself never passes a value it could not walk (were a deeper one to reach it).
    const { deps } = enrichUnderTest();
    let nested: unknown = 'ada@example.com';
    for (let i = 0; i <= MAX_JSON_DEPTH + 1; i++) nested = { a: nested };
    expect(() => deps.enrich.pseudonymizer.scrub(nested, { values: [], identities: [] } as never)).toThrow(
      /nests deeper than 64 levels/,
    );
  });
});
