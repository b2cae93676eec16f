import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { ConfigError } from './errors';
import { safeSegment } from './partition';

/**
 * Audiences delivered to the tools that act on them (src/runtime/audiences.ts). Each destination
 * remembers who it holds per audience; a sync sends the difference with what the last run's
 * gold.audience_members holds (who entered, who exited), in batches a receiver can trust:
 * - signed: `c360-signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" under the
 *   destination's secret>` (the scheme Stripe signs its webhooks with), so a receiver can refuse a
 *   forged or replayed call;
 * - idempotent: `idempotency-key` names the batch (destination, audience, the operations it holds),
 *   and a retried batch is the same bytes under the same key, so a receiver that saw it once can
 *   answer it again without applying it twice.
 * An erasure sends `delete` for the person to every destination that holds them.
 */
export type AudienceOp = 'enter' | 'exit' | 'delete';

export interface Operation {
  op: AudienceOp;
  customer_id: string;
}

export interface AudienceBatch {
  destination: string;
  audience: string;
  /** The idempotency key: a hash of the destination, audience and operations. */
  id: string;
  operations: Operation[];
}

/** Who entered and who exited: `current` is the audience now, `held` what the destination holds. */
export function audienceDiff(current: ReadonlySet<string>, held: ReadonlySet<string>): Operation[] {
  const ops: Operation[] = [];
  for (const c of [...current].sort()) if (!held.has(c)) ops.push({ op: 'enter', customer_id: c });
  for (const c of [...held].sort()) if (!current.has(c)) ops.push({ op: 'exit', customer_id: c });
  return ops;
}

export function batchId(destination: string, audience: string, operations: readonly Operation[]): string {
  const h = createHash('sha256').update(`${destination}\n${audience}\n`);
  for (const o of operations) h.update(`${o.op}:${o.customer_id}\n`);
  return h.digest('hex').slice(0, 32);
}

/** The operations cut into batches of at most `size`, each with its idempotency key. */
export function batches(
  destination: string,
  audience: string,
  ops: readonly Operation[],
  size: number,
): AudienceBatch[] {
  if (!Number.isInteger(size) || size < 1)
    throw new Error(`batch size must be a positive integer, got ${size}`);
  const out: AudienceBatch[] = [];
  for (let i = 0; i < ops.length; i += size) {
    const operations = ops.slice(i, i + size);
    out.push({ destination, audience, id: batchId(destination, audience, operations), operations });
  }
  return out;
}

/** The request body of a batch (what is signed and sent, the same bytes on every retry). */
export function batchBody(b: AudienceBatch): string {
  return JSON.stringify({
    destination: b.destination,
    audience: b.audience,
    batch_id: b.id,
    operations: b.operations,
  });
}

export function signature(secret: string, timestamp: number, body: string): string {
  return `t=${timestamp},v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/**
 * A receiver's check (also the tests'): the signature is the body's under the secret, and its time
 * is within `toleranceS` of `nowS`.
 */
export function verifySignature(
  secret: string,
  header: string,
  body: string,
  nowS: number,
  toleranceS = 300,
): boolean {
  const parts = Object.fromEntries(header.split(',').map((p) => p.split('=', 2) as [string, string]));
  const t = Number(parts.t);
  if (!Number.isFinite(t) || Math.abs(nowS - t) > toleranceS || !parts.v1) return false;
  const want = Buffer.from(signature(secret, t, body).split('v1=')[1] as string, 'hex');
  const got = Buffer.from(parts.v1, 'hex');
  return got.length === want.length && timingSafeEqual(got, want);
}

/** What a destination holds after a batch was accepted. */
export function applyBatch(held: Set<string>, b: Pick<AudienceBatch, 'operations'>): void {
  for (const o of b.operations) {
    if (o.op === 'enter') held.add(o.customer_id);
    else held.delete(o.customer_id);
  }
}

/**
 * Where audiences go. Embedded in `DIR/state/destinations.json`, in AWS in the
 * AudienceDestinationsSecret (the signing secrets with them):
 * ```json
 * { "destinations": [
 *   { "name": "email-tool", "type": "webhook", "url": "https://…", "secret": "…", "audiences": ["win_back"] },
 *   { "name": "exports", "type": "file", "format": "parquet", "audiences": "*" } ] }
 * ```
 */
export interface Destination {
  name: string;
  type: 'webhook' | 'file';
  url?: string;
  secret?: string;
  /** The audiences it receives ("*": all). */
  audiences: string[] | '*';
  /** A file destination's format (default csv). */
  format?: 'csv' | 'parquet';
  batchSize?: number;
  maxAttempts?: number;
}

/** The destinations document checked, each error naming the entry and field (`where`: the file or secret). */
export function parseDestinations(text: string, where: string): Destination[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${where} is not JSON: fix it (see src/domain/audience-sync.ts for its shape)`, {
      cause: err,
    });
  }
  const list = (parsed as { destinations?: unknown } | null)?.destinations;
  if (!Array.isArray(list)) throw new ConfigError(`${where}: expected {"destinations": [...]}`);
  const names = new Set<string>();
  return list.map((d, i) => {
    const at = `${where}: destinations[${i}]`;
    const o = (d ?? {}) as Partial<Destination>;
    if (typeof o.name !== 'string' || safeSegment(o.name) !== o.name)
      throw new ConfigError(`${at}: "name" must be 1-64 letters, digits, "_", "." or "-"`);
    if (names.has(o.name)) throw new ConfigError(`${at}: "name" ${o.name} is used twice`);
    names.add(o.name);
    if (o.type !== 'webhook' && o.type !== 'file')
      throw new ConfigError(`${at}: "type" must be "webhook" or "file"`);
    if (o.type === 'webhook' && (typeof o.url !== 'string' || !/^https?:\/\//.test(o.url)))
      throw new ConfigError(`${at}: a webhook needs "url" (http:// or https://)`);
    if (o.type === 'webhook' && (typeof o.secret !== 'string' || o.secret.length < 16))
      throw new ConfigError(`${at}: a webhook needs "secret" (16+ characters) to sign its batches with`);
    if (
      o.audiences !== '*' &&
      !(Array.isArray(o.audiences) && o.audiences.every((a) => typeof a === 'string'))
    )
      throw new ConfigError(`${at}: "audiences" must be a list of audience names or "*"`);
    if (o.format !== undefined && (o.type !== 'file' || (o.format !== 'csv' && o.format !== 'parquet')))
      throw new ConfigError(`${at}: "format" is for a file destination: "csv" or "parquet"`);
    for (const k of ['batchSize', 'maxAttempts'] as const)
      if (o[k] !== undefined && !(Number.isInteger(o[k]) && (o[k] as number) >= 1))
        throw new ConfigError(`${at}: "${k}" must be a positive integer`);
    return o as Destination;
  });
}
