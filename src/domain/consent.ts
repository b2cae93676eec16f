import consentConfig from '../../config/consent.json';
import { own } from './own';

/**
 * Consent (docs/security.md "Consent", config/consent.json): what a person agreed to, per purpose,
 * from every source that says so. A statement is a set of categories with true/false (Segment's
 * `context.consent.categoryPreferences`, on any event and on its "Segment Consent Preference
 * Updated" event); enrich maps it to c360's purposes and stores it on the
 * event as `context.consent.purposes`, which the ETL turns into silver.consent_events,
 * gold.consent_history and gold.customer_consent. Processing that needs consent (audiences) joins
 * gold.customer_consent: no statement for a purpose means no consent (opt-in).
 */
export const CONSENT_PURPOSES = ['marketing', 'advertising', 'personalization', 'analytics'] as const;
export type ConsentPurpose = (typeof CONSENT_PURPOSES)[number];

const CATEGORY_PURPOSE: Readonly<Record<string, string>> = consentConfig.categories;

const normalizeCategory = (name: string) => name.toLowerCase().replace(/[^a-z0-9]/g, '');

/** A category's purpose per config/consent.json, or undefined when it names none. */
export function purposeOf(category: string): ConsentPurpose | undefined {
  const purpose = own(CATEGORY_PURPOSE, normalizeCategory(category));
  return (CONSENT_PURPOSES as readonly string[]).includes(purpose ?? '')
    ? (purpose as ConsentPurpose)
    : undefined;
}

/**
 * The purposes a statement grants or refuses: each known category's boolean, mapped; when two
 * categories of one purpose disagree, the refusal wins. Non-boolean values and unknown categories
 * say nothing. Null when nothing is said (no consent object, an empty one, nothing mapped).
 */
export function consentPurposes(
  categoryPreferences: unknown,
): Partial<Record<ConsentPurpose, boolean>> | null {
  if (
    typeof categoryPreferences !== 'object' ||
    categoryPreferences === null ||
    Array.isArray(categoryPreferences)
  )
    return null;
  const out: Partial<Record<ConsentPurpose, boolean>> = {};
  for (const [category, value] of Object.entries(categoryPreferences)) {
    if (typeof value !== 'boolean') continue;
    const purpose = purposeOf(category);
    if (!purpose) continue;
    out[purpose] = (out[purpose] ?? true) && value;
  }
  return Object.keys(out).length > 0 ? out : null;
}

/** A yes/no a file or provider sends as text or boolean (`true`, `yes`, `1`, `subscribed` …), else null. */
export function optIn(value: unknown): boolean | null {
  if (typeof value === 'boolean') return value;
  if (typeof value !== 'string') return null;
  const v = value.trim().toLowerCase();
  if (['true', 'yes', 'y', '1', 'subscribed', 'opted_in', 'granted'].includes(v)) return true;
  if (
    ['false', 'no', 'n', '0', 'unsubscribed', 'not_subscribed', 'opted_out', 'denied', 'withdrawn'].includes(
      v,
    )
  )
    return false;
  return null;
}
