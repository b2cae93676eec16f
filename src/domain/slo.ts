import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { C360Error } from './errors';

/**
 * Service level objectives, defined once (config/slos.json) and used twice: rendered into the
 * CloudWatch multi-window, multi-burn-rate alarms of template.yaml, and evaluated by `c360 slo` on
 * the embedded metrics. An SLO is either a ratio (good events / total events, from counters) or a
 * latency (the share of observations at most a threshold). Its error budget is 1 − target; a burn
 * rate is the error rate over a window divided by that budget (1 = spending exactly on schedule).
 */
export interface BurnRule {
  burn: number;
  long: string;
  short: string;
}

/** A CloudWatch metric an SLO reads in AWS (namespace c360 and {service: c360} by default). */
export interface MetricRef {
  metric: string;
  namespace?: string;
  /** Values may name a stack resource as `${Resource}` (rendered as Fn::Sub). */
  dimensions?: Record<string, string>;
}

export interface RatioSlo {
  name: string;
  description: string;
  target: number;
  window: string;
  kind: 'ratio';
  good: string[];
  total: string[];
  /** The metrics' CloudWatch dimensions (default {service: c360}, what the functions emit). */
  dimensions?: Record<string, string>;
  /**
   * Where AWS measures the same SLI when the callers' view is an AWS service's metric (API
   * Gateway's): error rate = sum(bad) / sum(total). Embedded, good/total above are used.
   */
  aws?: { total: MetricRef[]; bad: MetricRef[] };
  runbook: string;
}

export interface LatencySlo {
  name: string;
  description: string;
  target: number;
  window: string;
  kind: 'latency';
  metric: string;
  thresholdMs: number;
  dimensions?: Record<string, string>;
  runbook: string;
}

/** An SLO's metric dimensions as CloudWatch takes them. */
export const sloDimensions = (slo: Slo) =>
  Object.entries(slo.dimensions ?? { service: 'c360' }).map(([Name, Value]) => ({ Name, Value }));

export type Slo = RatioSlo | LatencySlo;

export interface SloConfig {
  burnRates: { page: BurnRule[]; ticket: BurnRule[] };
  slos: Slo[];
}

/** "5m", "6h", "30d" → seconds. */
export function windowSeconds(w: string): number {
  const m = /^(\d+)([mhd])$/.exec(w);
  if (!m) throw new C360Error(`a window is a number and m, h or d (e.g. 5m, 1h, 30d), got "${w}"`);
  return Number(m[1]) * { m: 60, h: 3600, d: 86_400 }[m[2] as 'm' | 'h' | 'd'];
}

export function loadSlos(root: string): SloConfig {
  const file = join(root, 'config', 'slos.json');
  const cfg = JSON.parse(readFileSync(file, 'utf8')) as SloConfig;
  for (const s of cfg.slos) {
    if (!(s.target > 0 && s.target < 1))
      throw new C360Error(`${file}: ${s.name}.target must be between 0 and 1`);
    windowSeconds(s.window);
  }
  for (const r of [...cfg.burnRates.page, ...cfg.burnRates.ticket]) {
    if (windowSeconds(r.short) >= windowSeconds(r.long))
      throw new C360Error(
        `${file}: a burn rule's short window must be shorter than its long one (${r.short} vs ${r.long})`,
      );
  }
  return cfg;
}

/** One observation of a metric, as an EMF line carries it. */
export interface Observation {
  at: number;
  name: string;
  value: number;
}

/** Error rate of an SLO over (from, to]: null when nothing was observed. */
export function errorRate(slo: Slo, obs: readonly Observation[], from: number, to: number): number | null {
  const inWindow = obs.filter((o) => o.at > from && o.at <= to);
  if (slo.kind === 'ratio') {
    const sum = (names: string[]) =>
      inWindow.filter((o) => names.includes(o.name)).reduce((a, o) => a + o.value, 0);
    const total = sum(slo.total);
    return total > 0 ? Math.max(0, 1 - sum(slo.good) / total) : null;
  }
  const values = inWindow.filter((o) => o.name === slo.metric);
  return values.length ? values.filter((o) => o.value > slo.thresholdMs).length / values.length : null;
}

export interface SliReport {
  name: string;
  description: string;
  target: number;
  window: string;
  /** The SLI over the SLO window: good share (ratio) or share within the threshold (latency). */
  value: number | null;
  compliant: boolean | null;
  /** Share of the window's error budget not yet spent (negative: overspent). */
  budget_left: number | null;
  /** Burn rate per rule window, e.g. {"5m": 0, "1h": 2.1}. */
  burn: Record<string, number | null>;
  /** "page" or "ticket" when a burn rule holds (both of its windows over the rate). */
  alert: 'page' | 'ticket' | null;
}

export function evaluateSlos(
  cfg: SloConfig,
  obs: readonly Observation[],
  now: number,
  window?: string,
): SliReport[] {
  const rules = [
    ...cfg.burnRates.page.map((r) => ({ ...r, severity: 'page' as const })),
    ...cfg.burnRates.ticket.map((r) => ({ ...r, severity: 'ticket' as const })),
  ];
  const windows = [...new Set(rules.flatMap((r) => [r.short, r.long]))].sort(
    (a, b) => windowSeconds(a) - windowSeconds(b),
  );
  return cfg.slos.map((slo) => {
    const budget = 1 - slo.target;
    const span = window ?? slo.window;
    const rate = errorRate(slo, obs, now - windowSeconds(span) * 1000, now);
    const burnOf = (w: string) => {
      const e = errorRate(slo, obs, now - windowSeconds(w) * 1000, now);
      return e === null ? null : e / budget;
    };
    const burn = Object.fromEntries(windows.map((w) => [w, burnOf(w)]));
    const holds = (r: BurnRule) => (burn[r.long] ?? 0) > r.burn && (burn[r.short] ?? 0) > r.burn;
    const alert = rules.some((r) => r.severity === 'page' && holds(r))
      ? 'page'
      : rules.some((r) => r.severity === 'ticket' && holds(r))
        ? 'ticket'
        : null;
    return {
      name: slo.name,
      description: slo.description,
      target: slo.target,
      window: span,
      value: rate === null ? null : 1 - rate,
      compliant: rate === null ? null : 1 - rate >= slo.target,
      budget_left: rate === null ? null : 1 - rate / budget,
      burn,
      alert,
    };
  });
}

/** EMF lines (as the embedded runtime keeps them) → observations, one per metric value. */
export function observationsFromEmf(text: string): Observation[] {
  const out: Observation[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    let rec: Record<string, unknown>;
    try {
      rec = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue;
    }
    const aws = rec._aws as
      | { Timestamp?: number; CloudWatchMetrics?: { Metrics?: { Name: string }[] }[] }
      | undefined;
    if (!aws?.Timestamp) continue;
    for (const d of aws.CloudWatchMetrics ?? [])
      for (const m of d.Metrics ?? []) {
        const v = rec[m.Name];
        for (const value of Array.isArray(v) ? v : [v])
          if (typeof value === 'number') out.push({ at: aws.Timestamp, name: m.Name, value });
      }
  }
  return out;
}
