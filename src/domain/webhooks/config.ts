import { createHash } from 'node:crypto';
import { isIPv4 } from 'node:net';
import { WEBHOOK_SOURCE_NAMES } from '../../sources';
import { ConfigError } from '../errors';
import { safeEqual } from './signatures';

/**
 * The webhook secret (Secrets Manager JSON in AWS, local config embedded), documented in
 * docs/webhooks.md:
 * {
 *   "stripe": ["whsec_…"], "shopify": ["…"], "zendesk": ["…"], "hubspot": ["…"],
 *   "sendgrid": ["<the Signed Event Webhook's verification key, base64>"],
 *   "postbacks": { "appsflyer": { "tokens": ["<sha256 hex of token>"], "allowIps": ["203.0.113.0/24"] } }
 * }
 * Several secrets per provider are accepted during rotation.
 */
/** The webhook sources (src/sources): each has a list of secrets (or verification keys) here. */
export const WEBHOOK_PROVIDERS: readonly string[] = WEBHOOK_SOURCE_NAMES;
export type WebhookProvider = string;
export const POSTBACK_NETWORKS = ['appsflyer', 'adjust', 'generic'] as const;

export interface WebhookSecrets {
  providers: Partial<Record<WebhookProvider, string[]>>;
  postbacks: Record<string, { tokens: string[]; allowIps?: string[] }>;
}

export function parseWebhookSecrets(json: string, name: string): WebhookSecrets {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (err) {
    throw new ConfigError(`webhook secret ${name} is not JSON`, { cause: err });
  }
  if (typeof raw !== 'object' || raw === null)
    throw new ConfigError(`webhook secret ${name} must be a JSON object`);
  const r = raw as Record<string, unknown>;
  const providers: WebhookSecrets['providers'] = {};
  for (const p of WEBHOOK_PROVIDERS) {
    const v = r[p];
    if (v === undefined) continue;
    const list = Array.isArray(v) ? v : [v];
    if (!list.every((s) => typeof s === 'string' && s.length > 0)) {
      throw new ConfigError(`webhook secret ${name}: "${p}" must be a string or a list of strings`);
    }
    providers[p] = list as string[];
  }
  const postbacks: WebhookSecrets['postbacks'] = {};
  for (const [network, cfg] of Object.entries((r.postbacks ?? {}) as Record<string, unknown>)) {
    const c = cfg as { tokens?: unknown; allowIps?: unknown };
    if (!Array.isArray(c.tokens) || !c.tokens.every((t) => typeof t === 'string')) {
      throw new ConfigError(
        `webhook secret ${name}: postbacks.${network}.tokens must be a list of sha256 hex strings`,
      );
    }
    postbacks[network] = {
      tokens: c.tokens as string[],
      ...(Array.isArray(c.allowIps) ? { allowIps: c.allowIps as string[] } : {}),
    };
  }
  return { providers, postbacks };
}

export const sha256Hex = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

/** Checks a postback token against the stored hashes in constant time per candidate. */
export function tokenMatches(token: string, hashes: string[]): boolean {
  const h = sha256Hex(token);
  let ok = false;
  for (const candidate of hashes) ok = safeEqual(h, candidate.toLowerCase()) || ok;
  return ok;
}

function ipv4ToInt(ip: string): number {
  return ip.split('.').reduce((acc, o) => (acc << 8) + Number(o), 0) >>> 0;
}

/** True when `ip` is in one of the CIDR blocks (IPv4) or equals an entry (any family). */
export function ipAllowed(ip: string, allow: string[]): boolean {
  const v = ip.replace(/^::ffff:/, '');
  for (const entry of allow) {
    const [net, bits] = entry.split('/');
    if (!net) continue;
    if (bits === undefined) {
      if (net === v) return true;
      continue;
    }
    if (!isIPv4(net) || !isIPv4(v)) continue;
    const n = Number(bits);
    const mask = n === 0 ? 0 : (~0 << (32 - n)) >>> 0;
    if ((ipv4ToInt(net) & mask) === (ipv4ToInt(v) & mask)) return true;
  }
  return false;
}
