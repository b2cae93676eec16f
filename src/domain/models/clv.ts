import betaln from '@stdlib/math-base-special-betaln';
import gammaln from '@stdlib/math-base-special-gammaln';
import { nelderMead } from './optimize';

/**
 * Customer lifetime value: BG/NBD (Fader, Hardie & Lee 2005) for repeat purchasing and dropout,
 * Gamma-Gamma (Fader, Hardie & Lee 2005, JMR) for spend per purchase. Fitted by maximum
 * likelihood on log parameters (so they stay positive) with the likelihoods in log space
 * (log-gamma and log-beta from @stdlib, a log-sum-exp for BG/NBD's two terms). Time unit: weeks.
 * The conditional expectation sums its hypergeometric series in a form that stays finite where
 * the textbook 2F1 has a pole (a + b < 1).
 */
export interface RfmSummary {
  customerId: string;
  /** Repeat purchase days in the calibration period (purchases on one day count once). */
  frequency: number;
  /** Weeks from the first to the last purchase day. */
  recency: number;
  /** Weeks from the first purchase day to the end of calibration. */
  T: number;
  /** Mean spend of the repeat purchase days (first day excluded); 0 without repeats. */
  monetary: number;
}

export interface Purchase {
  customerId: string;
  /** YYYY-MM-DD */
  date: string;
  amount: number;
}

