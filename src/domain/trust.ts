import type { RawEnvelope, Trust } from './event';

/**
 * Trust boundaries (docs/security.md, docs/data-contract.md "Trust"). A client-side source's key
 * is public, so anything it says can be forged by anyone who loads the page: it may describe
 * behaviour, never money or another person's identity.
 *
 * - Revenue, refunds and order status come only from server-side sources: a client-side
 *   `Order Completed` / `Order Refunded` / `Order Cancelled` stays a `track` event.
 * - A client-side event's email or phone links to its device only while no server-side event ties
 *   that email or phone to an account (sql/silver/identity_edges.sql): a forged identify cannot
 *   pull someone's profile into the attacker's device.
 */
export type { Trust };

/** The trust of a record: declared by the edge; a Segment record without it is client-side. */
export function trustOf(envelope: Pick<RawEnvelope, 'kind' | 'trust'>): Trust {
  if (envelope.trust === 'server' || envelope.trust === 'client') return envelope.trust;
  // Webhooks are signature-checked, postbacks carry their network's token, batch files are
  // dropped by operators: all server-side. Only a Segment key can be public.
  return envelope.kind === 'segment' ? 'client' : 'server';
}

export function isTrust(v: unknown): v is Trust {
  return v === 'client' || v === 'server';
}
