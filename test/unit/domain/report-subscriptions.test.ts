import { createHmac } from 'node:crypto';
import {
  filtersKey,
  isDue,
  parseSubscriptions,
  unsubscribeLink,
  unsubscribeToken,
  verifyUnsubscribeToken,
} from '../../../src/domain/report-subscriptions';

const KEY = 'k'.repeat(40);
const doc = (subscriptions: unknown[], extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    signingKey: KEY,
    sender: 'reports@shop.example',
    unsubscribeUrl: 'https://api.shop.example/reports/unsubscribe',
    subscriptions,
    ...extra,
  });
const refusal = (text: string, defaults = {}) => {
  try {
    parseSubscriptions(text, 'subs.json', defaults);
  } catch (err) {
    return (err as Error).message;
  }
  return 'accepted';
};

describe('report subscriptions', () => {
  it('reads email and webhook subscriptions with their filters', () => {
    const c = parseSubscriptions(
      doc([
        { id: 'ops', report: 'daily', email: 'ops@shop.example' },
        {
          id: 'sales_1',
          report: 'weekly',
          filters: { segment: 'champions', country: 'GB' },
          webhook: 'https://hooks.example/c360',
          secret: 's'.repeat(16),
        },
      ]),
      'subs.json',
    );
    expect(c.subscriptions.map((s) => [s.id, s.report, s.email ?? s.webhook, s.filters])).toEqual([
      ['ops', 'daily', 'ops@shop.example', undefined],
      ['sales_1', 'weekly', 'https://hooks.example/c360', { segment: 'champions', country: 'GB' }],
    ]);
  });

  it('takes sender and unsubscribe URL from the defaults when the document leaves them out (AWS)', () => {
    const c = parseSubscriptions(JSON.stringify({ signingKey: KEY, subscriptions: [] }), 'secret', {
      sender: 'r@x.example',
      unsubscribeUrl: 'https://api.x.example/reports/unsubscribe',
    });
    expect([c.sender, c.unsubscribeUrl]).toEqual([
      'r@x.example',
      'https://api.x.example/reports/unsubscribe',
    ]);
    // The document wins over a default.
    expect(parseSubscriptions(doc([]), 'secret', { sender: 'other@x.example' }).sender).toBe(
      'reports@shop.example',
    );
  });

  it.each([
    ['not JSON', '{', 'subs.json is not JSON'],
    ['a list', '[]', 'subs.json: expected {"signingKey"'],
    ['a short key', doc([], { signingKey: 'short' }), '/signingKey must be a string of 32 or more'],
    [
      'a header in the sender',
      doc([], { sender: 'a@b.example\r\nBcc: x@y' }),
      '/sender must be one email address',
    ],
    ['a query in the URL', doc([], { unsubscribeUrl: 'https://x.example/u?a=1' }), '/unsubscribeUrl must be'],
    ['an unknown field', doc([], { senders: 'x' }), '/senders is not a known field'],
    ['a bad id', doc([{ id: 'a b', report: 'daily', email: 'a@b.c' }]), '/subscriptions/0/id must be 1-64'],
    [
      'an id twice',
      doc([
        { id: 'a', report: 'daily', email: 'a@b.c' },
        { id: 'a', report: 'weekly', email: 'a@b.c' },
      ]),
      '/subscriptions/1/id a is used twice',
    ],
    [
      'a monthly report',
      doc([{ id: 'a', report: 'monthly', email: 'a@b.c' }]),
      '/subscriptions/0/report must be',
    ],
    ['no destination', doc([{ id: 'a', report: 'daily' }]), '/subscriptions/0 needs either "email"'],
    [
      'both destinations',
      doc([{ id: 'a', report: 'daily', email: 'a@b.c', webhook: 'https://x', secret: 's'.repeat(16) }]),
      '/subscriptions/0 needs either',
    ],
    [
      'two addresses',
      doc([{ id: 'a', report: 'daily', email: 'a@b.c, d@e.f' }]),
      '/subscriptions/0/email must be',
    ],
    [
      'a webhook without its secret',
      doc([{ id: 'a', report: 'daily', webhook: 'https://x.example' }]),
      '/subscriptions/0/secret a webhook needs a secret',
    ],
    [
      'a secret on an email',
      doc([{ id: 'a', report: 'daily', email: 'a@b.c', secret: 's'.repeat(16) }]),
      '/subscriptions/0/secret is for a webhook',
    ],
    [
      'an unknown filter',
      doc([{ id: 'a', report: 'daily', email: 'a@b.c', filters: { channel: 'web' } }]),
      '/subscriptions/0/filters/channel is not a filter (segment, country, source)',
    ],
    [
      'an empty filter value',
      doc([{ id: 'a', report: 'daily', email: 'a@b.c', filters: { segment: '' } }]),
      '/subscriptions/0/filters/segment must be a string of 1-200',
    ],
  ])('refuses %s, naming where and why', (_what, text, message) => {
    expect(refusal(text)).toContain(message);
  });

  it('signs unsubscribe links per subscription: only the whole token of that subscription verifies', () => {
    const t = unsubscribeToken(KEY, 'ops');
    // An independent computation of the same HMAC.
    expect(t).toBe(createHmac('sha256', KEY).update('unsubscribe:ops').digest('base64url'));
    expect(verifyUnsubscribeToken(KEY, 'ops', t)).toBe(true);
    expect(verifyUnsubscribeToken(KEY, 'sales', t)).toBe(false);
    expect(verifyUnsubscribeToken('x'.repeat(40), 'ops', t)).toBe(false);
    expect(verifyUnsubscribeToken(KEY, 'ops', t.slice(0, -1))).toBe(false);
    expect(verifyUnsubscribeToken(KEY, 'ops', '')).toBe(false);
    const link = new URL(unsubscribeLink(parseSubscriptions(doc([]), 's'), 'ops&x'));
    expect([link.origin + link.pathname, link.searchParams.get('s'), link.searchParams.get('t')]).toEqual([
      'https://api.shop.example/reports/unsubscribe',
      'ops&x',
      unsubscribeToken(KEY, 'ops&x'),
    ]);
  });

  it('keys a filter set readably, and never two different sets alike', () => {
    expect(filtersKey(undefined)).toBe('');
    expect(filtersKey({})).toBe('');
    expect(filtersKey({ segment: 'champions' })).toMatch(/^segment-champions-[0-9a-f]{8}$/);
    // The order given does not matter; the filter order is fixed.
    expect(filtersKey({ source: 'stripe', segment: 'a' })).toBe(
      filtersKey({ segment: 'a', source: 'stripe' }),
    );
    expect(filtersKey({ source: 'stripe', segment: 'a' })).toMatch(/^segment-a-source-stripe-/);
    // Values that read alike in a file name are still two files.
    expect(filtersKey({ segment: 'a b' })).not.toBe(filtersKey({ segment: 'a_b' }));
  });

  it('delivers the daily summary every day and the weekly digest on Sundays (UTC)', () => {
    // 2026-11-29 is a Sunday; the days around it are not.
    expect(['2026-11-28', '2026-11-29', '2026-11-30'].map((d) => isDue('weekly', d))).toEqual([
      false,
      true,
      false,
    ]);
    expect(['2026-11-28', '2026-11-29', '2026-11-30'].map((d) => isDue('daily', d))).toEqual([
      true,
      true,
      true,
    ]);
  });
});
