import { signature } from '../domain/audience-sync';

/**
 * One POST of a signed JSON body (the audience batches, the report webhooks): `c360-signature`
 * (t=…,v1=HMAC of "t.body" under the receiver's secret), an `idempotency-key`, 30 s at most. The
 * response body is drained; its status returned. A network failure throws, naming the URL.
 */
export async function postSigned(opts: {
  url: string;
  secret: string;
  idempotencyKey: string;
  body: string;
  fetch?: typeof fetch;
  now?: () => number;
}): Promise<{ ok: boolean; status: number }> {
  const ts = Math.floor((opts.now ?? Date.now)() / 1000);
  let res: Response;
  try {
    res = await (opts.fetch ?? fetch)(opts.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'idempotency-key': opts.idempotencyKey,
        'c360-signature': signature(opts.secret, ts, opts.body),
      },
      body: opts.body,
      signal: AbortSignal.timeout(30_000),
    });
  } catch (err) {
    throw new Error(`${opts.url}: ${err instanceof Error ? err.message : String(err)}`);
  }
  await res.arrayBuffer().catch(() => undefined);
  return { ok: res.ok, status: res.status };
}
