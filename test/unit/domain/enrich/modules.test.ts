import { isIP } from 'node:net';
import { extractCampaign } from '../../../../src/domain/enrich/campaign';
import { anonymizeIp } from '../../../../src/domain/enrich/ip';
import { emptyFound, generalizePostcode, Pseudonymizer } from '../../../../src/domain/enrich/pii';
import { deriveEventTime } from '../../../../src/domain/enrich/time';
import { parseUserAgent, UserAgentCache } from '../../../../src/domain/enrich/useragent';

describe('user agent', () => {
  it.each([
    [
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148',
      { os: 'iOS', deviceType: 'mobile', isBot: false },
    ],
    [
      'Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1',
      { os: 'iOS', deviceType: 'tablet' },
    ],
    [
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
      { browser: 'Chrome', os: 'Windows', deviceType: 'desktop' },
    ],
    [
      'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
      { deviceType: 'bot', isBot: true },
    ],
    ['curl/8.4.0', { isBot: true }],
  ])('%s', (ua, expected) => {
    expect(parseUserAgent(ua)).toMatchObject(expected);
  });

  it('caches repeated user agents and evicts the least recently used', () => {
    const cache = new UserAgentCache(2);
    cache.lookup('a/1');
    cache.lookup('b/1');
    cache.lookup('a/1');
    cache.lookup('c/1'); // evicts b
    cache.lookup('b/1');
    expect({ hits: cache.hits, misses: cache.misses }).toEqual({ hits: 1, misses: 4 });
  });
});

describe('IP anonymization', () => {
  it.each([
    ['203.0.113.77', '203.0.113.0'],
    ['::ffff:198.51.100.9', '198.51.100.0'],
    ['2001:db8:85a3:8d3:1319:8a2e:370:7348', '2001:db8:85a3::'],
    ['2001:db8::1', '2001:db8:0::'],
    ['not an ip', null],
    ['', null],
  ])('%s → %s', (ip, expected) => {
    expect(anonymizeIp(ip)).toBe(expected);
  });
});

describe('campaign', () => {
  it('reads UTM parameters and click ids from the page URL and classifies the referrer', () => {
    const c = extractCampaign({
      page: {
        url: 'https://shop.example/x?utm_source=fb&utm_medium=paid_social&utm_campaign=spring&fbclid=F1',
        referrer: 'https://m.facebook.com/',
      },
    });
    expect(c).toMatchObject({
      source: 'fb',
      medium: 'paid_social',
      name: 'spring',
      clickIdType: 'fbclid',
      clickId: 'F1',
      referrerClass: 'paid',
    });
  });

  it.each([
    ['https://www.google.com/search?q=x', 'search'],
    ['https://t.co/abc', 'social'],
    ['https://www.linkedin.com/feed', 'social'],
    ['https://shop.example/cart', 'internal'],
    ['https://mail.google.com/mail/u/0', 'email'],
    ['https://blog.example.org/post', 'other'],
  ])('referrer %s is %s', (referrer, cls) => {
    expect(extractCampaign({ page: { url: 'https://shop.example/', referrer } })?.referrerClass).toBe(cls);
  });

  it('no referrer and no campaign is direct; context.campaign wins over the URL', () => {
    expect(extractCampaign({ page: { url: 'https://shop.example/' } })?.referrerClass).toBe('direct');
    expect(
      extractCampaign({
        campaign: { source: 'newsletter', medium: 'email' },
        page: { url: 'https://shop.example/?utm_source=x' },
      }),
    ).toMatchObject({
      source: 'newsletter',
      referrerClass: 'email',
    });
    expect(extractCampaign({})).toBeNull();
  });
});

describe('event time', () => {
  const received = '2026-01-01T10:00:00.000Z';
  it('corrects the client clock offset: receivedAt - (sentAt - originalTimestamp)', () => {
    // Client clock 1 h fast: it says it sent at 11:00 an event it recorded at 10:59.
    expect(
      deriveEventTime(
        {
          originalTimestamp: '2026-01-01T10:59:00.000Z',
          sentAt: '2026-01-01T11:00:00.000Z',
          receivedAt: received,
        },
        3600_000,
      ),
    ).toEqual({ timestamp: '2026-01-01T09:59:00.000Z', futureClamped: false, late: false });
  });
  it('clamps the future and flags late arrivals', () => {
    expect(
      deriveEventTime(
        { originalTimestamp: '2026-01-02T00:00:00Z', sentAt: null, receivedAt: received },
        3600_000,
      ),
    ).toEqual({
      timestamp: received,
      futureClamped: true,
      late: false,
    });
    expect(
      deriveEventTime(
        { originalTimestamp: '2025-12-31T00:00:00Z', sentAt: null, receivedAt: received },
        3600_000,
      ).late,
    ).toBe(true);
    expect(
      deriveEventTime({ originalTimestamp: null, sentAt: null, receivedAt: received }, 1).timestamp,
    ).toBe(received);
  });
});

