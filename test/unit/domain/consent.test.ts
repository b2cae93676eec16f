import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import consentConfig from '../../../config/consent.json';
import { columnMap, validateRow } from '../../../src/domain/batch/rows';
import { CONSENT_PURPOSES, consentPurposes, optIn, purposeOf } from '../../../src/domain/consent';
import { enrichDraft } from '../../../src/domain/enrich/pipeline';
import type { RawEnvelope } from '../../../src/domain/event';
import { normalize } from '../../../src/domain/normalize';
import { enrichUnderTest } from '../../helpers/enrich';
import { providerEnvelope } from '../../helpers/envelopes';

const REAL = join(__dirname, '../../fixtures/real');

describe('consent statements → purposes (config/consent.json)', () => {
  it("Segment's documented consent object maps category by category", () => {
    // The example of Segment's "Consent on the Profile" page (twilio.com/docs/segment/privacy/consent-management/consent-in-unify).
    expect(
      consentPurposes({ Advertising: true, Analytics: false, Functional: true, DataSharing: false }),
    ).toEqual({
      // Advertising true and DataSharing false both map to advertising: the refusal wins.
      advertising: false,
      analytics: false,
      personalization: true,
    });
  });

  it("OneTrust's standard category ids map too; unknown categories and non-boolean values say nothing", () => {
    expect(consentPurposes({ C0002: true, C0004: false, C0001: true })).toEqual({
      analytics: true,
      advertising: false,
    });
    expect(consentPurposes({ Marketing: 'yes', Cookies: true })).toBeNull();
    expect(consentPurposes({})).toBeNull();
    expect(consentPurposes(null)).toBeNull();
    expect(consentPurposes(['Marketing'])).toBeNull();
  });

  it('every category the config names maps to a declared purpose, separators and case ignored', () => {
    for (const [category, purpose] of Object.entries(consentConfig.categories)) {
      expect(CONSENT_PURPOSES).toContain(purpose);
      expect(purposeOf(category.toUpperCase())).toBe(purpose);
    }
    expect(purposeOf('Email-Marketing')).toBe('marketing');
    expect(purposeOf('constructor')).toBeUndefined();
  });

  it.each([
    ['yes', true],
    [' Yes ', true],
    ['\tNO\n', false],
    ['Subscribed', true],
    [true, true],
    ['1', true],
    ['no', false],
    ['unsubscribed', false],
    ['not_subscribed', false],
    [false, false],
    ['pending', null],
    ['', null],
    [1, null],
  ])('opt-in value %j reads as %j', (value, expected) => {
    expect(optIn(value)).toBe(expected);
  });
});

describe('consent reaches the canonical event from every source that carries it', () => {
  const { deps } = enrichUnderTest();
  const purposesOf = (envelope: RawEnvelope) => {
    const out = normalize(envelope);
    if (!out.ok || !out.events[0]) throw new Error(JSON.stringify(out));
    const e = enrichDraft(out.events[0], envelope, deps.enrich);
    return (e.context.consent as { purposes?: unknown } | undefined)?.purposes ?? null;
  };

  it("Shopify's own order payload: email_marketing_consent not_subscribed is a refusal of marketing", () => {
    const body = JSON.parse(readFileSync(join(REAL, 'shopify/orders-test-notification.json'), 'utf8'));
    expect(body.customer.email_marketing_consent.state).toBe('not_subscribed');
    const env = providerEnvelope('shopify', body, { headers: { 'x-shopify-topic': 'orders/create' } });
    expect(purposesOf(env)).toEqual({ marketing: false });
    const subscribed = {
      ...body,
      customer: { ...body.customer, email_marketing_consent: { state: 'subscribed' } },
    };
    expect(
      purposesOf(
        providerEnvelope('shopify', subscribed, { headers: { 'x-shopify-topic': 'orders/create' } }),
      ),
    ).toEqual({
      marketing: true,
    });
    // A customer without the newer field: the older accepts_marketing boolean.
    const { email_marketing_consent: _, ...older } = body.customer;
    const old = { ...body, customer: { ...older, accepts_marketing: true } };
    expect(
      purposesOf(providerEnvelope('shopify', old, { headers: { 'x-shopify-topic': 'orders/create' } })),
    ).toEqual({
      marketing: true,
    });
  });

  it("a CRM file's marketing_opt_in column, and nothing when the column is empty", () => {
    const row = (v: string) =>
      ({
        v: 1,
        kind: 'batch_file',
        source: 'crm',
        provider: 'crm',
        receivedAt: '2026-03-01T10:00:00.000Z',
        requestId: 'r',
        eventId: 'row-1',
        payload: { contact_id: 'c1', customer_id: 'u1', marketing_opt_in: v },
      }) as RawEnvelope;
    expect(purposesOf(row('true'))).toEqual({ marketing: true });
    expect(purposesOf(row('no'))).toEqual({ marketing: false });
    expect(purposesOf(row(''))).toBeNull();
  });

  it("a Segment event's consent object is kept as sent, its purposes beside it", () => {
    const env: RawEnvelope = {
      v: 1,
      kind: 'segment',
      source: 'web',
      receivedAt: '2026-03-01T10:00:00.000Z',
      requestId: 'r',
      payload: {
        type: 'track',
        event: 'Segment Consent Preference Updated',
        messageId: 'm1',
        anonymousId: 'a1',
        context: { consent: { categoryPreferences: { Advertising: false, Personalization: true } } },
      },
    };
    const out = normalize(env);
    if (!out.ok || !out.events[0]) throw new Error('not normalized');
    expect(enrichDraft(out.events[0], env, deps.enrich).context.consent).toEqual({
      categoryPreferences: { Advertising: false, Personalization: true },
      purposes: { advertising: false, personalization: true },
    });
  });
});

describe("a CRM file's opt-in column", () => {
  it('is found under its usual names and a value that is no answer is a row error naming the field', () => {
    expect([...columnMap('crm', ['contact_id', 'Accepts_Marketing']).values()]).toEqual([
      'contact_id',
      'marketing_opt_in',
    ]);
    expect(validateRow('crm', { contact_id: 'c1', marketing_opt_in: 'Yes' })).toEqual({
      ok: true,
      payload: { contact_id: 'c1', marketing_opt_in: 'Yes' },
    });
    expect(validateRow('crm', { contact_id: 'c1', marketing_opt_in: 'maybe' })).toEqual({
      ok: false,
      problems: [
        {
          field: 'marketing_opt_in',
          rule: 'enum',
          message: 'marketing_opt_in must be yes/no, true/false, 1/0 or subscribed/unsubscribed, got "maybe"',
        },
      ],
    });
    expect(validateRow('crm', { contact_id: 'c1', marketing_opt_in: '' })).toEqual({
      ok: true,
      payload: { contact_id: 'c1' },
    });
  });
});
