import { createHmac } from 'node:crypto';
import {
  applyBatch,
  audienceDiff,
  batchBody,
  batches,
  batchId,
  parseDestinations,
  signature,
  verifySignature,
} from '../../../src/domain/audience-sync';
import { ConfigError } from '../../../src/domain/errors';

const SECRET = 'whsec_unit_0123456789abcdef';

describe('audience sync', () => {
  it('entries are the members not held, exits the held not members, each sorted', () => {
    const ops = audienceDiff(new Set(['c3', 'c1', 'c2']), new Set(['c2', 'c9', 'c0']));
    expect(ops).toEqual([
      { op: 'enter', customer_id: 'c1' },
      { op: 'enter', customer_id: 'c3' },
      { op: 'exit', customer_id: 'c0' },
      { op: 'exit', customer_id: 'c9' },
    ]);
    expect(audienceDiff(new Set(['a']), new Set(['a']))).toEqual([]);
  });

  it('cuts batches of the size asked, each keyed by its content: the same operations, the same key', () => {
    const ops = Array.from({ length: 7 }, (_, i) => ({ op: 'enter' as const, customer_id: `c${i}` }));
    const b = batches('crm', 'win_back', ops, 3);
    expect(b.map((x) => x.operations.length)).toEqual([3, 3, 1]);
    expect(b.flatMap((x) => x.operations)).toEqual(ops);
    expect(batches('crm', 'win_back', ops, 3).map((x) => x.id)).toEqual(b.map((x) => x.id));
    expect(new Set(b.map((x) => x.id)).size).toBe(3);
    // The key depends on the destination, the audience, each operation and its kind.
    const first = ops.slice(0, 3);
    const id = batchId('crm', 'win_back', first);
    expect(batchId('ads', 'win_back', first)).not.toBe(id);
    expect(batchId('crm', 'best', first)).not.toBe(id);
    expect(batchId('crm', 'win_back', [...first.slice(0, 2), { op: 'exit', customer_id: 'c2' }])).not.toBe(
      id,
    );
    expect(batchId('crm', 'win_back', first.slice(0, 2))).not.toBe(id);
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(batches('crm', 'win_back', ops.slice(0, 6), 3).length).toBe(2);
    expect(batches('crm', 'win_back', ops.slice(0, 2), 1).map((x) => x.operations)).toEqual([
      [ops[0]],
      [ops[1]],
    ]);
    expect(batches('crm', 'win_back', [], 3)).toEqual([]);
    expect(() => batches('crm', 'a', ops, 0)).toThrow('batch size must be a positive integer, got 0');
    expect(() => batches('crm', 'a', ops, 1.5)).toThrow('batch size must be a positive integer');
  });

  it('signs "<t>.<body>" with HMAC-SHA256 (a receiver can check it with any HMAC library)', () => {
    const body = batchBody(batches('crm', 'win_back', [{ op: 'enter', customer_id: 'c1' }], 10)[0] as never);
    expect(JSON.parse(body)).toMatchObject({
      destination: 'crm',
      audience: 'win_back',
      operations: [{ op: 'enter', customer_id: 'c1' }],
    });
    const expected = createHmac('sha256', SECRET).update(`1700000000.${body}`).digest('hex');
    expect(signature(SECRET, 1_700_000_000, body)).toBe(`t=1700000000,v1=${expected}`);
  });

  it('a receiver refuses a changed body, another secret, an old or future timestamp, a malformed header', () => {
    const body = '{"a":1}';
    const sig = signature(SECRET, 1000, body);
    expect(verifySignature(SECRET, sig, body, 1000)).toBe(true);
    expect(verifySignature(SECRET, sig, body, 1300)).toBe(true);
    expect(verifySignature(SECRET, sig, body, 1301)).toBe(false);
    expect(verifySignature(SECRET, sig, body, 699)).toBe(false);
    expect(verifySignature(SECRET, sig, body, 1010, 5)).toBe(false);
    expect(verifySignature(SECRET, sig, '{"a":2}', 1000)).toBe(false);
    expect(verifySignature(`${SECRET}x`, sig, body, 1000)).toBe(false);
    expect(verifySignature(SECRET, sig.replace('t=1000', 't=1001'), body, 1000)).toBe(false);
    expect(verifySignature(SECRET, 't=1000', body, 1000)).toBe(false);
    expect(verifySignature(SECRET, sig.slice(0, -2), body, 1000)).toBe(false);
    expect(verifySignature(SECRET, 'garbage', body, 1000)).toBe(false);
  });

  it('a destination holds what its accepted batches say', () => {
    const held = new Set(['c1', 'c2']);
    applyBatch(held, {
      operations: [
        { op: 'enter', customer_id: 'c3' },
        { op: 'exit', customer_id: 'c1' },
        { op: 'delete', customer_id: 'c2' },
      ],
    });
    expect([...held]).toEqual(['c3']);
  });
});

describe('destinations document', () => {
  const hook = {
    name: 'crm',
    type: 'webhook',
    url: 'https://crm.example/hook',
    secret: 'x'.repeat(16),
    audiences: '*',
  };
  const doc = (...d: unknown[]) => JSON.stringify({ destinations: d });

  it('accepts webhooks and files with their options', () => {
    const file = { name: 'lake.v2', type: 'file', format: 'parquet', audiences: ['win_back'], batchSize: 10 };
    expect(parseDestinations(doc(hook, file), 'f')).toEqual([hook, file]);
    expect(parseDestinations(doc(), 'f')).toEqual([]);
  });

  it.each([
    ['not json', '{', 'f is not JSON'],
    ['no list', '{"destinations": {}}', 'f: expected {"destinations": [...]}'],
    ['null', 'null', 'f: expected {"destinations": [...]}'],
    ['bad name', doc({ ...hook, name: 'a b' }), 'f: destinations[0]: "name" must be'],
    ['twice', doc(hook, hook), 'f: destinations[1]: "name" crm is used twice'],
    ['type', doc({ ...hook, type: 'email' }), '"type" must be "webhook" or "file"'],
    ['url', doc({ ...hook, url: 'ftp://x' }), 'a webhook needs "url"'],
    ['secret', doc({ ...hook, secret: 'short' }), 'a webhook needs "secret" (16+ characters)'],
    ['audiences', doc({ ...hook, audiences: 'all' }), '"audiences" must be a list of audience names or "*"'],
    ['format on a webhook', doc({ ...hook, format: 'csv' }), '"format" is for a file destination'],
    [
      'format',
      doc({ name: 'f', type: 'file', audiences: '*', format: 'xlsx' }),
      '"format" is for a file destination',
    ],
    ['batch size', doc({ ...hook, batchSize: 0 }), '"batchSize" must be a positive integer'],
    ['attempts', doc({ ...hook, maxAttempts: 1.5 }), '"maxAttempts" must be a positive integer'],
  ])('refuses %s, naming where and what', (_, text, message) => {
    expect(() => parseDestinations(text, 'f')).toThrow(ConfigError);
    expect(() => parseDestinations(text, 'f')).toThrow(message);
  });
});
