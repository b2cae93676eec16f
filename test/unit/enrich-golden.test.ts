import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { enrichBenchBatch } from '../../bench/enrich-batch';
import type { GeoLookup } from '../../src/domain/enrich/geo';
import { Pseudonymizer } from '../../src/domain/enrich/pii';
import { UserAgentCache } from '../../src/domain/enrich/useragent';
import { enrichUnderTest, TEST_PII_KEY } from '../helpers/enrich';

/**
 * Enrich's output on the benchmark's batch, pinned: every bronze and quarantine line (prefix and
 * bytes) and the batch's counts, as the implementation before the hot-path work produced them.
 * Speed work must keep it identical. After an intended change of the output, regenerate with
 * `C360_UPDATE_GOLDEN=1 npx jest test/unit/enrich-golden` and review the diff of the decoded file.
 */
const GOLDEN = join(__dirname, '../fixtures/golden/enrich-bench-1000.txt.gz');
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

async function enrichOutput(): Promise<string[]> {
  const { handler, delivery, quarantine } = enrichUnderTest({
    enrich: {
      ua: new UserAgentCache(),
      geo: octetGeo,
      pseudonymizer: new Pseudonymizer(TEST_PII_KEY),
      lateWindowMs: 48 * 3600_000,
    },
  });
  const { stats } = await handler.process(enrichBenchBatch(N));
  return [
    JSON.stringify(stats),
    ...delivery.items.map((i) => `bronze\t${i.prefix}\t${i.line}`),
    ...quarantine.items.map((i) => `quarantine\t${i.prefix}\t${i.line}`),
  ];
}

describe('enrich golden output (the bench batch)', () => {
  it('produces exactly the pinned lines', async () => {
    const lines = await enrichOutput();
    if (process.env.C360_UPDATE_GOLDEN === '1') {
      mkdirSync(dirname(GOLDEN), { recursive: true });
      writeFileSync(GOLDEN, gzipSync(`${lines.join('\n')}\n`, { level: 9 }));
    }
    if (!existsSync(GOLDEN)) throw new Error(`${GOLDEN} is missing: C360_UPDATE_GOLDEN=1 writes it`);
    const golden = gunzipSync(readFileSync(GOLDEN)).toString('utf8').split('\n').slice(0, -1);
    // The batch exercises every path the numbers below name (not an empty comparison).
    const stats = JSON.parse(golden[0] as string);
    expect(stats.delivered).toBeGreaterThan(900);
    expect(stats.quarantined).toBeGreaterThan(20);
    expect(stats.duplicates).toBeGreaterThan(5);
    const firstDiff = lines.findIndex((l, i) => l !== golden[i]);
    if (firstDiff >= 0) {
      // The first differing line, whole, is the useful failure message.
      expect({ line: firstDiff, got: lines[firstDiff] }).toEqual({ line: firstDiff, got: golden[firstDiff] });
    }
    expect(lines.length).toBe(golden.length);
    // Scrub paths were taken in the lake's lines: tokens for emails, phones, names, addresses and a
    // URL-encoded email, and none of the clear values (quarantine keeps originals as sent here).
    const text = golden.filter((l) => l.startsWith('bronze')).join('\n');
    for (const token of ['@example.com', 'phone:', 'name:', 'addr:', '%40example.com'])
      expect(text).toContain(token);
    expect(text).not.toMatch(/user\d+@example\.com|Lovelace|555-0132|Market St/);
  });
});
