import { formatInstant, parseInstant, withExplicitZone } from '../../../src/domain/instant';

describe('parseInstant', () => {
  it('reads ISO UTC instants exactly as Date.parse does (calendar edges, fractions, hour 24, old years)', () => {
    const pad = (v: number, w = 2) => String(v).padStart(w, '0');
    const samples: string[] = [];
    for (const year of [1, 99, 999, 1000, 1970, 2000, 2024, 2026, 9999])
      for (let month = 0; month <= 13; month++)
        for (const day of [0, 1, 28, 29, 30, 31, 32])
          samples.push(`${pad(year, 4)}-${pad(month)}-${pad(day)}T12:34:56Z`);
    for (const hour of [0, 23, 24, 25])
      for (const minute of [0, 59, 60])
        for (const second of ['00', '59', '60'])
          for (const fraction of ['', '.1', '.12', '.123', '.1234', '.987654321'])
            samples.push(`2026-06-15T${pad(hour)}:${pad(minute)}:${second}${fraction}Z`);
    samples.push('2026-12-31T23:59:59.999Z', '1999-12-31T23:59:59.9999Z', '2026-01-01T00:00:00.000Z');
    const expected = (s: string) => {
      const t = Date.parse(s);
      return Number.isNaN(t) ? null : t;
    };
    const disagree = samples.filter((s) => parseInstant(s) !== expected(s));
    expect(disagree).toEqual([]);
    // Both outcomes are exercised, the digit-by-digit path included.
    expect(samples.filter((s) => expected(s) === null).length).toBeGreaterThan(100);
    expect(samples.filter((s) => expected(s) !== null).length).toBeGreaterThan(400);
    expect(parseInstant('2026-01-01T10:00:02.5Z')).toBe(Date.UTC(2026, 0, 1, 10, 0, 2, 500));
  });

  it('formats instants exactly as Date#toISOString (leap days, century rules, before 1970, the edges of years 1000-9999)', () => {
    const samples: number[] = [0, -1, 1, 86_399_999, 86_400_000];
    for (const y of [1000, 1600, 1700, 1899, 1900, 1969, 1970, 2000, 2024, 2100, 2400, 9999])
      for (const [m, d] of [
        [0, 1],
        [1, 28],
        [1, 29],
        [2, 1],
        [11, 31],
      ] as const)
        samples.push(Date.UTC(y, m, d), Date.UTC(y, m, d, 23, 59, 59, 999), Date.UTC(y, m, d) - 1);
    // Outside 1000-9999 (toISOString's own path).
    samples.push(Date.UTC(999, 11, 31, 23, 59, 59, 999), Date.UTC(10000, 0, 1), -62198755200000);
    // Fractions of a millisecond, as a Date truncates them.
    samples.push(1.5, -1.5, 1767225600123.9, -86_400_000.25);
    // A seeded spread over 1000-9999, millisecond resolution.
    let x = 42;
    for (let i = 0; i < 20_000; i++) {
      x = (x * 1103515245 + 12345) % 2 ** 31;
      samples.push(Math.floor(-30610224000000 + (x / 2 ** 31) * (253402300800000 + 30610224000000)));
    }
    expect(samples.filter((t) => formatInstant(t) !== new Date(t).toISOString())).toEqual([]);
  });
});

describe('withExplicitZone', () => {
  it('gives a zone-less date-time its UTC "Z" and leaves everything else as sent', () => {
    expect(withExplicitZone('2026-01-01T09:59:58')).toBe('2026-01-01T09:59:58Z');
    expect(withExplicitZone('2026-01-01 09:59:58.5')).toBe('2026-01-01T09:59:58.5Z');
    for (const kept of [
      '2026-01-01T09:59:58Z',
      '2026-01-01T09:59:58+02:00',
      '2026-01-01T09:59:58-0500',
      '2026-01-01 09:59:58 UTC',
      '2026-01-01',
      'yesterday',
    ])
      expect(withExplicitZone(kept)).toBe(kept);
    expect(withExplicitZone(null)).toBeNull();
    // What it returns means what parseInstant reads from the text as sent.
    expect(parseInstant(withExplicitZone('2026-01-01T09:59:58') as string)).toBe(
      parseInstant('2026-01-01T09:59:58'),
    );
  });
});
