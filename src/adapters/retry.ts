/** Exponential backoff with full jitter (AWS Architecture Blog): random in [0, min(cap, base·2^n)). */
export function backoffDelay(
  retry: number,
  baseMs: number,
  capMs: number,
  random: () => number = Math.random,
): number {
  return Math.floor(random() * Math.min(capMs, baseMs * 2 ** retry));
}

export const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface RetryOptions {
  /** Attempts per batch, including the first. */
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export interface PartialRetryOutcome<T> {
  /** Items still failing after the last attempt. */
  failed: T[];
  calls: number;
  retried: number;
  lastError: string | null;
}

/**
 * The batch-put pattern of Kinesis PutRecords and Firehose PutRecordBatch: send a batch, then
 * resend only the items the response marks as failed, with backoff and jitter. A call that
 * throws (throttling, network) counts as every pending item failed.
 */
export async function sendWithPartialRetry<T>(
  items: T[],
  send: (pending: T[]) => Promise<{ failed: T[]; error: string | null }>,
  options: RetryOptions,
  defaults: { baseDelayMs: number; maxDelayMs: number },
): Promise<PartialRetryOutcome<T>> {
  const maxAttempts = options.maxAttempts ?? 5;
  const sleep = options.sleep ?? defaultSleep;
  const out: PartialRetryOutcome<T> = { failed: items, calls: 0, retried: 0, lastError: null };
  for (let attempt = 1; attempt <= maxAttempts && out.failed.length > 0; attempt++) {
    if (attempt > 1) {
      out.retried += out.failed.length;
      await sleep(
        backoffDelay(
          attempt - 1,
          options.baseDelayMs ?? defaults.baseDelayMs,
          options.maxDelayMs ?? defaults.maxDelayMs,
          options.random,
        ),
      );
    }
    out.calls++;
    try {
      const res = await send(out.failed);
      out.failed = res.failed;
      if (res.error) out.lastError = res.error;
    } catch (err) {
      out.lastError = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    }
  }
  return out;
}
