import { DownstreamUnavailableError } from '../../domain/errors';
import { type RetryOptions, sendWithPartialRetry } from '../retry';

/** DynamoDB's limits per call: BatchGetItem 100 keys, BatchWriteItem 25 requests. */
export const GET_BATCH = 100;
export const WRITE_BATCH = 25;

/**
 * Sends `items` in parts of `size`; `send` answers what DynamoDB left unprocessed, which is
 * resent with backoff and jitter. Still unprocessed after the retries: DownstreamUnavailableError
 * (the caller's invocation fails and is retried; nothing is dropped silently).
 */
export async function inDynamoBatches<T>(
  items: readonly T[],
  size: number,
  what: { table: string; done: string; left: string },
  send: (part: T[]) => Promise<T[]>,
  retry: RetryOptions = {},
): Promise<void> {
  for (let i = 0; i < items.length; i += size) {
    const out = await sendWithPartialRetry(
      items.slice(i, i + size),
      async (pending) => {
        const left = await send(pending);
        return { failed: left, error: left.length ? `${left.length} ${what.left} unprocessed` : null };
      },
      retry,
      { baseDelayMs: 50, maxDelayMs: 2000 },
    );
    if (out.failed.length)
      throw new DownstreamUnavailableError(
        `${what.table}: ${out.failed.length} ${what.done} still unprocessed after ${out.calls} calls (${out.lastError})`,
      );
  }
}
