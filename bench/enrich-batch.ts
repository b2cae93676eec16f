import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KinesisStreamRecord } from 'aws-lambda';
import type { RawEnvelope } from '../src/domain/event';
import { projectRoot } from '../src/paths';
import { createRng } from '../src/sample/random';

/**
 * The enrich benchmark's Kinesis batch, also the golden test's input (the same records, so the
 * output the bench speeds up is the output the test pins): ~1.2 KB Segment events from real
 * browser user agents, 5% invalid (a track without `event`), 2% duplicates, 20% with an email
 * and phone in traits. A few carry more of what the scrub handles: a name, address, postcode and
 * birthday in traits (3%), a URL-encoded email in the page URL (2%), a national phone number in
 * the free-text description (2%). Reproducible from the seed.
 */
export function enrichBenchBatch(n: number, seed = 42): KinesisStreamRecord[] {
  const rng = createRng(seed);
  const uas = readFileSync(join(projectRoot(), 'test/fixtures/real/user-agents/top-500.txt'), 'utf8')
    .split('\n')
    .filter(Boolean);
  const records: KinesisStreamRecord[] = [];
  for (let i = 0; i < n; i++) {
    const dup = i > 0 && rng.chance(0.02);
    const id = dup ? `m-${rng.int(0, i - 1)}` : `m-${i}`;
    const invalid = rng.chance(0.05);
    const traits: Record<string, unknown> = rng.chance(0.2)
      ? { email: `user${i}@example.com`, phone: '+1 415 555 0100' }
      : {};
    if (rng.chance(0.03)) {
      Object.assign(traits, {
        firstName: 'Ada',
        lastName: `Lovelace ${i}`,
        address: { street: `${i} Market St`, city: 'San Francisco', postalCode: '94103' },
        birthday: '1990-12-10',
      });
    }
    const emailInUrl = rng.chance(0.02) ? `&email=user${i}%40example.com` : '';
    const phoneInText = rng.chance(0.02) ? ' Questions? Call (415) 555-0132.' : '';
    const env: RawEnvelope = {
      v: 1,
      kind: 'segment',
      source: rng.pick(['web', 'ios', 'android']),
      receivedAt: '2026-01-01T10:00:02.000Z',
      requestId: `req-${i >> 6}`,
      ip: `${rng.int(1, 223)}.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(1, 254)}`,
      userAgent: rng.pick(uas),
      payload: {
        type: invalid ? 'track' : rng.pick(['track', 'track', 'page', 'identify']),
        event: invalid ? undefined : 'Product Viewed',
        name: 'Product',
        userId: `user-${rng.int(1, 2000)}`,
        anonymousId: `anon-${rng.int(1, 5000)}`,
        messageId: id,
        originalTimestamp: '2026-01-01T09:59:58.000Z',
        sentAt: '2026-01-01T10:00:00.000Z',
        context: {
          library: { name: 'analytics.js', version: '5.2.0' },
          page: {
            url: `https://shop.example/products/${i}?utm_source=newsletter&utm_medium=email&utm_campaign=spring${emailInUrl}`,
            referrer: rng.pick(['https://www.google.com/', 'https://t.co/x', '', 'https://shop.example/']),
            title: 'Blue cotton shirt with a long descriptive product title for realism',
          },
          locale: 'en-US',
          timezone: 'Europe/London',
          screen: { width: 1440, height: 900 },
        },
        properties: {
          sku: `SKU-${i % 977}`,
          name: 'Blue Shirt',
          price: 29.99,
          currency: 'USD',
          category: 'apparel/shirts',
          brand: 'Acme',
          variant: 'blue/m',
          position: i % 24,
          url: `https://shop.example/products/${i}`,
          description: `A comfortable shirt made from organic cotton, machine washable, regular fit.${phoneInText}`,
        },
        traits,
      },
    };
    records.push({
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `s:${i}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: 'x',
      awsRegion: 'us-east-1',
      eventSourceARN: 'arn',
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: 'k',
        sequenceNumber: String(i).padStart(20, '0'),
        approximateArrivalTimestamp: 1767261602,
        data: Buffer.from(JSON.stringify(env)).toString('base64'),
      },
    });
  }
  return records;
}
