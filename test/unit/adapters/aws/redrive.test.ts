import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { KinesisEventStream } from '../../../../src/adapters/aws/kinesis-stream';
import { KinesisRangeReader, SqsFailureSource } from '../../../../src/adapters/aws/redrive';
import { redrive } from '../../../../src/runtime/redrive';

const sqs = mockClient(SQSClient);
const kinesis = mockClient(KinesisClient);
const ARN = 'arn:aws:kinesis:eu-west-1:123456789012:stream/c360-events';
const info = (start: string, end: string, size: number) => ({
  requestContext: { condition: 'RetryAttemptsExhausted', approximateInvokeCount: 11 },
  KinesisBatchInfo: {
    shardId: 'shardId-000000000001',
    startSequenceNumber: start,
    endSequenceNumber: end,
    batchSize: size,
    streamArn: ARN,
  },
});

describe('c360 redrive on AWS (SQS on-failure queue → Kinesis by sequence number → Kinesis)', () => {
  beforeEach(() => {
    sqs.reset();
    kinesis.reset();
  });

  it('reads the range back, puts the records again with their keys, deletes the message', async () => {
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({
        Messages: [{ MessageId: 'm1', ReceiptHandle: 'rh-1', Body: JSON.stringify(info('100', '102', 3)) }],
      })
      .resolves({ Messages: [] });
    kinesis.on(GetShardIteratorCommand).resolves({ ShardIterator: 'it-1' });
    kinesis.on(GetRecordsCommand).resolves({
      Records: ['100', '101', '102', '103'].map((seq) => ({
        SequenceNumber: seq,
        PartitionKey: `pk-${seq}`,
        Data: Buffer.from(`{"seq":${seq}}`),
        ApproximateArrivalTimestamp: new Date(0),
      })),
      NextShardIterator: 'it-2',
      MillisBehindLatest: 0,
    });
    kinesis.on(PutRecordsCommand).resolves({ FailedRecordCount: 0, Records: [{}, {}, {}] });

    const report = await redrive({
      failures: new SqsFailureSource('https://sqs/queue', new SQSClient({})),
      reader: new KinesisRangeReader(ARN, new KinesisClient({})),
      stream: new KinesisEventStream({ streamName: 'c360-events', client: new KinesisClient({}) }),
    });

    expect(report).toEqual({ batches: 1, records: 3, expired: [] });
    expect(kinesis).toHaveReceivedCommandWith(GetShardIteratorCommand, {
      StreamARN: ARN,
      ShardId: 'shardId-000000000001',
      ShardIteratorType: 'AT_SEQUENCE_NUMBER',
      StartingSequenceNumber: '100',
    });
    const put = kinesis.commandCalls(PutRecordsCommand)[0]?.args[0].input;
    expect(put?.Records?.map((r) => [r.PartitionKey, Buffer.from(r.Data as Uint8Array).toString()])).toEqual([
      ['pk-100', '{"seq":100}'],
      ['pk-101', '{"seq":101}'],
      ['pk-102', '{"seq":102}'],
    ]);
    expect(sqs).toHaveReceivedCommandWith(DeleteMessageCommand, {
      QueueUrl: 'https://sqs/queue',
      ReceiptHandle: 'rh-1',
    });
  });

  it('a range past the stream retention is reported and its message kept', async () => {
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({
        Messages: [{ MessageId: 'm1', ReceiptHandle: 'rh-1', Body: JSON.stringify(info('5', '9', 5)) }],
      })
      .resolves({ Messages: [] });
    kinesis.on(GetShardIteratorCommand).resolves({ ShardIterator: 'it-1' });
    kinesis.on(GetRecordsCommand).resolves({ Records: [], MillisBehindLatest: 0 });
    const report = await redrive({
      failures: new SqsFailureSource('https://sqs/queue', new SQSClient({})),
      reader: new KinesisRangeReader(ARN, new KinesisClient({})),
      stream: new KinesisEventStream({ streamName: 'c360-events', client: new KinesisClient({}) }),
    });
    expect(report.expired).toEqual([
      {
        shardId: 'shardId-000000000001',
        startSequenceNumber: '5',
        endSequenceNumber: '9',
        found: 0,
        expected: 5,
      },
    ]);
    expect(sqs).not.toHaveReceivedCommand(DeleteMessageCommand);
    expect(kinesis).not.toHaveReceivedCommand(PutRecordsCommand);
  });
});
