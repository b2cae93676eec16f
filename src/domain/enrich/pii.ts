import { createHmac } from 'node:crypto';

/**
 * PII pseudonymization: every email and phone number anywhere in an object tree (values under
 * any key, and inside free text) is replaced by a keyed HMAC-SHA256, so the same person gets
 * the same token everywhere (joins still work) while nobody without the key can reverse it.
 *   email  "Ada.L@Example.com" → "<hmac hex of ada.l@example.com>@example.com" (domain kept)
 *   phone  "+44 20 7946 0958"  → "phone:<hmac hex of +442079460958>"
 */
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;
const EMAIL_HASHED = /^[0-9a-f]{64}@/;
/** International numbers in free text (with +) — bare digit runs are too often ids or amounts. */
const PHONE_IN_TEXT = /\+\d[\d ().-]{6,18}\d/g;
const PHONE_KEY = /(^|_|\b)(phone|mobile|cell|tel|telephone|fax|msisdn|whatsapp)(number|_number)?$/i;
const PHONE_HASHED = /^phone:[0-9a-f]{64}$/;

export interface PiiFound {
  emailHashes: Set<string>;
  phoneHashes: Set<string>;
}

export class Pseudonymizer {
  constructor(private readonly key: string | Buffer) {
    if (!key || key.length < 16) throw new Error('the pseudonymization key must be at least 16 bytes');
  }

  hash(value: string): string {
    return createHmac('sha256', this.key).update(value).digest('hex');
  }

  email(email: string): { token: string; hash: string } {
    const norm = email.trim().toLowerCase();
    const hash = this.hash(norm);
    const domain = norm.slice(norm.lastIndexOf('@') + 1);
    return { token: `${hash}@${domain}`, hash };
  }

  phone(phone: string): { token: string; hash: string } {
    const digits = phone.replace(/[^\d+]/g, '');
    const hash = this.hash(digits);
    return { token: `phone:${hash}`, hash };
  }

  /** Replaces PII in a string; records what it found. */
  private scrubString(s: string, key: string, found: PiiFound): string {
    if (EMAIL_HASHED.test(s) || PHONE_HASHED.test(s)) return s;
    if (PHONE_KEY.test(key) && /\d{6,}/.test(s.replace(/[^\d]/g, '')) && !s.includes('@')) {
      const p = this.phone(s);
      found.phoneHashes.add(p.hash);
      return p.token;
    }
    let out = s;
    if (s.includes('@')) {
      out = out.replace(EMAIL, (m) => {
        const e = this.email(m);
        found.emailHashes.add(e.hash);
        return e.token;
      });
    }
    if (out.includes('+')) {
      out = out.replace(PHONE_IN_TEXT, (m) => {
        const p = this.phone(m);
        found.phoneHashes.add(p.hash);
        return p.token;
      });
    }
    return out;
  }

  /** Returns a scrubbed deep copy of `value` (objects, arrays, strings; other values as they are). */
  scrub(value: unknown, found: PiiFound, key = '', depth = 0): unknown {
    if (typeof value === 'string') return this.scrubString(value, key, found);
    if (value === null || typeof value !== 'object' || depth > 64) return value;
    if (Array.isArray(value)) return value.map((v) => this.scrub(v, found, key, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = this.scrub(v, found, k, depth + 1);
    return out;
  }
}

/**
 * Cheap screen over a record's raw JSON: false means no email ('@'), no international number
 * ('+' then a digit) and no phone-like key anywhere, so the scrub (a deep copy) can be skipped.
 */
const PHONE_KEY_IN_JSON = /(?:phone|mobile|cell|tel|telephone|fax|msisdn|whatsapp)(?:number|_number)?"\s*:/i;
const PLUS_DIGIT = /\+\d/;
export function textMayContainPii(rawJson: string): boolean {
  return rawJson.includes('@') || PLUS_DIGIT.test(rawJson) || PHONE_KEY_IN_JSON.test(rawJson);
}

export function emptyFound(): PiiFound {
  return { emailHashes: new Set(), phoneHashes: new Set() };
}
