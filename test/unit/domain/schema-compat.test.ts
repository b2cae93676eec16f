import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { breakingChanges } from '../../../src/domain/schema-compat';

const dir = join(__dirname, '../../../schemas');
const read = (f: string) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Record<string, unknown>;
const versions = readdirSync(dir).filter((f) => /\.v\d+\.json$/.test(f));
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
type OrderSchema = {
  properties: {
    properties: {
      required: string[];
      additionalProperties?: boolean;
      properties: Record<string, Record<string, unknown>>;
    };
  };
};

describe('schema evolution', () => {
  it('never edits a published version in place', () => {
    const lock = JSON.parse(readFileSync(join(dir, 'published.lock.json'), 'utf8')).published as Record<
      string,
      string
    >;
    for (const f of versions) {
      const hash = createHash('sha256')
        .update(JSON.stringify(read(f)))
        .digest('hex');
      expect({ f, hash }).toEqual({ f, hash: lock[f] });
    }
  });

  it('each newer version is backward compatible with the one before', () => {
    for (const f of versions) {
      const [, name, v] = /^(.+)\.v(\d+)\.json$/.exec(f) as RegExpExecArray;
      const previous = `${name}.v${Number(v) - 1}.json`;
      if (versions.includes(previous))
        expect({ f, breaking: breakingChanges(read(previous), read(f)) }).toEqual({ f, breaking: [] });
    }
  });

  const base = read('order_completed.v1.json');
  it('allows a new optional field and a widened limit', () => {
    const next = clone(base) as { properties: { properties: { properties: Record<string, unknown> } } };
    next.properties.properties.properties.giftMessage = { type: 'string', maxLength: 500 };
    (next.properties.properties.properties.orderId as Record<string, unknown>).minLength = 0;
    expect(breakingChanges(base, next)).toEqual([]);
  });

  it.each([
    [
      'a removed field',
      (s: OrderSchema) => delete s.properties.properties.properties.itemCount,
      /\/properties\/itemCount: removed/,
    ],
    [
      'a newly required field',
      (s: OrderSchema) => s.properties.properties.required.push('tax'),
      /\/properties\/tax: newly required/,
    ],
    [
      'a narrowed type',
      (s: OrderSchema) =>
        Object.assign(s.properties.properties.properties.itemCount ?? {}, { type: 'string' }),
      /itemCount: type narrowed/,
    ],
    [
      'a tightened limit',
      (s: OrderSchema) => Object.assign(s.properties.properties.properties.orderId ?? {}, { maxLength: 8 }),
      /orderId: maxLength tightened to 8/,
    ],
    [
      'closed properties',
      (s: OrderSchema) => (s.properties.properties.additionalProperties = false),
      /additional properties no longer allowed/,
    ],
  ])('refuses %s', (_n, mutate, expected) => {
    const next = clone(base) as unknown as OrderSchema;
    mutate(next);
    expect(breakingChanges(base, next).join('\n')).toMatch(expected);
  });

  it('refuses an enum that drops a value (common schema)', () => {
    const common = read('common.v1.json');
    const withEnum = clone(common) as { properties: Record<string, Record<string, unknown>> };
    withEnum.properties.kind = { type: 'string', enum: ['segment', 'webhook', 'postback', 'batch'] };
    const next = clone(withEnum);
    next.properties.kind = { type: 'string', enum: ['segment', 'webhook'] };
    expect(breakingChanges(withEnum, next).join('\n')).toMatch(
      /kind: enum no longer allows "postback", "batch"/,
    );
  });
});
