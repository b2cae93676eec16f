import { createRng, type Rng } from './random';

/**
 * The embedded demo's multi-channel sample, generated around the real CDNOW purchase log
 * (data/sample/cdnow_sample.txt): web and mobile sessions before real purchase days, identify
 * calls, Stripe / Zendesk / HubSpot webhooks, AppsFlyer install postbacks and a CRM export, all
 * for the same people under different identifiers, so the identity graph has real work to do.
 * Deterministic for a seed.
 */
export interface CdnowPurchase {
  customer: string;
  day: string; // YYYY-MM-DD
}

export interface DemoSample {
  segment: { writeKey: string; batch: Record<string, unknown>[] }[];
  webhooks: { provider: 'stripe' | 'zendesk' | 'hubspot' | 'sendgrid'; body: string }[];
  postbacks: { network: 'appsflyer'; query: string }[];
  crmCsv: string;
  invalidSegment: Record<string, unknown>[];
}

const DOMAINS = ['gmail.com', 'yahoo.com', 'aol.com', 'hotmail.com', 'earthlink.net', 'cdnow-fans.org'];
export const FIRST = [
  'Ada',
  'Grace',
  'Alan',
  'Linus',
  'Barbara',
  'Ken',
  'Margaret',
  'Dennis',
  'Frances',
  'Edsger',
];
export const LAST = [
  'Lovelace',
  'Hopper',
  'Turing',
  'Torvalds',
  'Liskov',
  'Thompson',
  'Hamilton',
  'Ritchie',
  'Allen',
  'Dijkstra',
];
const REFERRERS = [
  'https://www.google.com/',
  'https://www.yahoo.com/',
  'https://t.co/x',
  'https://mail.google.com/',
  '',
  '',
];
const UAS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15',
  'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0',
];
const IOS_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148';
export const IPS = [
  '81.2.69.160',
  '8.8.8.8',
  '203.0.113.9',
  '88.198.1.1',
  '151.101.1.69',
  '2001:db8:85a3::8a2e:370:7334',
];

export function parseCdnowPurchases(text: string): CdnowPurchase[] {
  const out: CdnowPurchase[] = [];
  for (const line of text.split(/\r?\n/)) {
    const c = line.trim().split(/\s+/);
    if (c.length < 5 || !/^\d{8}$/.test(c[2] ?? '')) continue;
    const d = c[2] as string;
    out.push({
      customer: `cdnow-${Number(c[1])}`,
      day: `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}`,
    });
  }
  return out;
}

export const emailOf = (customer: string) => {
  const n = Number(customer.split('-')[1]);
  return `${(FIRST[n % FIRST.length] ?? 'x').toLowerCase()}.${n}@${DOMAINS[n % DOMAINS.length]}`;
};

/** The demo's street address and birthdate of a customer (PII the vault keeps, the lake never). */
export const streetOf = (n: number) => `${100 + (n % 900)} Market Street`;
export const birthdayOf = (n: number) =>
  `19${50 + (n % 45)}-${String(1 + (n % 12)).padStart(2, '0')}-${String(1 + (n % 28)).padStart(2, '0')}`;

const at = (day: string, rng: Rng, hour?: number) =>
  `${day}T${String(hour ?? rng.int(8, 22)).padStart(2, '0')}:${String(rng.int(0, 59)).padStart(2, '0')}:${String(rng.int(0, 59)).padStart(2, '0')}.000Z`;

