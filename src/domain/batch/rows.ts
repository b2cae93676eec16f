import { createHash } from 'node:crypto';
import { optIn } from '../consent';
import type { FieldProblem } from '../errors';
import { parseInstant } from '../instant';
import { normalizeCurrency } from '../money';
import { own } from '../own';

/**
 * Batch file rows → validated payloads per kind. Each kind has canonical field names; a file's
 * columns map onto them by default names or by an explicit `--mapping column=field` list.
 * A row that fails is reported with its line, field and rule, never silently dropped.
 */
export const BATCH_KINDS = ['orders', 'crm', 'tickets', 'social'] as const;
export type BatchKind = (typeof BATCH_KINDS)[number];

interface FieldSpec {
  required?: boolean;
  type?: 'string' | 'number' | 'decimal' | 'currency' | 'date' | 'email' | 'products' | 'optIn';
  /** Default column names that map to this field (lower-case). */
  aliases: string[];
  enum?: string[];
}

export const FIELDS: Record<BatchKind, Record<string, FieldSpec>> = {
  orders: {
    order_id: { aliases: ['order_id', 'orderid', 'id'] },
    customer_id: { required: true, aliases: ['customer_id', 'customerid', 'user_id', 'userid'] },
    email: { type: 'email', aliases: ['email', 'customer_email'] },
    ordered_at: { required: true, type: 'date', aliases: ['ordered_at', 'order_date', 'date', 'created_at'] },
    amount: { required: true, type: 'decimal', aliases: ['amount', 'total', 'dollar_value', 'total_price'] },
    // Required: a file without a currency column needs an explicit default (--currency).
    currency: { required: true, type: 'currency', aliases: ['currency'] },
    items: { type: 'number', aliases: ['items', 'quantity', 'number_of_cds', 'item_count'] },
    // The order's lines, "|"-separated, each "product id@unit price" (in the order's currency);
    // a unit bought twice is listed twice: "CD-12@14.99|CD-7@9.50|CD-7@9.50".
    products: { type: 'products', aliases: ['products', 'product_ids', 'skus'] },
  },
  crm: {
    contact_id: { required: true, aliases: ['contact_id', 'contactid', 'id', 'customerid'] },
    customer_id: { aliases: ['customer_id', 'user_id', 'userid'] },
    email: { type: 'email', aliases: ['email'] },
    first_name: { aliases: ['first_name', 'firstname'] },
    last_name: { aliases: ['last_name', 'lastname'] },
    country: { aliases: ['country'] },
    lifecycle_stage: { aliases: ['lifecycle_stage', 'lifecyclestage', 'stage'] },
    updated_at: { type: 'date', aliases: ['updated_at', 'modified_at', 'created_at'] },
    // The CRM's marketing opt-in (yes/no/true/false/subscribed/…, src/domain/consent.ts optIn);
    // empty: nothing stated.
    marketing_opt_in: {
      type: 'optIn',
      aliases: ['marketing_opt_in', 'marketing_consent', 'opt_in', 'accepts_marketing', 'email_opt_in'],
    },
  },
  tickets: {
    ticket_id: { required: true, aliases: ['ticket_id', 'id'] },
    customer_id: { aliases: ['customer_id', 'user_id', 'requester_id'] },
    email: { type: 'email', aliases: ['email', 'requester_email'] },
    created_at: { required: true, type: 'date', aliases: ['created_at', 'date'] },
    status: { aliases: ['status'], enum: ['new', 'open', 'pending', 'hold', 'solved', 'closed'] },
    priority: { aliases: ['priority'] },
    subject: { aliases: ['subject'] },
    satisfaction: { aliases: ['satisfaction', 'csat'], enum: ['good', 'bad', 'offered', 'unoffered'] },
  },
  social: {
    mention_id: { required: true, aliases: ['mention_id', 'tweet_id', 'id'] },
    platform: { aliases: ['platform'] },
    text: { required: true, aliases: ['text', 'body'] },
    sentiment: {
      required: true,
      aliases: ['sentiment', 'airline_sentiment'],
      enum: ['positive', 'neutral', 'negative'],
    },
    confidence: { type: 'number', aliases: ['confidence', 'airline_sentiment_confidence'] },
    handle: { aliases: ['handle', 'name', 'user'] },
    topic: { aliases: ['topic', 'airline', 'negativereason'] },
    created_at: { required: true, type: 'date', aliases: ['created_at', 'tweet_created'] },
  },
};