describe('PII pseudonymization', () => {
  it('tokenizes PII under a "__proto__" key sent as data (kept as data, never dropped or left clear)', () => {
    const p0 = new Pseudonymizer('a-test-key-of-enough-length');
    const sent = JSON.parse('{"a":"x","__proto__":"ada@example.com","b":{"__proto__":"+44 20 7946 0958"}}');
    const out = p0.scrub(sent, emptyFound());
    const text = JSON.stringify(out);
    expect(text).not.toContain('ada@example.com');
    expect(text).toContain(`"__proto__":"${p0.email('ada@example.com').token}"`);
    expect(text).toContain(`"__proto__":"${p0.phone('+44 20 7946 0958').token}"`);
    expect(Object.keys(out as object)).toEqual(['a', '__proto__', 'b']);
  });

  it('generalizes an IP in any value, whatever form isIP accepts; version strings and host names stay', () => {
    const p0 = new Pseudonymizer('a-test-key-of-enough-length');
    const values = {
      v4: '203.0.113.77',
      mapped: '::FFFF:198.51.100.9',
      v6: '2001:db8:85a3:8d3:1319:8a2e:370:7348',
      zoned: 'fe80::1ff:fe23:4567:890a%eth2',
      version: '5.2.0',
      host: 'analytics.js',
      time: '10:30',
    };
    const out = p0.scrub(values, emptyFound()) as Record<string, string>;
    for (const [k, v] of Object.entries(values)) {
      const ip = isIP(v.replace(/^::ffff:/i, '')) !== 0;
      // An IP comes back as its network (anonymizeIp), anything else exactly as sent.
      expect([k, out[k]]).toEqual([k, ip ? anonymizeIp(v) : v]);
    }
    expect(Object.keys(values).filter((k) => out[k] !== values[k as keyof typeof values])).toEqual([
      'v4',
      'mapped',
      'v6',
      'zoned',
    ]);
  });

  it('copies on write: a value without PII comes back as the same object, one with PII as a copy (the input untouched)', () => {
    const p0 = new Pseudonymizer('a-test-key-of-enough-length');
    const clean = {
      type: 'track',
      properties: { name: 'Shirt', tags: ['a', 'b'], nested: { url: 'https://shop.example/x?y=1' } },
      context: { ip: '81.2.69.160' },
    };
    const same = p0.scrub(clean.properties, emptyFound());
    expect(same).toBe(clean.properties);
    // An IP anywhere is generalized: only the objects on its path are copied.
    const withIp = p0.scrub(clean, emptyFound()) as typeof clean;
    expect(withIp).not.toBe(clean);
    expect(withIp.context).toEqual({ ip: '81.2.69.0' });
    expect(withIp.properties).toBe(clean.properties);
    expect(clean.context.ip).toBe('81.2.69.160');
    const list = ['x', 'ada@example.com', 'y'];
    const scrubbed = p0.scrub(list, emptyFound()) as string[];
    expect(scrubbed).toEqual(['x', p0.email('ada@example.com').token, 'y']);
    expect(list[1]).toBe('ada@example.com');
    // A bare name is the person's only inside traits.
    expect(p0.scrub({ name: 'Ada Lovelace' }, emptyFound())).toEqual({ name: 'Ada Lovelace' });
    expect(p0.scrub({ name: 'Ada Lovelace' }, emptyFound(), 'traits', 0, true)).not.toEqual({
      name: 'Ada Lovelace',
    });
    // Nothing in an empty traits object to replace.
    expect(p0.scrub({ traits: {} }, emptyFound(), '', 0, true)).toEqual({ traits: {} });
    expect(generalizePostcode(' sw1a 1aa ')).toBe('SW1A');
    expect(generalizePostcode('94103')).toBe('941');
  });

  const p = new Pseudonymizer('a-test-key-of-enough-length');
  it('replaces emails and phones anywhere, keeps the domain, is stable and keyed', () => {
    const found = emptyFound();
    const out = p.scrub(
      {
        contact: { Email: 'Ada@Example.com', mobile: '07700 900123' },
        notes: ['mail ada@example.com or +44 7700 900123'],
        n: 5,
      },
      found,
    ) as { contact: { Email: string; mobile: string }; notes: string[]; n: number };
    expect(out.contact.Email).toBe(`${p.hash('ada@example.com')}@example.com`);
    expect(out.notes[0]).toBe(
      `mail ${p.hash('ada@example.com')}@example.com or phone:${p.hash('+447700900123')}`,
    );
    expect(out.contact.mobile).toBe(`phone:${p.hash('07700900123')}`);
    expect(out.n).toBe(5);
    expect([...found.emailHashes]).toEqual([p.hash('ada@example.com')]);
    expect(new Pseudonymizer('another-key-of-enough-length').hash('x')).not.toBe(p.hash('x'));
  });
  it('leaves ids, amounts and already-pseudonymized values alone', () => {
    const found = emptyFound();
    const token = `${p.hash('a@b.co')}@b.co`;
    expect(p.scrub({ orderId: '100234567', amount: 1999, email: token, date: '2026-01-01' }, found)).toEqual({
      orderId: '100234567',
      amount: 1999,
      email: token,
      date: '2026-01-01',
    });
  });
  it('refuses a short key', () => {
    expect(() => new Pseudonymizer('short')).toThrow('at least 16 bytes');
  });
});

describe('phone numbers written the national way in free text (libphonenumber)', () => {
  const p = new Pseudonymizer('0123456789abcdef0123456789abcdef');

  it('tokenizes them in comments and notes like the same number in E.164, and leaves ids and amounts alone', () => {
    const found = emptyFound();
    const out = p.scrub(
      {
        comment: 'Please call me at (415) 555-0132 or 415.555.2671 about order 12345678, total 1234567890',
        orderId: '4155550132',
      },
      found,
    ) as { comment: string; orderId: string };
    expect(out.comment).not.toMatch(/555-0132|555\.2671/);
    expect(out.comment).toContain(p.phone('+1 415 555 0132').token);
    expect(out.comment).toContain('order 12345678, total 1234567890');
    expect(out.orderId).toBe('4155550132'); // an id field, not free text
    expect(found.clear.map((c) => c.value)).toEqual(
      expect.arrayContaining(['(415) 555-0132', '415.555.2671']),
    );
  });
});
