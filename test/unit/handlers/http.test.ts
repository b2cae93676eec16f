import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { yamlParse } from 'yaml-cfn';
import { evaluateSlos, loadSlos, type Observation } from '../../../src/domain/slo';
import { json, withEdgeMetrics } from '../../../src/handlers/http';
import type { MetricsPort } from '../../../src/ports/telemetry';
import { apiEvent } from '../../helpers/http';

/**
 * The edge SLI: what SDK, webhook and postback callers saw. Embedded, every answer of the ingest
 * and webhook handlers counts; in AWS, API Gateway's own metrics (where a timeout or an
 * integration failure is felt) plus the functions' 429s.
 */
const root = join(__dirname, '../../..');

function recorder() {
  const seen: { name: string; value: number }[] = [];
  let published = 0;
  const metrics: MetricsPort = {
    addMetric: (name, _unit, value) => seen.push({ name, value }),
    addDimension: () => {},
    addDimensions: () => {},
    publishStoredMetrics: () => {
      published++;
    },
  };
  return { metrics, seen, published: () => published };
}

describe('edge availability', () => {
  it('counts every answer; a 5xx or a 429 is not answered, a caller mistake is', async () => {
    const statuses = [200, 200, 400, 401, 413, 429, 500, 503];
    const r = recorder();
    let i = 0;
    const handler = withEdgeMetrics(r.metrics, async () => json(statuses[i++] as number, {}));
    for (const _ of statuses) await handler(apiEvent({ path: '/v1/batch', body: '{}' }));
    const sum = (name: string) => r.seen.filter((m) => m.name === name).reduce((a, m) => a + m.value, 0);
    expect(sum('EdgeRequests')).toBe(statuses.length);
    expect(sum('EdgeAnswered')).toBe(statuses.filter((s) => s < 500 && s !== 429).length);
    expect(sum('EdgeThrottled')).toBe(statuses.filter((s) => s === 429).length);
    expect(r.published()).toBe(statuses.length);
  });

  it('embedded, the SLO reads those counters: 1 % of answers failing burns 10× a 0.1 % budget', () => {
    const cfg = loadSlos(root);
    const slo = cfg.slos.find((s) => s.name === 'edge_availability');
    expect(slo?.target).toBe(0.999);
    const NOW = Date.parse('2026-11-30T12:00:00Z');
    const obs: Observation[] = [];
    for (let m = 0; m < 60; m++) {
      obs.push({ at: NOW - m * 60_000, name: 'EdgeRequests', value: 100 });
      obs.push({ at: NOW - m * 60_000, name: 'EdgeAnswered', value: 99 });
    }
    const report = evaluateSlos(cfg, obs, NOW).find((r) => r.name === 'edge_availability');
    expect(report?.burn['1h']).toBeCloseTo(0.01 / 0.001, 6);
    expect(report?.compliant).toBe(false);
  });

  it("in AWS its burn alarms read API Gateway's Count and 5xx for this stack's API, and the functions' 429s", () => {
    const t = yamlParse(readFileSync(join(root, 'template.yaml'), 'utf8')) as {
      Resources: Record<string, { Type: string; Properties: { Metrics?: Record<string, unknown>[] } }>;
    };
    const alarm = t.Resources.SloEdgeAvailabilityBurn1h?.Properties.Metrics ?? [];
    const stat = (id: string) =>
      (alarm.find((m) => m.Id === id) as { MetricStat: { Metric: unknown; Stat: string } })?.MetricStat;
    expect(stat('t0')?.Metric).toEqual({
      Namespace: 'AWS/ApiGateway',
      MetricName: 'Count',
      Dimensions: [{ Name: 'ApiId', Value: { 'Fn::Sub': ['$', '{HttpApi}'].join('') } }],
    });
    expect(stat('b0')?.Metric).toMatchObject({ Namespace: 'AWS/ApiGateway', MetricName: '5xx' });
    expect(stat('b1')?.Metric).toMatchObject({ Namespace: 'c360', MetricName: 'EdgeThrottled' });
    expect(t.Resources.HttpApi?.Type).toBe('AWS::Serverless::HttpApi');
    const burn = alarm.find((m) => m.Id === 'burn') as { Expression: string };
    expect(burn.Expression).toBe(
      'IF((FILL(t0, 0)) > 0, ((FILL(b0, 0) + FILL(b1, 0)) / (FILL(t0, 0))) / 0.001, 0)',
    );
  });
});
