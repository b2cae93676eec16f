import type { IdentityKey } from './event';

/**
 * Which values may become identity keys. Stitching merges every customer who shares a key, so a
 * junk value ("null", an all-zero advertising id, test@…) would merge strangers into one giant
 * customer. Such values are never keys; the ETL's hub guard catches the junk no list foresees.
 */
const JUNK = new Set([
  '',
  'null',
  'undefined',
  'nil',
  'none',
  'nan',
  'n/a',
  'na',
  '-',
  '0',
  'anonymous',
  'anon',
  'unknown',
  'guest',
  'test',
  'user',
  'default',
  '[object object]',
]);
/** All-zero IDFA / GAID (limit-ad-tracking devices all report this one value). */
const ZERO_ID = /^[0-]+$/;
const JUNK_EMAIL_LOCAL =
  /^(?:test|testing|tester|null|none|noreply|no-reply|donotreply|do-not-reply|email|user|foo|asdf|abc|xxx|anonymous|unknown|fake)$/;
const JUNK_EMAIL_DOMAIN = /^(?:test\.com|test\.test|mailinator\.com|fake\.com|invalid|localhost|email\.com)$/;

export function isJunkIdentityValue(type: IdentityKey['type'] | 'email' | 'phone', value: string): boolean {
  const v = value.trim().toLowerCase();
  if (JUNK.has(v)) return true;
  if ((type === 'advertising_id' || type === 'device_id') && ZERO_ID.test(v)) return true;
  if (type === 'email') {
    const at = v.lastIndexOf('@');
    if (at <= 0) return true;
    return JUNK_EMAIL_LOCAL.test(v.slice(0, at)) || JUNK_EMAIL_DOMAIN.test(v.slice(at + 1));
  }
  if (type === 'phone')
    return v.replace(/\D/g, '').replace(/^0+/, '').length < 6 || /^(\d)\1+$/.test(v.replace(/\D/g, ''));
  return false;
}
