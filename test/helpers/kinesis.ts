import type { KinesisStreamEvent } from 'aws-lambda';
import type { RawEnvelope } from '../../src/domain/event';

/** A Kinesis event as Lambda delivers it, one record per envelope (or raw string). */
export function kinesisEvent(items: (RawEnvelope | string)[], firstSeq = 1): KinesisStreamEvent {
  return {
    Records: items.map((item, i) => ({
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `shardId-000000000000:${firstSeq + i}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: 'arn:aws:iam::123456789012:role/enrich',
      awsRegion: 'us-east-1',
      eventSourceARN: 'arn:aws:kinesis:us-east-1:123456789012:stream/c360-events',
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: 'pk',
        sequenceNumber: String(firstSeq + i).padStart(20, '0'),
        approximateArrivalTimestamp: 1767261602,
        data: Buffer.from(typeof item === 'string' ? item : JSON.stringify(item)).toString('base64'),
      },
    })),
  };
}

export function segmentEnvelope(
  payload: Record<string, unknown>,
  overrides: Partial<RawEnvelope> = {},
): RawEnvelope {
  return {
    v: 1,
    kind: 'segment',
    source: 'web',
    receivedAt: '2026-01-01T10:00:02.000Z',
    requestId: 'req-1',
    ip: '81.2.69.160',
    userAgent:
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
    payload: { type: 'track', event: 'Product Viewed', userId: 'u1', messageId: 'm1', ...payload },
    eventId: String(payload.messageId ?? 'm1'),
    ...overrides,
  };
}
