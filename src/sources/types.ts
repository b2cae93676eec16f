import type { Normalizer } from '../domain/normalize/types';
import type { Verification } from '../domain/webhooks/signatures';

/** A signed webhook request as a source sees it: the raw body, its headers, method and full URL. */
export interface SignedRequest {
  body: Buffer;
  header(name: string): string | undefined;
  method: string;
  /** `https://<host><path>[?query]` as the sender addressed it (HubSpot signs it). */
  url: string;
}

/**
 * Everything c360 knows about one webhook source, in one place (`src/sources/<name>/`): how its
 * requests are verified, which id it gives its events and what guards against replays, the
 * headers its normalizer needs, the normalizer itself, how a client signs for it, and the dev
 * keys of the embedded run. The webhook handler, the normalizer registry, the local secrets, the
 * demo and the event generator all read it from the registry (`src/sources/index.ts`).
 */
export interface WebhookSource {
  /** The path segment (`/webhooks/<name>`), the envelope's provider and the secret's key. */
  name: string;
  /** Where the provider documents what this descriptor implements. */
  docs: string;
  /** Verifies the raw request against any of `keys` (several during a rotation). */
  verify(req: SignedRequest, keys: string[], nowMs: number): Verification;
  /** The provider's own event id (the envelope's eventId, dedupe downstream), or null. */
  eventId(payload: unknown, req: SignedRequest): string | null;
  /**
   * The replay key: something the signature covers, so a captured request sent again is caught
   * whatever headers it carries. Default: the event id when there is one, else the body's hash.
   */
  replayKey?(eventId: string | null, body: Buffer): string;
  /**
   * The identity type of this source's own customer id (e.g. `shopify_customer`): an account key
   * in stitching and the hub guard. Omitted when the source names people only by the core keys
   * (src/domain/identity-types.ts). `npm run gen` adds it to `IdentityType` and the schema.
   */
  accountIdentity?: string;
  /** Headers the normalizer needs, kept on the envelope. */
  keptHeaders?: readonly string[];
  normalize: Normalizer;
  /** The headers the provider would send for `body` (tests, the demo, the event generator). */
  sign(body: string, signingKey: string, nowMs: number, url: string): Record<string, string>;
  /**
   * The embedded run's dev keys (docs/webhooks.md): `verify` goes into the local webhook secret,
   * `sign` is what the demo signs with. The same string for HMAC sources; a key pair for
   * public-key signatures. Never used in AWS, where the secret lives in Secrets Manager.
   */
  localKeys: { verify: string; sign: string };
}
