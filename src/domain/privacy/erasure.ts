import type { Pseudonymizer } from '../enrich/pii';

/**
 * Right to be forgotten: what identifies one person in the stores, and how to recognize it.
 * A person is a customer id and its identity nodes (`type:value`, from the identity map). A row
 * mentions them when one of those values appears as a whole value: delimited by quotes, a
 * `type:` prefix, a comma or a line edge (so `cdnow-5` never matches `cdnow-50`); an email token
 * (`<hash>@domain`) matches by its hash.
 */
export interface ErasureTarget {
  customerIds: string[];
  keys: { type: string; value: string }[];
}

/** The suppression list's hash of an identity node, keyed like every token (not reversible). */
export const suppressionHash = (p: Pseudonymizer, type: string, value: string) =>
  p.hash(`suppress:${type}:${value}`);

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** One regular expression (RE2- and JS-compatible) matching any of the person's values as a whole value. */
export function mentionPattern(t: ErasureTarget): string {
  const values = [...new Set([...t.customerIds, ...t.keys.map((k) => k.value)])].filter((v) => v.length > 0);
  if (!values.length) throw new Error('nothing identifies the person to erase');
  return `(^|[\\n"':,=/])(${values.map(escapeRegex).join('|')})($|[\\n"',@%&])`;
}
