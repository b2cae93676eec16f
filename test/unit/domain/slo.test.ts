import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { yamlParse } from 'yaml-cfn';
import { EmfMetrics } from '../../../src/adapters/local/telemetry';
import { run } from '../../../src/cli/commands/slo';
import {
  evaluateSlos,
  loadSlos,
  type Observation,
  observationsFromEmf,
  windowSeconds,
} from '../../../src/domain/slo';
import { renderSloBlock } from '../../../src/infra/slo-alarms';

const root = join(__dirname, '../../..');
const cfg = loadSlos(root);
const template = readFileSync(join(root, 'template.yaml'), 'utf8');
const NOW = Date.parse('2026-11-30T12:00:00Z');
const MIN = 60_000;

/** Enrich counters every minute for `minutes` minutes back from NOW: `events` read, `failed` of them lost. */
function enrichMinutes(minutes: number, events: number, failed: number): Observation[] {
  const out: Observation[] = [];
  // At NOW, NOW − 1 min, …: `minutes` points inside the window (NOW − minutes, NOW].
  for (let i = 0; i < minutes; i++) {
    const at = NOW - i * MIN;
    out.push(
      { at, name: 'EnrichEvents', value: events },
      { at, name: 'EnrichDelivered', value: events - failed },
    );
  }
  return out;
}

