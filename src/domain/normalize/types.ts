import type { CanonicalEvent, QuarantineReason, RawEnvelope } from '../event';

/**
 * What a normalizer produces: the canonical event before the enrich stage derives `timestamp`,
 * fills `enrichment` and `flags`, and pseudonymizes PII (normalizers may leave clear-text
 * email/phone in traits/properties; enrichment replaces them before anything is stored).
 */
export type CanonicalDraft = Omit<CanonicalEvent, 'schemaVersion' | 'timestamp' | 'enrichment' | 'flags'>;

export type NormalizeOutcome =
  | {
      ok: true;
      events: CanonicalDraft[];
      /**
       * Parts of a multi-event payload (a HubSpot batch) that could not be normalized: each is
       * quarantined on its own while the rest of the payload is stored.
       */
      rejected?: Rejection[];
    }
  | {
      ok: false;
      reason: QuarantineReason;
      detail: string;
      errors?: { path: string; rule: string; message: string }[];
    };

/** Turns one stream envelope into zero or more canonical drafts, or says why it cannot. Pure. */
export type Normalizer = (envelope: RawEnvelope) => NormalizeOutcome;

/** Why one part of a payload could not be normalized; `at` says which part (e.g. "/2"). */
export interface Rejection {
  at: string;
  reason: QuarantineReason;
  detail: string;
  errors?: { path: string; rule: string; message: string }[];
}
