import { InvokeEndpointCommand, ModelError, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { C360Error, DownstreamUnavailableError } from '../../domain/errors';
import type { Scorer } from '../../ports/scorer';
import { backoffDelay, defaultSleep } from '../retry';

/**
 * Scores through a SageMaker real-time endpoint (text/csv in, one score a line out), in batches
 * under the 6 MB payload limit. Throttling is retried with backoff; a batch that keeps failing is
 * retried alone and then split, so one bad row is isolated (and named) instead of failing the run;
 * a ModelError surfaces the endpoint's own message.
 */
export class SageMakerScorer implements Scorer {
  private readonly client: SageMakerRuntimeClient;
  private readonly sleep: (ms: number) => Promise<void>;
  constructor(
    private readonly o: {
      endpointName: string;
      client?: SageMakerRuntimeClient;
      maxPayloadBytes?: number;
      maxAttempts?: number;
      sleep?: (ms: number) => Promise<void>;
    },
  ) {
    this.client = o.client ?? new SageMakerRuntimeClient({});
    this.sleep = o.sleep ?? defaultSleep;
  }

  async score(rows: string[]): Promise<number[]> {
    const limit = this.o.maxPayloadBytes ?? 5 * 1024 * 1024; // under SageMaker's 6 MB
    const out: number[] = [];
    let batch: string[] = [];
    let bytes = 0;
    for (const row of rows) {
      const size = Buffer.byteLength(row) + 1;
      if (batch.length && bytes + size > limit) {
        out.push(...(await this.scoreBatch(batch)));
        batch = [];
        bytes = 0;
      }
      batch.push(row);
      bytes += size;
    }
    if (batch.length) out.push(...(await this.scoreBatch(batch)));
    return out;
  }

  private async invoke(batch: string[]): Promise<number[]> {
    const attempts = this.o.maxAttempts ?? 4;
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await this.client.send(
          new InvokeEndpointCommand({
            EndpointName: this.o.endpointName,
            ContentType: 'text/csv',
            Accept: 'text/csv',
            Body: batch.join('\n'),
          }),
        );
        const fields = Buffer.from(res.Body ?? new Uint8Array())
          .toString('utf8')
          .split(/[\n,]/)
          .filter((s) => s.trim());
        const bad = fields.find((f) => !Number.isFinite(Number(f)));
        if (bad !== undefined)
          throw new C360Error(
            `endpoint ${this.o.endpointName} returned a non-numeric score "${bad.trim().slice(0, 80)}" (expected one probability per row, text/csv)`,
          );
        if (fields.length !== batch.length)
          throw new C360Error(
            `endpoint ${this.o.endpointName} returned ${fields.length} scores for ${batch.length} rows`,
          );
        return fields.map(Number);
      } catch (err) {
        if (err instanceof ModelError) {
          throw new C360Error(
            `endpoint ${this.o.endpointName}: model error: ${err.OriginalMessage ?? err.message}`,
            { cause: err },
          );
        }
        const throttled =
          err instanceof Error && /Throttl|ServiceUnavailable|InternalFailure/i.test(err.name);
        if (!throttled || attempt >= attempts) throw err;
        await this.sleep(backoffDelay(attempt, 200, 10_000));
      }
    }
  }

  /** A batch that fails is retried alone, then split in halves until the failing row is isolated. */
  private async scoreBatch(batch: string[]): Promise<number[]> {
    try {
      return await this.invoke(batch);
    } catch (err) {
      if (batch.length === 1) {
        throw new DownstreamUnavailableError(
          `row "${batch[0]}" could not be scored: ${(err as Error).message}`,
          { cause: err },
        );
      }
      const half = Math.ceil(batch.length / 2);
      return [
        ...(await this.scoreBatch(batch.slice(0, half))),
        ...(await this.scoreBatch(batch.slice(half))),
      ];
    }
  }
}
