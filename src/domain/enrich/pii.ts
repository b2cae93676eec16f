import { createHmac } from 'node:crypto';
import { isIP } from 'node:net';
import { type CountryCode, findPhoneNumbersInText } from 'libphonenumber-js/min';
import { LRUCache } from 'lru-cache';
import { MAX_JSON_DEPTH } from '../json';
import type { VaultValue } from '../privacy/vault';
import { anonymizeIp } from './ip';

/**
 * PII pseudonymization: every email and phone number anywhere in an object tree (values under
 * any key, and inside free text) is replaced by a keyed HMAC-SHA256, so the same person gets
 * the same token everywhere (joins still work) while nobody without the key can reverse it.
 *   email  "Ada.L@Example.com" → "<hmac hex of ada.l@example.com>@example.com" (domain kept)
 *   phone  "+44 20 7946 0958"  → "phone:<hmac hex of +442079460958>"
 * Beyond emails and phones, the policy classifies fields by their key (anywhere in the tree;
 * keys compared lower-case without separators or digits, so `mobilePhone`, `home_phone` and
 * `phone1` are all phones) and treats each class:
 *   name     (firstName, last_name, surname, …; a bare `name` only where it names a person: directly
 *            in a person's traits or in an object about a person, see PERSON_CONTEXT) → "name:<hmac>"
 *   address  (street, address1, addressLine2, …; a string `address`)             → "addr:<hmac>"
 *   birthdate (birthday, dateOfBirth, dob)                                       → its year only
 *   postcode (postalCode, zip, …)                 → generalized: the outward part / first 3 chars
 *   ip       (any value that is an IP address)                    → its /24 (IPv4) or /48 (IPv6)
 * URL-encoded emails (`ada%40example.com` in page URLs) are found and tokenized like emails.
 */
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;
/** An email URL-encoded in a URL or query string: the local part then %40 (the "@"). */
const EMAIL_URLENCODED = /([A-Za-z0-9._+-]|%2[bB])+%40[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;
const EMAIL_HASHED = /^[0-9a-f]{64}@/;
/** International numbers in free text (with +) — bare digit runs are too often ids or amounts. */
const PHONE_IN_TEXT = /\+\d[\d ().-]{6,18}\d/g;
/** Keys (normalized: lower case, letters only) that hold a phone number. */
const PHONE_KEY = /^(?:[a-z]*phone(?:number)?|mobile(?:number)?|cell|tel|telephone|fax|msisdn|whatsapp)$/;
const NAME_KEY = /^(?:firstname|lastname|fullname|givenname|familyname|surname|middlename|maidenname)$/;
/**
 * Objects about a person (key lower-cased, letters only): their bare `name` is that person's.
 * Everywhere else (`traits.company`, a product, a line item, a shop, a `group` call's traits,
 * which describe an account) a bare `name` names a thing and is kept as sent.
 */
const PERSON_CONTEXT =
  /^(?:traits|customer|customers|contact|contacts|requester|recipient|recipients|buyer|user|person|people|billingaddress|shippingaddress|sender|submitter|assignee|author)$/;
const personContext = (key: string) => PERSON_CONTEXT.test(key.toLowerCase().replace(/[^a-z]/g, ''));
const ADDRESS_KEY =
  /^(?:street|streetaddress|address|addressline|line|homeaddress|shippingaddress|billingaddress)$/;
const BIRTH_KEY = /^(?:birthday|birthdate|dateofbirth|dob)$/;
const POSTCODE_KEY = /^(?:postalcode|postcode|zip|zipcode)$/;
/** Keys of free text a person writes (ticket comments, tweets, notes): searched for national phone numbers too. */
const TEXT_KEY =
  /^(?:text|body|comment|comments|description|message|subject|note|notes|content|review|feedback)$/;
export type KeyClass = 'phone' | 'name' | 'address' | 'birthdate' | 'postcode' | 'text' | 'other';
/** Key → class, cached: events repeat the same few hundred keys. */
const keyClasses = new Map<string, KeyClass>();
/** The PII class a field name implies (`other`: none). Normalizers use it for generic name/value pairs. */
export function keyClass(key: string): KeyClass {
  let c = keyClasses.get(key);
  if (c === undefined) {
    const k = key.toLowerCase().replace(/[^a-z]/g, '');
    c = PHONE_KEY.test(k)
      ? 'phone'
      : NAME_KEY.test(k)
        ? 'name'
        : ADDRESS_KEY.test(k)
          ? 'address'
          : BIRTH_KEY.test(k)
            ? 'birthdate'
            : POSTCODE_KEY.test(k)
              ? 'postcode'
              : TEXT_KEY.test(k)
                ? 'text'
                : 'other';
    if (keyClasses.size < 10_000) keyClasses.set(key, c);
  }
  return c;
}
const PHONE_HASHED = /^phone:[0-9a-f]{64}$/;
/**
 * Could be an IP address (then `isIP` decides): the length and separators of one, and only the
 * characters one is written with (hex digits, dots, colons, then an optional %zone). A superset
 * of what isIP accepts, so version strings and host names skip its regexes.
 */
const IP_CHARS = /^[0-9a-fA-F:.]+(?:%.*)?$/;
const maybeIp = (s: string) =>
  s.length >= 3 && s.length <= 45 && (s.includes('.') || s.includes(':')) && IP_CHARS.test(s);
const TOKEN = /^(?:name|addr):[0-9a-f]{64}$/;

/** A postcode generalized: the UK-style outward part (before the space), else its first 3 characters. */
export function generalizePostcode(s: string): string {
  const t = s.trim().toUpperCase();
  const space = t.indexOf(' ');
  return space > 0 ? t.slice(0, space) : t.slice(0, 3);
}

export interface PiiFound {
  emailHashes: Set<string>;
  phoneHashes: Set<string>;
  /** The clear values replaced, for the vault (emails, phones, names, addresses, birthdates, postcodes). */
  clear: VaultValue[];
}

export class Pseudonymizer {
  private readonly hashes = new LRUCache<string, string>({ max: 10_000 });
  /**
   * `defaultCountry`: how national numbers in free text are read (ISO 3166 code; a number written
   * with its + country code is read as written anywhere).
   */
  constructor(
    private readonly key: string | Buffer,
    private readonly defaultCountry: CountryCode = 'US',
  ) {
    if (!key || key.length < 16) throw new Error('the pseudonymization key must be at least 16 bytes');
  }

  /**
   * The keyed HMAC of a value. Memoized (bounded LRU): the same person's email and phone recur
   * across events, and within one event the scrub and the identity keys hash the same trait.
   */
  hash(value: string): string {
    let h = this.hashes.get(value);
    if (h === undefined) {
      h = createHmac('sha256', this.key).update(value).digest('hex');
      this.hashes.set(value, h);
    }
    return h;
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

  /** A name or street address: a keyed token (the same value, the same token). */
  private token(kind: 'name' | 'addr', s: string): string {
    return `${kind}:${this.hash(s.trim().toLowerCase().replace(/\s+/g, ' '))}`;
  }

  /** Replaces PII in a string; records what it found. */
  private scrubString(s: string, key: string, found: PiiFound, inPerson: boolean): string {
    const c = keyClass(key);
    // Most strings are under keys of no PII class and hold no '@', '%40', '+' or IP: as they are.
    if (
      c === 'other' &&
      !(inPerson && key === 'name') &&
      !s.includes('@') &&
      !s.includes('%40') &&
      !s.includes('+') &&
      !maybeIp(s)
    )
      return s;
    if (EMAIL_HASHED.test(s) || PHONE_HASHED.test(s) || TOKEN.test(s)) return s;
    if (c === 'phone' && /\d{6,}/.test(s.replace(/[^\d]/g, '')) && !s.includes('@')) {
      const p = this.phone(s);
      found.phoneHashes.add(p.hash);
      found.clear.push({ kind: 'phone', field: key, value: s });
      return p.token;
    }
    if (!s.trim()) return s;
    if (c === 'name' || (inPerson && key === 'name')) {
      found.clear.push({ kind: 'name', field: key, value: s });
      return this.token('name', s);
    }
    if (c === 'address') {
      found.clear.push({ kind: 'address', field: key, value: s });
      return this.token('addr', s);
    }
    if (c === 'birthdate') {
      found.clear.push({ kind: 'birthdate', field: key, value: s });
      return /\b(1[89]|20)\d{2}\b/.exec(s)?.[0] ?? '';
    }
    if (c === 'postcode') {
      found.clear.push({ kind: 'postcode', field: key, value: s });
      return generalizePostcode(s);
    }
    if (maybeIp(s) && isIP(s.replace(/^::ffff:/i, ''))) return anonymizeIp(s) ?? '';
    let out = s;
    if (s.includes('%40')) {
      out = out.replace(EMAIL_URLENCODED, (m) => {
        const clear = decodeURIComponent(m.replace(/%(?![0-9a-fA-F]{2})/g, '%25'));
        const e = this.email(clear);
        found.emailHashes.add(e.hash);
        found.clear.push({ kind: 'email', field: key, value: clear });
        return encodeURIComponent(e.token);
      });
    }
    if (s.includes('@')) {
      out = out.replace(EMAIL, (m) => {
        const e = this.email(m);
        found.emailHashes.add(e.hash);
        found.clear.push({ kind: 'email', field: key, value: m });
        return e.token;
      });
    }
    if (c === 'text' && /\d{3}/.test(out)) out = this.nationalPhones(out, key, found);
    if (out.includes('+')) {
      out = out.replace(PHONE_IN_TEXT, (m) => {
        const p = this.phone(m);
        found.phoneHashes.add(p.hash);
        found.clear.push({ kind: 'phone', field: key, value: m });
        return p.token;
      });
    }
    return out;
  }

  /** Phone numbers written the national way in free text ("(415) 555-0132"), found with libphonenumber. */
  private nationalPhones(text: string, key: string, found: PiiFound): string {
    const hits = findPhoneNumbersInText(text, this.defaultCountry);
    let out = text;
    for (const h of hits.reverse()) {
      const p = this.phone(h.number.number);
      found.phoneHashes.add(p.hash);
      found.clear.push({ kind: 'phone', field: key, value: text.slice(h.startsAt, h.endsAt) });
      out = out.slice(0, h.startsAt) + p.token + out.slice(h.endsAt);
    }
    return out;
  }

  /**
   * `value` with its PII replaced (objects, arrays, strings; other values as they are). Copy on
   * write: an object or array is copied only when something inside it changed, so the input is
   * never modified and a value without PII comes back as the same object, allocation-free.
   * `inPerson`: the value is an object about a person (a person's traits, a customer, a contact,
   * an address), or a string directly in one, where a bare `name` is their name.
   */
  scrub(value: unknown, found: PiiFound, key = '', depth = 0, inPerson = false): unknown {
    if (typeof value === 'string') return this.scrubString(value, key, found, inPerson);
    if (value === null || typeof value !== 'object') return value;
    // Deeper than any record may nest (src/domain/json.ts): never stored unchecked, the record is
    // quarantined (sealed) with this reason.
    if (depth > MAX_JSON_DEPTH)
      throw new Error(
        `a value nests deeper than ${MAX_JSON_DEPTH} levels: its PII cannot be checked, not stored`,
      );
    if (Array.isArray(value)) {
      let copy: unknown[] | null = null;
      for (let i = 0; i < value.length; i++) {
        const v = value[i];
        const out = this.scrub(v, found, key, depth + 1, inPerson);
        if (copy) copy.push(out);
        else if (out !== v) {
          copy = value.slice(0, i);
          copy.push(out);
        }
      }
      return copy ?? value;
    }
    const source = value as Record<string, unknown>;
    let copy: Record<string, unknown> | null = null;
    for (const k in source) {
      if (!Object.hasOwn(source, k)) continue;
      const v = source[k];
      // A string is judged by the object it is in; an object or array by its own key.
      const out = this.scrub(v, found, k, depth + 1, typeof v === 'string' ? inPerson : personContext(k));
      // The first change copies the object (keys in their order); changes are defined, never
      // assigned, so a "__proto__" key sent as data stays data (assigning it would drop it).
      if (out !== v) {
        copy ??= { ...source };
        Object.defineProperty(copy, k, { value: out, writable: true, enumerable: true, configurable: true });
      }
    }
    return copy ?? value;
  }
}

export function emptyFound(): PiiFound {
  return { emailHashes: new Set(), phoneHashes: new Set(), clear: [] };
}