describe('SLOs (config/slos.json)', () => {
  it('the alarms in template.yaml are exactly what config/slos.json renders (run gen-slo-alarms after editing it)', () => {
    expect(renderSloBlock(template, cfg)).toBe(template);
  });

  it('renders multi-window burn-rate alarms: page on 1h+5m or 6h+30m, ticket on 1d+2h unless paging; different topics', () => {
    const r = (
      yamlParse(template) as {
        Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
      }
    ).Resources;
    for (const slo of cfg.slos) {
      const base = `Slo${slo.name.replace(/(^|_)([a-z])/g, (_, __, c: string) => c.toUpperCase())}`;
      const page = JSON.stringify(r[`${base}Page`]?.Properties.AlarmRule);
      for (const rule of cfg.burnRates.page)
        expect(page).toContain(
          `(ALARM(\\"\${${base}Burn${rule.long}}\\") AND ALARM(\\"\${${base}Burn${rule.short}}\\"))`,
        );
      const ticket = JSON.stringify(r[`${base}Ticket`]?.Properties.AlarmRule);
      expect(ticket).toContain(`NOT ALARM(\\"\${${base}Page}\\")`);
      expect(JSON.stringify(r[`${base}Page`]?.Properties.AlarmActions)).toContain('PageTopic');
      expect(JSON.stringify(r[`${base}Ticket`]?.Properties.AlarmActions)).toContain('TicketTopic');
      // Each window alarm's metric period is the window; its threshold the lowest rate any rule uses it with.
      for (const rule of [...cfg.burnRates.page, ...cfg.burnRates.ticket])
        for (const w of [rule.long, rule.short]) {
          const alarm = r[`${base}Burn${w}`]?.Properties as {
            Threshold: number;
            Metrics: { MetricStat?: { Period: number } }[];
          };
          expect(
            alarm.Metrics.filter((m) => m.MetricStat).every((m) => m.MetricStat?.Period === windowSeconds(w)),
          ).toBe(true);
          expect(alarm.Threshold).toBeLessThanOrEqual(rule.burn);
        }
    }
    // Every function has error and throttle alarms.
    for (const [name, res] of Object.entries(r))
      if (res.Type === 'AWS::Serverless::Function') {
        expect(r[`${name}ErrorsAlarm`]).toBeDefined();
        expect(r[`${name}ThrottlesAlarm`]).toBeDefined();
      }
  });

  it('adding an SLO to the file adds its window, page and ticket alarms to the rendered template', () => {
    const more = {
      ...cfg,
      slos: [
        ...cfg.slos,
        {
          ...cfg.slos[0],
          name: 'file_rows',
          good: ['FileRowsAccepted'],
          total: ['FileRowsAccepted', 'FileRowsRejected'],
        } as (typeof cfg.slos)[number],
      ],
    };
    const r = (yamlParse(renderSloBlock(template, more)) as { Resources: Record<string, unknown> }).Resources;
    const windows = [
      ...new Set([...cfg.burnRates.page, ...cfg.burnRates.ticket].flatMap((b) => [b.long, b.short])),
    ];
    for (const w of windows) expect(r[`SloFileRowsBurn${w}`]).toBeDefined();
    expect(r.SloFileRowsPage).toBeDefined();
    expect(r.SloFileRowsTicket).toBeDefined();
    expect(JSON.stringify(r.ExecutiveDashboard)).toContain('SLO file_rows');
  });

  it('a fast burn pages: 10 % of events lost for the last hour is 100× the 0.1 % budget', () => {
    const obs = [
      ...enrichMinutes(60 * 24, 1000, 0).filter((o) => o.at <= NOW - 60 * MIN),
      ...enrichMinutes(60, 1000, 100),
    ];
    const [ingestion] = evaluateSlos(cfg, obs, NOW);
    // Independently: the last hour lost 100 of 1000 a minute; a day holds 1440 minutes of 1000.
    expect(ingestion?.burn['1h']).toBeCloseTo(0.1 / 0.001, 6);
    expect(ingestion?.burn['1d']).toBeCloseTo((60 * 100) / (1440 * 1000) / 0.001, 6);
    expect(ingestion?.alert).toBe('page');
    expect(ingestion?.compliant).toBe(false);
  });

  it('a slow burn opens a ticket, and a clean window is compliant with its whole budget left', () => {
    // 1 % of batches late over the last day: 0.01 / 0.05 = 0.2× the freshness budget: nothing.
    // 20 % late over the last day: 4× the budget: over the ticket rate (3), under the page rates.
    const lags = (share: number): Observation[] =>
      Array.from({ length: 1440 }, (_, i) => ({
        at: NOW - i * MIN,
        name: 'EnrichLagMs',
        value: i % Math.round(1 / share) === 0 ? 600_000 : 1_000,
      }));
    const [, calm] = evaluateSlos(cfg, lags(0.01), NOW);
    expect(calm).toMatchObject({ name: 'freshness', compliant: true, alert: null });
    const [, slow] = evaluateSlos(cfg, lags(0.2), NOW);
    expect(slow?.burn['1d']).toBeCloseTo(0.2 / 0.05, 6);
    expect(slow?.alert).toBe('ticket');
    const [clean] = evaluateSlos(cfg, enrichMinutes(120, 500, 0), NOW);
    expect(clean).toMatchObject({ value: 1, compliant: true, budget_left: 1, alert: null });
  });

  it('reads the EMF lines the embedded runtime writes', () => {
    const m = new EmfMetrics('c360', 'c360-enrich');
    m.addMetric('EnrichEvents', 'Count', 7);
    m.addMetric('EnrichDelivered', 'Count', 6);
    m.publishStoredMetrics();
    const obs = observationsFromEmf(m.published.map((p) => JSON.stringify(p)).join('\n'));
    expect(obs.map((o) => [o.name, o.value])).toEqual([
      ['EnrichEvents', 7],
      ['EnrichDelivered', 6],
    ]);
  });

  it('c360 slo exits 1 on a fast burn and says where to look; 2 without metrics', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'c360-slo-'));
    const err = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const out = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      expect(await run(['--data', dir])).toBe(2);
      const m = new EmfMetrics('c360', 'c360-enrich', join(dir, 'metrics', 'emf.ndjson'));
      m.addMetric('EnrichEvents', 'Count', 1000);
      m.addMetric('EnrichDelivered', 'Count', 500);
      m.publishStoredMetrics();
      expect(await run(['--data', dir, '--format', 'json'])).toBe(1);
      const printed = JSON.parse(String(out.mock.calls.at(-1)?.[0])) as {
        name: string;
        compliant: boolean;
      }[];
      expect(printed.find((s) => s.name === 'ingestion_success')).toMatchObject({
        compliant: false,
        value: 0.5,
      });
      expect(String(err.mock.calls.at(-1)?.[0])).toMatch(/fast burn on ingestion_success/);
    } finally {
      err.mockRestore();
      out.mockRestore();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('CloudWatch dashboards (rendered with the alarms)', () => {
  const r = (
    yamlParse(template) as {
      Resources: Record<string, { Type: string; Properties: { DashboardBody?: { 'Fn::Sub': string } } }>;
    }
  ).Resources;
  const catalogue = readFileSync(join(root, 'docs/metrics.md'), 'utf8');
  it.each(['ExecutiveDashboard', 'OnCallDashboard'])(
    '%s: every widget titled, every c360 metric in the catalogue',
    (name) => {
      const body = r[name]?.Properties.DashboardBody?.['Fn::Sub'] as string;
      const parsed = JSON.parse(body.replace(/\$\{[^}]+\}/g, 'x')) as {
        widgets: { properties: { title: string; metrics: unknown[][] } }[];
      };
      expect(parsed.widgets.length).toBeGreaterThan(3);
      for (const w of parsed.widgets) {
        expect(w.properties.title.length).toBeGreaterThan(10);
        for (const m of w.properties.metrics)
          if (m[0] === 'c360')
            expect({ metric: m[1], documented: catalogue.includes(String(m[1])) }).toEqual({
              metric: m[1],
              documented: true,
            });
      }
    },
  );
  it('the executive dashboard shows each SLO and its error budget', () => {
    const body = r.ExecutiveDashboard?.Properties.DashboardBody?.['Fn::Sub'] as string;
    for (const slo of cfg.slos) expect(body).toContain(`SLO ${slo.name}`);
    expect(body).toContain('error budget left');
  });
});

describe('SLO runbooks', () => {
  // GitHub's heading anchors: lower case, punctuation but "-" dropped, spaces as "-".
  const slug = (h: string) =>
    h
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\- ]/gu, '')
      .replace(/ /g, '-');
  it('every SLO links a section of docs/operations.md that exists', () => {
    const root = join(__dirname, '../../..');
    const headings = readFileSync(join(root, 'docs', 'operations.md'), 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('## '))
      .map((l) => slug(l.slice(3)));
    for (const s of loadSlos(root).slos)
      expect({ slo: s.name, found: headings.includes(s.runbook) }).toEqual({ slo: s.name, found: true });
  });
});
