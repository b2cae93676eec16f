import { FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import type { Delivery, DeliveryItem, DeliveryResult } from '../../ports/delivery';
import { backoffDelay, defaultSleep } from '../retry';

const MAX_RECORDS = 500;
const MAX_BYTES = 4 * 1024 * 1024;

export interface FirehoseDeliveryOptions {
  deliveryStreamName: string;
  client?: FirehoseClient;
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
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
  private readonly maxAttempts: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(private readonly options: FirehoseDeliveryOptions) {
    this.client = options.client ?? new FirehoseClient({});
    this.maxAttempts = options.maxAttempts ?? 5;
    this.sleep = options.sleep ?? defaultSleep;
    this.random = options.random ?? Math.random;
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
      result.failed.push(...(await this.putChunk(indexes, data, result)));
      start = end;
    }
    return result;
  }

  private async putChunk(indexes: number[], data: Buffer[], result: DeliveryResult): Promise<number[]> {
    let pending = indexes;
    for (let attempt = 1; attempt <= this.maxAttempts && pending.length > 0; attempt++) {
      if (attempt > 1) {
        result.retried += pending.length;
        await this.sleep(
          backoffDelay(
            attempt - 1,
            this.options.baseDelayMs ?? 100,
            this.options.maxDelayMs ?? 5000,
            this.random,
          ),
        );
      }
      result.calls++;
      try {
        const out = await this.client.send(
          new PutRecordBatchCommand({
            DeliveryStreamName: this.options.deliveryStreamName,
            Records: pending.map((i) => ({ Data: data[i] })),
          }),
        );
        if ((out.FailedPutCount ?? 0) === 0) return [];
        const responses = out.RequestResponses ?? [];
        const firstError = responses.find((r) => r.ErrorCode);
        result.lastError = `${firstError?.ErrorCode}: ${firstError?.ErrorMessage ?? ''}`;
        pending = pending.filter((_, k) => responses[k]?.ErrorCode !== undefined);
      } catch (err) {
        // Throttled or failed call: the whole chunk is retried.
        result.lastError = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      }
    }
    return pending;
  }
}
