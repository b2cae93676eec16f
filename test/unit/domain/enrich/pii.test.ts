import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { emptyFound, Pseudonymizer } from '../../../../src/domain/enrich/pii';
import { enrichDraft } from '../../../../src/domain/enrich/pipeline';
import type { RawEnvelope } from '../../../../src/domain/event';
import { normalize } from '../../../../src/domain/normalize';
import { enrichUnderTest, TEST_PII_KEY } from '../../../helpers/enrich';
import { providerEnvelope } from '../../../helpers/envelopes';

/**
 * The PII policy's names measured both ways on a labelled set (issue 28, defect 8): every value
 * is a person's name or a thing's (a company, a product, a shop) as it appears in published
 * payloads, run through normalize and enrich. A person's name must not be stored in clear
 * (recall); a thing's name must be stored as sent (precision).
 *   Segment Identify spec example (segment.com/docs/connections/spec/identify): traits.name
 *     "Peter Gibbons", traits.address; reserved trait `company` (spec/identify#traits):
 *     { name: "Initech", industry, employee_count, plan }.
 *   Segment Group spec example (spec/group): traits { name: "Initech", industry, employees, plan }.
 *   Segment e-commerce spec v2 (test/fixtures/real/segment/): product names, affiliation.
 *   Shopify's orders test notification (test/fixtures/real/shopify/): the customer, the item titles.
 * A value counts as scrubbed when it is nowhere in the stored events in clear.
 */
const REAL = join(__dirname, '../../../fixtures/real');
const spec = JSON.parse(readFileSync(join(REAL, 'segment/ecommerce-v2-spec.json'), 'utf8'));
const shopify = JSON.parse(readFileSync(join(REAL, 'shopify/orders-test-notification.json'), 'utf8'));

const { deps } = enrichUnderTest();
const stored = (envelope: RawEnvelope): string => {
  const out = normalize(envelope);
  if (!out.ok) throw new Error(out.detail);
  return out.events.map((d) => JSON.stringify(enrichDraft(d, envelope, deps.enrich))).join('\n');
};
const segment = (payload: Record<string, unknown>): RawEnvelope => ({
  v: 1,
  kind: 'segment',
  source: 'web',
  receivedAt: '2026-01-01T10:00:00.000Z',
  requestId: 'r',
  payload: { messageId: `m-${JSON.stringify(payload).length}`, userId: 'u-1', ...payload },
});

const texts = [
  stored(
    segment({
      type: 'identify',
      traits: {
        name: 'Peter Gibbons',
        email: 'peter@example.com',
        plan: 'premium',
        logins: 5,
        address: {
          street: '6th St',
          city: 'San Francisco',
          state: 'CA',
          postalCode: '94103',
          country: 'USA',
        },
        company: {
          name: 'Initech',
          id: 'initech-1',
          industry: 'Technology',
          employee_count: 329,
          plan: 'enterprise',
        },
      },
    }),
  ),
  stored(
    segment({
      type: 'group',
      groupId: '0e8c78ea9d97a7b8185e8632',
      traits: {
        name: 'Initech',
        industry: 'Technology',
        employees: 329,
        plan: 'enterprise',
        'total billed': 830,
      },
    }),
  ),
  stored(segment({ type: 'track', event: 'Order Completed', properties: spec['Order Completed'] })),
  stored(providerEnvelope('shopify', shopify, { headers: { 'x-shopify-topic': 'orders/create' } })),
].join('\n');

const labelled: { value: string; person: boolean; where: string }[] = [
  { value: 'Peter Gibbons', person: true, where: 'identify traits.name' },
  { value: shopify.customer.first_name, person: true, where: 'Shopify customer.first_name' },
  { value: shopify.customer.last_name, person: true, where: 'Shopify customer.last_name' },
  { value: 'Initech', person: false, where: 'identify traits.company.name, group traits.name' },
  { value: 'Technology', person: false, where: 'industry' },
  {
    value: spec['Order Completed'].products[0].category,
    person: false,
    where: 'e-commerce product category',
  },
  ...spec['Order Completed'].products.map((p: { name: string }) => ({
    value: p.name,
    person: false,
    where: 'e-commerce product name',
  })),
  ...shopify.line_items.map((l: { title: string }) => ({
    value: l.title,
    person: false,
    where: 'Shopify line item title',
  })),
];

describe('PII policy on names: precise as well as safe', () => {
  const inClear = (v: string) => texts.includes(JSON.stringify(v));
  const scrubbed = labelled.filter((l) => !inClear(l.value));

  it('recall: no person name is stored in clear', () => {
    expect(labelled.filter((l) => l.person && inClear(l.value)).map((l) => l.where)).toEqual([]);
  });

  it('precision: every name that is scrubbed is a person name (no company or product tokenized)', () => {
    expect(scrubbed.filter((l) => !l.person).map((l) => `${l.where}: ${l.value}`)).toEqual([]);
    const precision = scrubbed.filter((l) => l.person).length / scrubbed.length;
    const recall = scrubbed.filter((l) => l.person).length / labelled.filter((l) => l.person).length;
    expect({ precision, recall }).toEqual({ precision: 1, recall: 1 });
  });

  it('a company that is a thing, not a person: traits.company.name and a group call keep "Initech"', () => {
    expect(texts.split('\n')[0]).toContain('"company":{"name":"Initech"');
    expect(texts.split('\n')[1]).toContain('"name":"Initech"');
  });
});

describe('where a bare name names a person', () => {
  const p = new Pseudonymizer(TEST_PII_KEY);
  const scrubbed = (value: unknown, inPerson = false) => p.scrub(value, emptyFound(), '', 0, inPerson);
  const PEOPLE = [
    'traits',
    'customer',
    'customers',
    'contact',
    'contacts',
    'requester',
    'recipient',
    'recipients',
    'buyer',
    'user',
    'person',
    'people',
    'billing_address',
    'shippingAddress',
    'sender',
    'submitter',
    'assignee',
    'author',
  ];
  it.each(PEOPLE)('an object under "%s" is about a person: its name is tokenized', (key) => {
    const out = scrubbed({ [key]: { name: 'Ada Lovelace', plan: 'pro' } }) as Record<
      string,
      Record<string, string>
    >;
    expect(out[key]?.name).toMatch(/^name:[0-9a-f]{64}$/);
    expect(out[key]?.plan).toBe('pro');
    // In an array of them too.
    const many = scrubbed({ [key]: [{ name: 'Ada Lovelace' }] }) as Record<string, Record<string, string>[]>;
    expect(many[key]?.[0]?.name).toMatch(/^name:/);
  });
  it.each(['company', 'product', 'products', 'shop', 'store', 'merchant', 'organization', 'item', 'brand'])(
    'an object under "%s" is a thing: its name is kept as sent',
    (key) => {
      const value = { [key]: { name: 'Initech' } };
      expect(scrubbed(value)).toBe(value);
    },
  );
  it("a thing inside a person's traits stays a thing, and a bare name outside any person is kept", () => {
    const traits = { name: 'Peter Gibbons', company: { name: 'Initech' } };
    const out = scrubbed(traits, true) as { name: string; company: { name: string } };
    expect(out.name).toMatch(/^name:/);
    expect(out.company.name).toBe('Initech');
    expect(scrubbed({ name: 'Monopoly: 3rd Edition' })).toEqual({ name: 'Monopoly: 3rd Edition' });
  });
});