const DAY = 86_400_000;
const days = (a: string, b: string) => (Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / DAY;

/** Purchases → per-customer calibration summary (customers whose first purchase is after the end are left out). */
export function summarize(purchases: Purchase[], calibrationEnd: string): RfmSummary[] {
  const byCustomer = new Map<string, Map<string, number>>();
  for (const p of purchases) {
    if (p.date > calibrationEnd) continue;
    const daysMap = byCustomer.get(p.customerId) ?? new Map<string, number>();
    daysMap.set(p.date, (daysMap.get(p.date) ?? 0) + p.amount);
    byCustomer.set(p.customerId, daysMap);
  }
  const out: RfmSummary[] = [];
  for (const [customerId, d] of byCustomer) {
    const dates = [...d.keys()].sort();
    const first = dates[0] as string;
    const last = dates.at(-1) as string;
    const repeat = dates.slice(1).map((x) => d.get(x) as number);
    out.push({
      customerId,
      frequency: dates.length - 1,
      recency: days(first, last) / 7,
      T: days(first, calibrationEnd) / 7,
      monetary: repeat.length ? repeat.reduce((s, v) => s + v, 0) / repeat.length : 0,
    });
  }
  return out.sort((a, b) => (a.customerId < b.customerId ? -1 : 1));
}

export interface BgNbdParams {
  r: number;
  alpha: number;
  a: number;
  b: number;
}
export interface GammaGammaParams {
  p: number;
  q: number;
  gamma: number;
}

const logSumExp = (u: number, v: number) => {
  const m = Math.max(u, v);
  return m + Math.log(Math.exp(u - m) + Math.exp(v - m));
};

/** Log-likelihood of one customer under BG/NBD. */
export function bgnbdLogLikelihood(
  { r, alpha, a, b }: BgNbdParams,
  s: Pick<RfmSummary, 'frequency' | 'recency' | 'T'>,
): number {
  const x = s.frequency;
  const a1 = gammaln(r + x) - gammaln(r) + r * Math.log(alpha);
  const a2 = betaln(a, b + x) - betaln(a, b);
  const a3 = -(r + x) * Math.log(alpha + s.T);
  if (x === 0) return a1 + a2 + a3;
  const a4 = Math.log(a) - Math.log(b + x - 1) - (r + x) * Math.log(alpha + s.recency);
  return a1 + a2 + logSumExp(a3, a4);
}

/** Customers with the same (x, t_x, T) share a likelihood term: fit on the distinct ones, weighted. */
function grouped<T>(items: T[], key: (t: T) => string): { item: T; weight: number }[] {
  const m = new Map<string, { item: T; weight: number }>();
  for (const it of items) {
    const k = key(it);
    const g = m.get(k);
    if (g) g.weight++;
    else m.set(k, { item: it, weight: 1 });
  }
  return [...m.values()];
}

export function fitBgNbd(data: RfmSummary[]): BgNbdParams {
  const groups = grouped(data, (s) => `${s.frequency}|${s.recency}|${s.T}`);
  const nll = (v: number[]) => {
    const [r, alpha, a, b] = v.map(Math.exp) as [number, number, number, number];
    let ll = 0;
    for (const { item, weight } of groups) ll += weight * bgnbdLogLikelihood({ r, alpha, a, b }, item);
    return Number.isFinite(ll) ? -ll : Number.POSITIVE_INFINITY;
  };
  const best = nelderMead(
    nll,
    [0, 0, 0, 0].map(() => Math.log(1)),
    { tolerance: 1e-14 },
  );
  // A restart from the optimum tightens the simplex (Nelder–Mead can stall on a flat ridge).
  const again = nelderMead(nll, best.x, { tolerance: 1e-15, step: 0.01 });
  const [r, alpha, a, b] = again.x.map(Math.exp) as [number, number, number, number];
  return { r, alpha, a, b };
}

/** Log-likelihood of one repeat customer's mean spend under Gamma-Gamma. */
export function gammaGammaLogLikelihood({ p, q, gamma }: GammaGammaParams, x: number, m: number): number {
  return (
    gammaln(p * x + q) -
    gammaln(p * x) -
    gammaln(q) +
    q * Math.log(gamma) +
    (p * x - 1) * Math.log(m) +
    p * x * Math.log(x) -
    (p * x + q) * Math.log(gamma + m * x)
  );
}

export function fitGammaGamma(data: RfmSummary[]): GammaGammaParams {
  const repeat = data.filter((s) => s.frequency > 0 && s.monetary > 0);
  const nll = (v: number[]) => {
    const [p, q, gamma] = v.map(Math.exp) as [number, number, number];
    let ll = 0;
    for (const s of repeat) ll += gammaGammaLogLikelihood({ p, q, gamma }, s.frequency, s.monetary);
    return Number.isFinite(ll) ? -ll : Number.POSITIVE_INFINITY;
  };
  const best = nelderMead(nll, [0, 0, 0], { tolerance: 1e-14 });
  const again = nelderMead(nll, best.x, { tolerance: 1e-15, step: 0.01 });
  const [p, q, gamma] = again.x.map(Math.exp) as [number, number, number];
  return { p, q, gamma };
}

/**
 * P(alive | x, t_x, T) = 1 / (1 + δ(x>0) · a/(b+x−1) · ((α+T)/(α+t_x))^(r+x)), computed from the log
 * of the second term, so ((α+T)/(α+t_x))^(r+x) never overflows for frequent, long-gone customers.
 */
export function pAlive(
  { r, alpha, a, b }: BgNbdParams,
  s: Pick<RfmSummary, 'frequency' | 'recency' | 'T'>,
): number {
  const x = s.frequency;
  if (x === 0) return 1;
  const logTerm =
    Math.log(a) - Math.log(b + x - 1) + (r + x) * (Math.log(alpha + s.T) - Math.log(alpha + s.recency));
  return logTerm > 0 ? Math.exp(-logTerm) / (1 + Math.exp(-logTerm)) : 1 / (1 + Math.exp(logTerm));
}

/**
 * E[X(t) | x, t_x, T]: expected repeat purchases in the next t weeks (eq. 10 of Fader, Hardie &
 * Lee 2005):  [(a+b+x−1)/(a−1)] · [1 − R · 2F1(r+x, b+x; a+b+x−1; z)] · P(alive),
 * R = ((α+T)/(α+T+t))^(r+x), z = t/(α+T+t). With a+b < 1 a customer without repeats has
 * c = a+b+x−1 ≤ 0, where 2F1 has a pole and the textbook evaluation is NaN; but c · [1 − R·2F1]
 * is finite, because every term k ≥ 1 of the series carries the factor 1/c. So the product is
 * summed directly:  c·(1 − R) − R · Σ_{k≥1} (A)_k (B)_k z^k / ((c+1)_{k−1} k!),  which holds for
 * every c > −1 (always true: a, b > 0). (a−1) divides both the bracket and its value, so a < 1 is
 * fine too (CDNOW's a is 0.793); only a = 1 exactly is excluded.
 */
export function expectedPurchases(
  params: BgNbdParams,
  s: Pick<RfmSummary, 'frequency' | 'recency' | 'T'>,
  t: number,
): number {
  const { r, alpha, a, b } = params;
  if (a === 1) throw new RangeError('BG/NBD expectation undefined for a = 1');
  if (t <= 0) return 0;
  const x = s.frequency;
  const A = r + x;
  const B = b + x;
  const c = a + b + x - 1;
  const z = t / (alpha + s.T + t);
  const R = Math.exp(A * (Math.log(alpha + s.T) - Math.log(alpha + s.T + t)));
  let term = A * B * z; // k = 1: (A)_1 (B)_1 z / ((c+1)_0 · 1!)
  let sum = 0;
  for (let k = 1; k < 1_000_000; k++) {
    sum += term;
    if (Math.abs(term) <= 1e-16 * Math.abs(sum)) break;
    term *= ((A + k) * (B + k) * z) / ((c + k) * (k + 1));
  }
  const scaledBracket = c * (1 - R) - R * sum; // = c · [1 − R·2F1]
  return (scaledBracket / (a - 1)) * pAlive(params, s);
}

/** E[M | x, m̄]: expected spend per purchase (Gamma-Gamma). */
export function expectedSpend(
  { p, q, gamma }: GammaGammaParams,
  s: Pick<RfmSummary, 'frequency' | 'monetary'>,
): number {
  const x = s.frequency;
  const mean = (p * gamma) / (q - 1);
  if (x === 0) return mean;
  return (p * (gamma + x * s.monetary)) / (p * x + q - 1);
}

/**
 * Discounted CLV over `months` months: expected purchases in each month × expected spend,
 * discounted at `monthlyDiscount` (default 1 % a month).
 */
export function clv(
  bg: BgNbdParams,
  gg: GammaGammaParams,
  s: RfmSummary,
  months = 12,
  monthlyDiscount = 0.01,
): number {
  const spend = expectedSpend(gg, s);
  let total = 0;
  let previous = 0;
  for (let m = 1; m <= months; m++) {
    const cumulative = expectedPurchases(bg, s, (m * 365.25) / 12 / 7);
    total += ((cumulative - previous) * spend) / (1 + monthlyDiscount) ** m;
    previous = cumulative;
  }
  return total;
}