export function generateDemoSample(
  purchases: CdnowPurchase[],
  opts: { seed: number; customers: number; writeKeys: { web: string; ios: string } },
): DemoSample {
  const rng = createRng(opts.seed);
  const byCustomer = new Map<string, string[]>();
  for (const p of purchases) byCustomer.set(p.customer, [...(byCustomer.get(p.customer) ?? []), p.day]);
  const chosen = [...byCustomer.keys()].slice(0, opts.customers);
  const web: Record<string, unknown>[] = [];
  const ios: Record<string, unknown>[] = [];
  const webhooks: DemoSample['webhooks'] = [];
  const postbacks: DemoSample['postbacks'] = [];
  const crm: string[] = [
    'contact_id,customer_id,email,first_name,last_name,country,lifecycle_stage,updated_at,marketing_opt_in',
  ];
  let msg = 0;
  const id = () => `demo-${opts.seed}-${++msg}`;

  for (const customer of chosen) {
    const n = Number(customer.split('-')[1]);
    const days = byCustomer.get(customer) ?? [];
    const mobile = rng.chance(0.3);
    const anon = `anon-${opts.seed}-${n}`;
    const email = emailOf(customer);
    const first = days[0] as string;
    const ua = mobile ? IOS_UA : rng.pick(UAS);
    const ip = rng.pick(IPS);
    const person: Person = { customer, n, days, mobile, anon, email, first, ua, ip };
    browse(person, rng, id, mobile ? ios : web);
    webhooks.push(
      ...stripeWebhooks(person, rng),
      ...zendeskWebhooks(person, rng),
      ...hubspotWebhooks(person, rng),
    );
    webhooks.push(...sendgridWebhooks(person));
    postbacks.push(...appsflyerPostbacks(person, rng));
    crm.push(...crmRows(person, rng));
  }
  // Deliberately bad input: the API rejects these with field-level reasons.
  const invalidSegment = [
    { type: 'track', userId: 'cdnow-1', messageId: id() },
    { type: 'launch', userId: 'cdnow-1', messageId: id() },
    { type: 'page', messageId: id(), name: 'Home' },
  ];
  const chunk = (events: Record<string, unknown>[], key: string) => {
    const out: { writeKey: string; batch: Record<string, unknown>[] }[] = [];
    for (let i = 0; i < events.length; i += 100) out.push({ writeKey: key, batch: events.slice(i, i + 100) });
    return out;
  };
  return {
    segment: [...chunk(web, opts.writeKeys.web), ...chunk(ios, opts.writeKeys.ios)],
    webhooks,
    postbacks,
    crmCsv: `${crm.join('\n')}\n`,
    invalidSegment,
  };
}

/** One generated customer: who they are and the device and network they use. */
interface Person {
  customer: string;
  n: number;
  days: string[];
  mobile: boolean;
  anon: string;
  email: string;
  first: string;
  ua: string;
  ip: string;
}

/**
 * Web or app browsing around each purchase day: album views (the first with the campaign of a
 * newsletter now and then), the product added, an identify on the first day, and most purchases
 * preceded by a visit a few days earlier (so daily conversion is a real ratio, not 1).
 */
/** A visitor's cookie-banner answer, from their number (Segment's consent object). */
const bannerConsent = (n: number) => ({
  categoryPreferences: { Marketing: n % 4 !== 0, Analytics: true, Advertising: n % 2 === 0 },
});

