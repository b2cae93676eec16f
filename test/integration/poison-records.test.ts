import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LakeDelivery } from '../../src/adapters/local/lake-delivery';
import { parseJsonLossless } from '../../src/domain/json';
import { runEtl } from '../../src/etl/runner';
import { enrichUnderTest } from '../helpers/enrich';
import { apiEvent } from '../helpers/http';
import { ingestUnderTest, WRITE_KEY } from '../helpers/ingest';
import { queryLake } from '../helpers/lake';

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
    const records = stream.records.map((r, i) => ({
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `shardId-000000000000:${i}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: 'arn:aws:iam::1:role/enrich',
      awsRegion: 'us-east-1',
      eventSourceARN: 'arn:aws:kinesis:us-east-1:1:stream/s',
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: r.partitionKey,
        sequenceNumber: String(i + 1).padStart(20, '0'),
        approximateArrivalTimestamp: 1767261602,
        data: r.data,
      },
    }));
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
});