/** Excel serial day numbers (e.g. 42059.48) and YYYYMMDD are dates too (real exports use both). */
export function parseDate(v: string): string | null {
  const s = v.trim();
  if (/^\d{8}$/.test(s)) return `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}T00:00:00.000Z`;
  if (/^\d{5}(\.\d+)?$/.test(s)) {
    const ms = Math.round((Number(s) - 25569) * 86400_000);
    return new Date(ms).toISOString();
  }
  const t = parseInstant(s);
  return t === null ? null : new Date(t).toISOString();
}

export function columnMap(
  kind: BatchKind,
  header: string[],
  overrides: Record<string, string> = {},
): Map<number, string> {
  const fields = FIELDS[kind];
  const map = new Map<number, string>();
  header.forEach((h, i) => {
    const name = h.trim().toLowerCase();
    const explicit = own(overrides, h.trim()) ?? own(overrides, name);
    if (explicit) {
      map.set(i, explicit);
      return;
    }
    for (const [field, spec] of Object.entries(fields)) {
      if (spec.aliases.includes(name) && ![...map.values()].includes(field)) {
        map.set(i, field);
        return;
      }
    }
  });
  return map;
}

export function validateRow(
  kind: BatchKind,
  values: Record<string, string>,
): { ok: true; payload: Record<string, string | number> } | { ok: false; problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  const payload: Record<string, string | number> = {};
  for (const [field, spec] of Object.entries(FIELDS[kind])) {
    const raw = values[field]?.trim() ?? '';
    if (raw === '') {
      if (spec.required) problems.push({ field, rule: 'required', message: `${field} is required` });
      continue;
    }
    if (spec.type === 'number') {
      const n = Number(raw.replace(/^\$/, ''));
      if (!Number.isFinite(n))
        problems.push({ field, rule: 'type', message: `${field} must be a number, got "${raw}"` });
      else payload[field] = n;
    } else if (spec.type === 'decimal') {
      // Kept as text: money is converted to minor units exactly, never through a double.
      const d = raw.replace(/^\$/, '').replace(/,/g, '');
      if (!/^-?\d+(\.\d+)?$/.test(d))
        problems.push({ field, rule: 'type', message: `${field} must be a decimal amount, got "${raw}"` });
      else payload[field] = d;
    } else if (spec.type === 'currency') {
      const c = normalizeCurrency(raw);
      if (!c)
        problems.push({ field, rule: 'enum', message: `${field} must be an ISO-4217 code, got "${raw}"` });
      else payload[field] = c;
    } else if (spec.type === 'date') {
      const d = parseDate(raw);
      if (!d) problems.push({ field, rule: 'format', message: `${field} must be a date, got "${raw}"` });
      else payload[field] = d;
    } else if (spec.type === 'products') {
      const lines = raw.split('|').map((p) => p.trim());
      const bad = lines.find((l) => !/^[^@\s]+@\d+(\.\d+)?$/.test(l));
      if (bad !== undefined)
        problems.push({
          field,
          rule: 'format',
          message: `${field} must be "product id@unit price" lines separated by "|", got "${bad}"`,
        });
      else payload[field] = lines.join('|');
    } else if (spec.type === 'optIn') {
      if (optIn(raw) === null)
        problems.push({
          field,
          rule: 'enum',
          message: `${field} must be yes/no, true/false, 1/0 or subscribed/unsubscribed, got "${raw}"`,
        });
      else payload[field] = raw;
    } else if (spec.type === 'email') {
      if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(raw))
        problems.push({ field, rule: 'format', message: `${field} is not an email` });
      else payload[field] = raw;
    } else if (spec.enum) {
      const v = raw.toLowerCase();
      if (!spec.enum.includes(v))
        problems.push({ field, rule: 'enum', message: `${field} must be one of ${spec.enum.join(', ')}` });
      else payload[field] = v;
    } else payload[field] = raw;
  }
  return problems.length ? { ok: false, problems } : { ok: true, payload };
}

/** Deterministic event id for a row: same file content → same ids (idempotent re-ingest). */
export function rowEventId(kind: BatchKind, payload: Record<string, unknown>, occurrence: number): string {
  const h = createHash('sha256')
    .update(kind)
    .update(JSON.stringify(payload))
    .update(String(occurrence))
    .digest('hex');
  return `${kind}:${h.slice(0, 32)}`;
}