function browse(p: Person, rng: Rng, id: () => string, target: Record<string, unknown>[]): void {
  const { customer, n, days, mobile, anon, email, ua, ip } = p;
  // One in seven changes their mind on their last visit: marketing withdrawn (Segment's consent event).
  if (n % 7 === 0 && n % 5 !== 0 && n % 4 !== 0 && days.length > 1) {
    const last = days[days.length - 1] as string;
    target.push({
      type: 'track',
      event: 'Segment Consent Preference Updated',
      anonymousId: anon,
      userId: customer,
      messageId: id(),
      timestamp: `${last}T08:00:00.000Z`,
      context: {
        consent: { categoryPreferences: { ...bannerConsent(n).categoryPreferences, Marketing: false } },
      },
    });
  }
  for (const [i, day] of days.entries()) {
    const hour = rng.int(9, 21);
    const views = rng.int(1, 4);
    const referrer = rng.pick(REFERRERS);
    const utm = rng.chance(0.3)
      ? `?utm_source=newsletter&utm_medium=email&utm_campaign=${day.slice(0, 7)}`
      : '';
    for (let v = 0; v < views; v++) {
      const ts = `${day}T${String(hour).padStart(2, '0')}:${String(v * 7).padStart(2, '0')}:00.000Z`;
      const context = {
        ip,
        userAgent: ua,
        page: {
          url: `https://www.cdnow.example/album/${rng.int(1, 5000)}${v === 0 ? utm : ''}`,
          referrer: v === 0 ? referrer : 'https://www.cdnow.example/',
        },
        // The cookie banner's answer (Segment's consent object) on the first view, for 4 in 5.
        ...(i === 0 && v === 0 && n % 5 !== 0 ? { consent: bannerConsent(n) } : {}),
      };
      target.push(
        mobile
          ? {
              type: 'screen',
              name: 'Album',
              anonymousId: anon,
              userId: i > 0 ? customer : undefined,
              messageId: id(),
              timestamp: ts,
              context: { ...context, device: { id: `dev-${n}`, advertisingId: `idfa-${n}` } },
            }
          : {
              type: 'page',
              name: 'Album',
              anonymousId: anon,
              userId: i > 0 ? customer : undefined,
              messageId: id(),
              timestamp: ts,
              context,
            },
      );
    }
    target.push({
      type: 'track',
      event: 'Product Added',
      anonymousId: anon,
      userId: customer,
      messageId: id(),
      timestamp: `${day}T${String(hour).padStart(2, '0')}:30:00.000Z`,
      properties: { sku: `CD-${rng.int(1, 5000)}`, price: 14.99, currency: 'USD' },
      context: { ip, userAgent: ua },
    });
    if (i === 0) {
      target.push({
        type: 'identify',
        anonymousId: anon,
        userId: customer,
        messageId: id(),
        timestamp: `${day}T${String(hour).padStart(2, '0')}:31:00.000Z`,
        traits: {
          email,
          firstName: FIRST[n % FIRST.length],
          lastName: LAST[n % LAST.length],
          phone: `+1 415 555 ${String(1000 + (n % 9000))}`,
          address: { street: streetOf(n), city: 'San Francisco', postalCode: '94105', country: 'US' },
          birthday: birthdayOf(n),
        },
        context: { ip, userAgent: ua },
      });
    }
    // Browsing without buying: most purchases are preceded by a visit a few days earlier, so
    // active customers are not all buyers (daily conversion is a real ratio, not 1).
    if (rng.chance(0.7)) {
      const back = new Date(Date.parse(`${day}T00:00:00Z`) - rng.int(1, 6) * 86_400_000)
        .toISOString()
        .slice(0, 10);
      if (back >= '1997-01-01' && !days.includes(back)) {
        target.push({
          type: mobile ? 'screen' : 'page',
          name: 'Album',
          anonymousId: anon,
          userId: i > 0 ? customer : undefined,
          messageId: id(),
          timestamp: `${back}T${String(rng.int(9, 21)).padStart(2, '0')}:15:00.000Z`,
          context: {
            ip,
            userAgent: ua,
            page: {
              url: `https://www.cdnow.example/album/${rng.int(1, 5000)}`,
              referrer: rng.pick(REFERRERS),
            },
            ...(mobile ? { device: { id: `dev-${n}`, advertisingId: `idfa-${n}` } } : {}),
          },
        });
      }
    }
  }
}

/** Stripe: a quarter of the customers are club members (customer, charge, now and then a partial refund). */
function stripeWebhooks(p: Person, rng: Rng): DemoSample['webhooks'] {
  const { n, email, first } = p;
  const out: DemoSample['webhooks'] = [];
  const created = Math.floor(Date.parse(`${first}T12:00:00Z`) / 1000);
  if (rng.chance(0.25)) {
    out.push({
      provider: 'stripe',
      body: JSON.stringify({
        id: `evt_demo_cus_${n}`,
        object: 'event',
        type: 'customer.created',
        created,
        data: {
          object: {
            id: `cus_demo${n}`,
            object: 'customer',
            email,
            name: `${FIRST[n % FIRST.length]} ${LAST[n % LAST.length]}`,
          },
        },
      }),
    });
    out.push({
      provider: 'stripe',
      body: JSON.stringify({
        id: `evt_demo_ch_${n}`,
        object: 'event',
        type: 'charge.succeeded',
        created: created + 3600,
        data: {
          object: {
            id: `ch_demo${n}`,
            object: 'charge',
            amount: 1999,
            currency: 'usd',
            customer: `cus_demo${n}`,
            payment_intent: `pi_demo${n}`,
            description: 'CDNOW club membership',
          },
        },
      }),
    });
    if (rng.chance(0.15)) {
      // A partial refund, as Stripe reports it: the charge with its refunds list.
      out.push({
        provider: 'stripe',
        body: JSON.stringify({
          id: `evt_demo_rf_${n}`,
          object: 'event',
          type: 'charge.refunded',
          created: created + 7 * 86_400,
          data: {
            object: {
              id: `ch_demo${n}`,
              object: 'charge',
              amount: 1999,
              amount_refunded: 1000,
              currency: 'usd',
              customer: `cus_demo${n}`,
              payment_intent: `pi_demo${n}`,
              refunds: {
                object: 'list',
                data: [
                  {
                    id: `re_demo${n}`,
                    object: 'refund',
                    amount: 1000,
                    currency: 'usd',
                    status: 'succeeded',
                    created: created + 7 * 86_400,
                  },
                ],
              },
            },
          },
        }),
      });
    }
  }
  return out;
}

