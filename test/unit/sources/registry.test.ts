import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import common from '../../../schemas/common.v1.json';
import { CORE_IDENTITY_TYPES } from '../../../src/domain/identity-types';
import { ACCOUNT_IDENTITY_TYPES, IDENTITY_TYPES } from '../../../src/domain/identity-types.generated';
import { normalize } from '../../../src/domain/normalize';
import { WEBHOOK_SOURCE_NAMES, WEBHOOK_SOURCES, webhookSource } from '../../../src/sources';
import { withIdentityEnum } from '../../../src/sources/identity-codegen';
import { providerEnvelope } from '../../helpers/envelopes';

/**
 * The registry against what its sources really do: every source's own published payloads
 * (test/fixtures/real/<name>/, see SOURCES.md) normalized through the registry bring only core
 * identity types and the account type the source declares — so the generated IdentityType, the
 * schema enum and the hub guard's account list (all from the declarations) cover them.
 */
const REAL = join(__dirname, '../../fixtures/real');
const json = (f: string) => JSON.parse(readFileSync(join(REAL, f), 'utf8'));
const stripe = json('stripe/fixtures.json');
const withRequester = (e: { detail: object }) => ({
  ...e,
  detail: { ...e.detail, requester_id: '20978392' },
});
const samples: Record<string, { payload: unknown; headers?: Record<string, string> }[]> = {
  stripe: [
    {
      payload: {
        id: 'evt_1',
        type: 'charge.succeeded',
        created: 1700000000,
        data: { object: stripe.charge },
      },
    },
    // The same charge made by a known customer (the fixture's is a guest's).
    {
      payload: {
        id: 'evt_3',
        type: 'charge.succeeded',
        created: 1700000000,
        data: { object: { ...stripe.charge, customer: 'cus_NffrFeUfNV2Hib' } },
      },
    },
  ],
  shopify: [
    {
      payload: json('shopify/orders-test-notification.json'),
      headers: { 'x-shopify-topic': 'orders/create' },
    },
  ],
  // user-active-changed is a type c360 does not take (quarantined as unknown_type).
  zendesk: [
    { payload: json('zendesk/ticket-created.json') },
    // The same event with the ticket's requester (detail.requester_id in Zendesk's ticket event schema).
    { payload: withRequester(json('zendesk/ticket-created.json')) },
  ],
  hubspot: [
    { payload: json('hubspot/contact-batch.json') },
    { payload: json('hubspot/lead-status-change.json') },
  ],
  sendgrid: [{ payload: json('sendgrid/docs-event-examples.json') }],
};

describe('webhook source registry', () => {
  it('has real payloads here for every registered source', () => {
    expect(Object.keys(samples).sort()).toEqual([...WEBHOOK_SOURCE_NAMES].sort());
  });

  it.each(WEBHOOK_SOURCE_NAMES)(
    '%s: its payloads bring core identity types and its declared account type only',
    (name) => {
      const source = webhookSource(name);
      const seen = new Set<string>();
      for (const { payload, headers } of samples[name] ?? []) {
        const out = normalize(providerEnvelope(name, payload, { headers }));
        expect([name, out.ok ? 'ok' : JSON.stringify(out)]).toEqual([name, 'ok']);
        if (out.ok) for (const e of out.events) for (const id of e.identities) seen.add(id.type);
      }
      const own = [...seen].filter((t) => !(t in CORE_IDENTITY_TYPES));
      expect(own).toEqual(
        source?.accountIdentity && seen.has(source.accountIdentity) ? [source.accountIdentity] : [],
      );
      // A declared account type is one the source really brings.
      if (source?.accountIdentity) expect(seen.has(source.accountIdentity)).toBe(true);
    },
  );

  it('generates IdentityType and the schema enum from the core types and every declaration', () => {
    const declared = Object.values(WEBHOOK_SOURCES).flatMap((s) =>
      s.accountIdentity ? [s.accountIdentity] : [],
    );
    const expected = [...Object.keys(CORE_IDENTITY_TYPES), ...declared];
    expect([...IDENTITY_TYPES]).toEqual(expected);
    expect([...common.properties.identities.items.properties.type.enum].sort()).toEqual([...expected].sort());
    const accounts = [
      ...Object.entries(CORE_IDENTITY_TYPES).flatMap(([t, rule]) => (rule.role === 'account' ? [t] : [])),
      ...declared,
    ];
    expect([...ACCOUNT_IDENTITY_TYPES]).toEqual(accounts);
    const hubSql = readFileSync(join(__dirname, '../../../sql/silver/identity_hubs.sql'), 'utf8');
    expect(hubSql).toContain(`(${accounts.map((t) => `'${t}'`).join(', ')})`);
  });

  it('keeps a published enum in its order, appends what is new and drops what is no longer declared', () => {
    const schema = (types: string[]) =>
      JSON.stringify({ properties: { identities: { items: { properties: { type: { enum: types } } } } } });
    const all = [...IDENTITY_TYPES];
    const [first, second, ...rest] = all.reverse();
    const out = JSON.parse(withIdentityEnum(schema([second as string, 'retired_type', first as string])));
    expect(out.properties.identities.items.properties.type.enum).toEqual([second, first, ...rest.reverse()]);
  });
});
