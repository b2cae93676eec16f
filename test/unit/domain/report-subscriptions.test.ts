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
    ['null', 'null', 'subs.json: expected {"signingKey"'],
    [
      'a key one short',
      doc([], { signingKey: 'k'.repeat(31) }),
      '/signingKey must be a string of 32 or more',
    ],
    ['a key that is not text', doc([], { signingKey: 4.2e40 }), '/signingKey must be'],
    [
      'a URL with a scheme before it',
      doc([], { unsubscribeUrl: 'javascript:https://x.example/u' }),
      '/unsubscribeUrl must be',
    ],
    ['a URL that is not text', doc([], { unsubscribeUrl: 42 }), '/unsubscribeUrl must be'],
    [
      'subscriptions that are not a list',
      doc([], { subscriptions: { id: 'a' } }),
      '/subscriptions must be a list',
    ],
    ['an entry that is not an object', doc(['ops@shop.example']), '/subscriptions/0 must be an object'],
    ['an entry that is a list', doc([['a']]), '/subscriptions/0 must be an object'],
    ['an entry that is null', doc([null]), '/subscriptions/0 must be an object'],
    [
      'an unknown field in an entry',
      doc([{ id: 'a', report: 'daily', email: 'a@b.c', to: 'x' }]),
      '/subscriptions/0/to is not a known field',
    ],
    [
      'filters that are a list',
      doc([{ id: 'a', report: 'daily', email: 'a@b.c', filters: ['segment'] }]),
      '/subscriptions/0/filters must be an object',
    ],
    [
      'filters that are text',
      doc([{ id: 'a', report: 'daily', email: 'a@b.c', filters: 'segment=a' }]),
      '/subscriptions/0/filters must be an object',
    ],
    [
      'a filter value too long',
      doc([{ id: 'a', report: 'daily', email: 'a@b.c', filters: { segment: 'x'.repeat(201) } }]),
      '/subscriptions/0/filters/segment must be a string of 1-200',
    ],
    [
      'a filter value that is a number',
      doc([{ id: 'a', report: 'daily', email: 'a@b.c', filters: { segment: 7 } }]),
      '/subscriptions/0/filters/segment must be a string',
    ],
    [
      'a webhook that is not http',
      doc([{ id: 'a', report: 'daily', webhook: 'ftp://x.example/h', secret: 's'.repeat(16) }]),
      '/subscriptions/0/webhook must be an http(s) URL',
    ],
    [
      'a webhook with a space',
      doc([{ id: 'a', report: 'daily', webhook: 'https://x.example/a b', secret: 's'.repeat(16) }]),
      '/subscriptions/0/webhook must be',
    ],
    [
      'a webhook that is not text',
      doc([{ id: 'a', report: 'daily', webhook: 5, secret: 's'.repeat(16) }]),
      '/subscriptions/0/webhook must be',
    ],
    [
      'a webhook after other text',
      doc([{ id: 'a', report: 'daily', webhook: 'see https://x.example', secret: 's'.repeat(16) }]),
      '/subscriptions/0/webhook must be',
    ],
    [
      'a webhook secret one short',
      doc([{ id: 'a', report: 'daily', webhook: 'https://x.example', secret: 's'.repeat(15) }]),
      '/subscriptions/0/secret a webhook needs',
    ],
    [
      'an id that is a number',
      doc([{ id: 7, report: 'daily', email: 'a@b.c' }]),
      '/subscriptions/0/id must be',
    ],
    [
      'an email that is a list',
      doc([{ id: 'a', report: 'daily', email: ['a@b.c'] }]),
      '/subscriptions/0/email must be',
    ],
    ['a sender that is a list', doc([], { sender: ['a@b.c'] }), '/sender must be'],
  ])('refuses %s, naming where and why', (_what, text, message) => {
    expect(refusal(text)).toContain(message);
  });

  it('accepts the limits themselves: a 32-character key, a 16-character secret, a 200-character filter, a plain http webhook (a receiver on loopback)', () => {
    const c = parseSubscriptions(
      doc(
        [
          {
            id: 'a',
            report: 'daily',
            webhook: 'http://127.0.0.1:8080/h',
            secret: 's'.repeat(16),
            filters: { country: 'x'.repeat(200) },
          },
        ],
        { signingKey: 'k'.repeat(32) },
      ),
      'subs.json',
    );
    expect(c.subscriptions[0]?.webhook).toBe('http://127.0.0.1:8080/h');
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
    // Runs of other characters become one "_"; a long value is cut at 40 (the hash tells them apart).
    expect(filtersKey({ segment: 'needs  attention/now' })).toMatch(
      /^segment-needs_attention_now-[0-9a-f]{8}$/,
    );
    expect(filtersKey({ segment: 'y'.repeat(100) })).toMatch(
      new RegExp(`^segment-${'y'.repeat(40)}-[0-9a-f]{8}$`),
    );
    expect(filtersKey({ segment: `${'y'.repeat(40)}a` })).not.toBe(
      filtersKey({ segment: `${'y'.repeat(40)}b` }),
    );
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