/** Zendesk: a ticket for some customers, solved and rated most of the time. */
function zendeskWebhooks(p: Person, rng: Rng): DemoSample['webhooks'] {
  const { n, email, first, days } = p;
  const out: DemoSample['webhooks'] = [];
  if (rng.chance(0.15)) {
    const solved = rng.chance(0.7);
    out.push({
      provider: 'zendesk',
      body: JSON.stringify({
        id: `zd-demo-${n}`,
        type: solved ? 'zen:event-type:ticket.status_changed' : 'zen:event-type:ticket.created',
        time: at(days.at(-1) ?? first, rng),
        detail: {
          id: String(10_000 + n),
          status: solved ? 'solved' : 'open',
          priority: rng.pick(['low', 'normal', 'high']),
          subject: rng.pick(['Where is my order?', 'Wrong CD shipped', 'Refund please', 'Great service!']),
          requester_id: String(90_000 + n),
          requester: { email },
          ...(solved ? { satisfaction_rating: { score: rng.pick(['good', 'good', 'bad']) } } : {}),
        },
      }),
    });
  }
  return out;
}

/** HubSpot: a contact created, then its email set, for a fifth of the customers. */
function hubspotWebhooks(p: Person, rng: Rng): DemoSample['webhooks'] {
  const { n, email, first } = p;
  const out: DemoSample['webhooks'] = [];
  if (rng.chance(0.2)) {
    const ms = Date.parse(`${first}T08:00:00Z`);
    out.push({
      provider: 'hubspot',
      body: JSON.stringify([
        {
          eventId: 500_000 + n * 2,
          subscriptionType: 'contact.creation',
          objectId: 70_000 + n,
          portalId: 42,
          occurredAt: ms,
        },
        {
          eventId: 500_001 + n * 2,
          subscriptionType: 'contact.propertyChange',
          objectId: 70_000 + n,
          portalId: 42,
          occurredAt: ms + 1000,
          propertyName: 'email',
          propertyValue: email,
        },
      ]),
    });
  }
  return out;
}

/** SendGrid's Event Webhook: the welcome email. */
function sendgridWebhooks(p: Person): DemoSample['webhooks'] {
  const { n, email, first, ua, ip } = p;
  const out: DemoSample['webhooks'] = [];
  // SendGrid: a third of the customers got the welcome email after their first purchase; some
  // opened it, fewer clicked. Chosen by the customer number, not the generator, so the rest of
  // the sample stays as it was.
  const mix = Math.imul(n, 2654435761) >>> 0;
  if (mix % 3 === 0) {
    const sent = Date.parse(`${first}T09:00:00Z`) / 1000 + 86_400;
    const messageId = `demo-welcome-${n}.filter0001.0`;
    const base = { email, category: ['welcome'], sg_message_id: messageId };
    const events: Record<string, unknown>[] = [
      { ...base, event: 'processed', timestamp: sent, sg_event_id: `sg-demo-${n}-processed` },
      {
        ...base,
        event: 'delivered',
        timestamp: sent + 4,
        sg_event_id: `sg-demo-${n}-delivered`,
        response: '250 OK',
      },
    ];
    if ((mix >>> 4) % 2 === 0)
      events.push({
        ...base,
        event: 'open',
        timestamp: sent + 3_600,
        sg_event_id: `sg-demo-${n}-open`,
        useragent: ua,
        ip,
      });
    if ((mix >>> 4) % 4 === 0)
      events.push({
        ...base,
        event: 'click',
        timestamp: sent + 3_660,
        sg_event_id: `sg-demo-${n}-click`,
        url: 'https://shop.example/new-releases',
        useragent: ua,
        ip,
      });
    out.push({ provider: 'sendgrid', body: JSON.stringify(events) });
  }
  return out;
}

