import { FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import type { Delivery, DeliveryItem, DeliveryResult } from '../../ports/delivery';
import { type RetryOptions, sendWithPartialRetry } from '../retry';

const MAX_RECORDS = 500;
const MAX_BYTES = 4 * 1024 * 1024;

export interface FirehoseDeliveryOptions extends RetryOptions {
  deliveryStreamName: string;
  client?: FirehoseClient;
}

/**
 * Delivery on Kinesis Data Firehose. Each record is one JSON line + '\n'; the S3 prefix is
 * computed by Firehose dynamic partitioning (JQ over the record, see template.yaml), which
 * yields the same keys as `DeliveryItem.prefix`. PutRecordBatch calls of ≤500 records / 4 MiB;
 * only entries of RequestResponses that carry an ErrorCode are retried, with backoff and jitter;
 * what still fails after maxAttempts is returned as failed (never dropped silently).
 */
export class FirehoseDelivery implements Delivery {
  private readonly client: FirehoseClient;

  constructor(private readonly options: FirehoseDeliveryOptions) {
    this.client = options.client ?? new FirehoseClient({});
  }

  async deliver(items: DeliveryItem[]): Promise<DeliveryResult> {
    const result: DeliveryResult = { failed: [], calls: 0, retried: 0 };
    const data = items.map((item) => Buffer.from(`${item.line}\n`, 'utf8'));
    let start = 0;
    while (start < items.length) {
      let end = start;
      let bytes = 0;
      while (
        end < items.length &&
        end - start < MAX_RECORDS &&
        bytes + (data[end]?.length ?? 0) <= MAX_BYTES
      ) {
        bytes += data[end]?.length ?? 0;
        end++;
      }
      if (end === start) end = start + 1; // a single oversized record: let Firehose reject it by name
      const indexes = Array.from({ length: end - start }, (_, k) => start + k);
      const out = await sendWithPartialRetry(
        indexes,
        async (pending) => {
          const res = await this.client.send(
            new PutRecordBatchCommand({
              DeliveryStreamName: this.options.deliveryStreamName,
              Records: pending.map((i) => ({ Data: data[i] })),
            }),
          );
          if ((res.FailedPutCount ?? 0) === 0) return { failed: [], error: null };
          const answers = res.RequestResponses ?? [];
          const first = answers.find((r) => r.ErrorCode);
          return {
            failed: pending.filter((_, k) => answers[k]?.ErrorCode !== undefined),
            error: `${first?.ErrorCode}: ${first?.ErrorMessage ?? ''}`,
          };
        },
        this.options,
        { baseDelayMs: 100, maxDelayMs: 5000 },
      );
      result.calls += out.calls;
      result.retried += out.retried;
      result.failed.push(...out.failed);
      if (out.lastError) result.lastError = out.lastError;
      start = end;
    }
    return result;
  }
}
