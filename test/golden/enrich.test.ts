import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { enrichBenchBatch } from '../../bench/enrich-batch';
import { LocalKeyWrapper } from '../../src/adapters/local/local-key-wrapper';
import type { GeoLookup } from '../../src/domain/enrich/geo';
import { Pseudonymizer } from '../../src/domain/enrich/pii';
import { UserAgentCache } from '../../src/domain/enrich/useragent';
import type { PiiVault, VaultValue } from '../../src/domain/privacy/vault';
import { enrichUnderTest, TEST_PII_KEY } from '../helpers/enrich';

/**
 * Enrich's output on the benchmark's batch, pinned: every bronze and quarantine line (prefix and
 * bytes), the batch's counts, and (privacy on) the clear values sent to the PII vault, as the
 * implementation before the hot-path work (commit 63d86aa) produced them. Speed work must keep
 * them identical. After an intended change of the output, regenerate with
 * `C360_UPDATE_GOLDEN=1 npx jest test/golden/enrich` and review the diff of the decoded files.
 */
const GOLDEN = join(__dirname, '../fixtures/golden/enrich-bench-1000.txt.gz');
/** The clear values the same batch sends to the PII vault, by subject (privacy on). */
const GOLDEN_VAULT = join(__dirname, '../fixtures/golden/enrich-bench-1000-vault.txt.gz');
const N = 1000;

/** Deterministic stand-in for the geo database: the first octet picks a place (or none). */
const octetGeo: GeoLookup = {
  lookup: (ip) => {
    const first = Number(ip.split('.')[0]);
    if (!Number.isInteger(first) || first % 3 === 0) return null;
    return first % 3 === 1
      ? { country: 'GB', region: 'ENG', city: 'London' }
      : { country: 'US', region: 'CA', city: null };
  },
};

const enrichContext = () => ({
  ua: new UserAgentCache(),
  geo: octetGeo,
  pseudonymizer: new Pseudonymizer(TEST_PII_KEY),
  lateWindowMs: 48 * 3600_000,
});

/** Compares lines with a golden file (or rewrites it when C360_UPDATE_GOLDEN=1); the first difference fails. */
function expectGolden(file: string, lines: string[]): string[] {
  if (process.env.C360_UPDATE_GOLDEN === '1') {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, gzipSync(`${lines.join('\n')}\n`, { level: 9 }));
  }
  if (!existsSync(file)) throw new Error(`${file} is missing: C360_UPDATE_GOLDEN=1 writes it`);
  const golden = gunzipSync(readFileSync(file)).toString('utf8').split('\n').slice(0, -1);
  const firstDiff = lines.findIndex((l, i) => l !== golden[i]);
  if (firstDiff >= 0) {
    // The first differing line, whole, is the useful failure message.
    expect({ line: firstDiff, got: lines[firstDiff] }).toEqual({ line: firstDiff, got: golden[firstDiff] });
  }
  expect(lines.length).toBe(golden.length);
  return golden;
}

async function enrichOutput(): Promise<string[]> {
  const { handler, delivery, quarantine } = enrichUnderTest({ enrich: enrichContext() });
  const { stats } = await handler.process(enrichBenchBatch(N));
  return [
    JSON.stringify(stats),
    ...delivery.items.map((i) => `bronze\t${i.prefix}\t${i.line}`),
    ...quarantine.items.map((i) => `quarantine\t${i.prefix}\t${i.line}`),
  ];
}

describe('enrich golden output (the bench batch)', () => {
  it('produces exactly the pinned lines', async () => {
    const golden = expectGolden(GOLDEN, await enrichOutput());
    // The batch exercises every path the numbers below name (not an empty comparison).
    const stats = JSON.parse(golden[0] as string);
    expect(stats.delivered).toBeGreaterThan(900);
    expect(stats.quarantined).toBeGreaterThan(20);
    expect(stats.duplicates).toBeGreaterThan(5);
    // Scrub paths were taken in the lake's lines: tokens for emails, phones, names, addresses and a
    // URL-encoded email, and none of the clear values (quarantine keeps originals as sent here).
    const text = golden.filter((l) => l.startsWith('bronze')).join('\n');
    for (const token of ['@example.com', 'phone:', 'name:', 'addr:', '%40example.com'])
      expect(text).toContain(token);
    expect(text).not.toMatch(/user\d+@example\.com|Lovelace|555-0132|Market St/);
  });

  it('sends exactly the pinned clear values to the PII vault (privacy on)', async () => {
    const sent: string[] = [];
    const vault = {
      put: async (bySubject: Map<string, VaultValue[]>) => {
        for (const [subject, values] of bySubject)
          for (const v of values) sent.push([subject, v.kind, v.field, v.value].join('\t'));
        return sent.length;
      },
    } as unknown as PiiVault;
    const { handler } = enrichUnderTest({
      enrich: enrichContext(),
      privacy: { vault, keys: new LocalKeyWrapper(Buffer.alloc(32, 7)) },
    });
    await handler.process(enrichBenchBatch(N));
    const golden = expectGolden(GOLDEN_VAULT, sent);
    // Every kind the batch carries reaches the vault.
    for (const kind of ['email', 'phone', 'name', 'address', 'postcode', 'birthdate'])
      expect(golden.some((l) => l.split('\t')[1] === kind)).toBe(true);
  });
});