/** AppsFlyer: the install postback of each app user. */
function appsflyerPostbacks(p: Person, rng: Rng): DemoSample['postbacks'] {
  const { n, customer, first, mobile } = p;
  const out: DemoSample['postbacks'] = [];
  if (mobile) {
    const q = new URLSearchParams({
      event_name: 'install',
      appsflyer_id: `af-${n}`,
      idfa: `idfa-${n}`,
      customer_user_id: customer,
      media_source: rng.pick(['googleadwords_int', 'Facebook Ads', 'organic']),
      campaign: rng.pick(['spring_launch', 'jazz_week', 'brand']),
      af_cost_value: (rng.int(50, 400) / 100).toFixed(2),
      af_cost_currency: 'USD',
      install_time: `${first} 07:00:00.000`,
    });
    out.push({ network: 'appsflyer', query: q.toString() });
  }
  return out;
}

/** The CRM export: a row for about a third of the customers. */
function crmRows(p: Person, rng: Rng): string[] {
  const { n, customer, email, first } = p;
  const out: string[] = [];
  if (rng.chance(0.35)) {
    out.push(
      [
        `crm-${n}`,
        customer,
        email,
        FIRST[n % FIRST.length],
        LAST[n % LAST.length],
        rng.pick(['US', 'US', 'CA', 'GB']),
        rng.pick(['customer', 'lead', 'evangelist']),
        `${first}T00:00:00Z`,
        // The CRM's marketing opt-in: yes, no, or never asked (a consent statement; n decides, not
        // the generator, so the rest of the sample is the same as without it).
        ['yes', 'no', ''][n % 3],
      ].join(','),
    );
  }
  return out;
}

/**
 * The CDNOW sample log `n` times over, for bigger demos: replica k of customer c is sample customer
 * c + 10,000·k (the sample's ids stop at 2,357), with the same purchase days, CD counts and amounts.
 * n = 1 is the log itself.
 */
export function scaleCdnow(text: string, n: number): string {
  if (n <= 1) return text;
  const lines = text.split(/\r?\n/).filter((l) => l.trim());
  const out: string[] = [];
  for (let k = 0; k < n; k++) {
    for (const line of lines) {
      const c = line.trim().split(/\s+/);
      if (c.length < 5) continue;
      const id = Number(c[1]) + 10_000 * k;
      out.push([Number(c[0]) + 100_000 * k, id, ...c.slice(2)].join(' '));
    }
  }
  return `${out.join('\n')}\n`;
}

/**
 * The real CDNOW purchase log as an order-history CSV with order lines. CDNOW's log has the
 * number of CDs and the dollar value of each purchase but not which CDs, so the lines are
 * generated: each customer likes two of eight genres and buys most CDs there (popular albums more
 * often), the rest across the catalogue. The unit prices split the real dollar value exactly (in
 * cents), so the order totals, dates and counts stay CDNOW's own. Deterministic for a seed.
 */
export function cdnowOrdersWithLines(cdnowText: string, seed: number): string {
  const GENRES = 8;
  const ALBUMS_PER_GENRE = 40;
  const rng = createRng(seed ^ 0x5eed);
  const taste = new Map<string, [number, number]>();
  const album = (genre: number) =>
    `CD-${genre}${String(Math.floor(ALBUMS_PER_GENRE * rng.next() ** 2)).padStart(3, '0')}`;
  const out = ['customer_id,ordered_at,items,amount,currency,products'];
  for (const line of cdnowText.split(/\r?\n/)) {
    const c = line.trim().split(/\s+/);
    if (c.length < 5 || !/^\d{8}$/.test(c[2] ?? '')) continue;
    const customer = `cdnow-${Number(c[1])}`;
    let likes = taste.get(customer);
    if (!likes) {
      const first = rng.int(0, GENRES - 1);
      likes = [first, (first + rng.int(1, GENRES - 1)) % GENRES];
      taste.set(customer, likes);
    }
    const units = Math.max(1, Number(c[3]));
    const cents = Math.round(Number(c[4]) * 100);
    const lines: string[] = [];
    for (let u = 0; u < units; u++) {
      const genre = rng.chance(0.8) ? likes[rng.int(0, 1)] : rng.int(0, GENRES - 1);
      const price = Math.floor(cents / units) + (u < cents % units ? 1 : 0);
      lines.push(`${album(genre as number)}@${(price / 100).toFixed(2)}`);
    }
    out.push([customer, c[2], units, c[4], 'USD', lines.join('|')].join(','));
  }
  return `${out.join('\n')}\n`;
}
