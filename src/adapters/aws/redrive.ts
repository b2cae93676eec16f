import { GetRecordsCommand, GetShardIteratorCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { FailureBatch, FailureSource, StreamRangeReader } from '../../ports/redrive';
import type { StoredStreamRecord } from '../../ports/stream';
import { clientConfig } from './client-config';

/** The enrich function's SQS on-failure queue (Lambda writes Kinesis batch info there). */
export class SqsFailureSource implements FailureSource {
  private readonly client: SQSClient;
  constructor(
    private readonly queueUrl: string,
    client?: SQSClient,
  ) {
    this.client = client ?? new SQSClient({});
  }

  async receive(max: number): Promise<FailureBatch[]> {
    const res = await this.client.send(
      new ReceiveMessageCommand({
        QueueUrl: this.queueUrl,
        MaxNumberOfMessages: Math.min(10, max),
        WaitTimeSeconds: 1,
        VisibilityTimeout: 300,
      }),
    );
    return (res.Messages ?? []).map((m) => {
      const info = (JSON.parse(m.Body ?? '{}') as { KinesisBatchInfo?: Omit<FailureBatch, 'handle'> })
        .KinesisBatchInfo;
      if (!info)
        throw new Error(
          `message ${m.MessageId} on ${this.queueUrl} has no KinesisBatchInfo: not a Kinesis on-failure record`,
        );
      return { handle: m.ReceiptHandle ?? '', ...info };
    });
  }

  async acknowledge(batch: FailureBatch): Promise<void> {
    await this.client.send(
      new DeleteMessageCommand({ QueueUrl: this.queueUrl, ReceiptHandle: batch.handle }),
    );
  }
}

/** Reads a sequence range of one shard with GetShardIterator(AT_SEQUENCE_NUMBER) + GetRecords. */
export class KinesisRangeReader implements StreamRangeReader {
  private readonly client: KinesisClient;
  constructor(
    private readonly streamArn: string,
    client?: KinesisClient,
  ) {
    this.client = client ?? new KinesisClient(clientConfig('kinesis'));
  }

  async readRange(shardId: string, start: string, end: string): Promise<StoredStreamRecord[]> {
    const it = await this.client.send(
      new GetShardIteratorCommand({
        StreamARN: this.streamArn,
        ShardId: shardId,
        ShardIteratorType: 'AT_SEQUENCE_NUMBER',
        StartingSequenceNumber: start,
      }),
    );
    let iterator = it.ShardIterator;
    const out: StoredStreamRecord[] = [];
    // Sequence numbers are decimal strings of varying length: compare as integers.
    const last = BigInt(end);
    while (iterator) {
      const page = await this.client.send(
        new GetRecordsCommand({ StreamARN: this.streamArn, ShardIterator: iterator, Limit: 1000 }),
      );
      for (const r of page.Records ?? []) {
        if (!r.SequenceNumber || BigInt(r.SequenceNumber) > last) return out;
        out.push({
          sequenceNumber: r.SequenceNumber,
          partitionKey: r.PartitionKey ?? '',
          data: Buffer.from(r.Data ?? new Uint8Array()).toString('base64'),
          approximateArrivalTimestamp: r.ApproximateArrivalTimestamp?.getTime() ?? 0,
          shardId,
        });
      }
      if ((page.Records ?? []).length === 0 && (page.MillisBehindLatest ?? 0) === 0) break;
      iterator = page.NextShardIterator;
    }
    return out;
  }
}
