import { type SloConfig, sloDimensions, windowSeconds } from '../domain/slo';

/**
 * The two CloudWatch dashboards, rendered with the alarms (scripts/gen-slo-alarms.ts): executive
 * (SLO compliance and error budget left, freshness, volume, cost drivers) and on-call (success
 * rate, lag, errors and throttles, quarantine, pipeline). Bodies are JSON with ${…} references the
 * template substitutes (region, stream, functions, state machine).
 */
type Widget = Record<string, unknown>;
const svc = ['service', 'c360'];
/** A ${…} reference for Fn::Sub. */
const sub = (name: string) => `\${${name}}`;
const c360 = (name: string, extra: Record<string, unknown> = {}) => ['c360', name, ...svc, extra];

function metricWidget(title: string, metrics: unknown[], opts: Record<string, unknown> = {}): Widget {
  return {
    type: 'metric',
    width: 12,
    height: 6,
    properties: {
      title,
      region: sub('AWS::Region'),
      view: 'timeSeries',
      stat: 'Sum',
      period: 300,
      metrics,
      ...opts,
    },
  };
}

function sloWidgets(cfg: SloConfig): Widget[] {
  return cfg.slos.map((slo) => {
    const dims = sloDimensions(slo).flatMap((d) => [d.Name, d.Value]);
    const budget = 1 - slo.target;
    const period = Math.min(windowSeconds(slo.window), 2_592_000);
    const metrics =
      slo.kind === 'ratio'
        ? [
            ...[...new Set([...slo.good, ...slo.total])].map((n, i) => [
              'c360',
              n,
              ...dims,
              { id: `m${i}`, visible: false, stat: 'Sum', period },
            ]),
            [
              {
                id: 'sli',
                label: `${slo.name} (target ${slo.target})`,
                expression: `(${slo.good.map((n) => `FILL(m${[...new Set([...slo.good, ...slo.total])].indexOf(n)}, 0)`).join(' + ')}) / (${slo.total.map((n) => `FILL(m${[...new Set([...slo.good, ...slo.total])].indexOf(n)}, 0)`).join(' + ')})`,
              },
            ],
            [
              {
                id: 'budget',
                label: 'error budget left',
                expression: `1 - (1 - sli) / ${budget.toPrecision(6)}`,
              },
            ],
          ]
        : [
            [
              'c360',
              slo.metric,
              ...dims,
              { id: 'within', visible: false, stat: `PR(:${slo.thresholdMs})`, period },
            ],
            [{ id: 'sli', label: `${slo.name} (target ${slo.target})`, expression: 'within / 100' }],
            [
              {
                id: 'budget',
                label: 'error budget left',
                expression: `1 - (1 - sli) / ${budget.toPrecision(6)}`,
              },
            ],
          ];
    return metricWidget(`SLO ${slo.name}: ${slo.window} compliance and error budget left (ratio)`, metrics, {
      view: 'singleValue',
      period,
    });
  });
}

export function dashboardBodies(cfg: SloConfig, functions: string[]): { executive: string; oncall: string } {
  const executive: Widget[] = [
    ...sloWidgets(cfg),
    metricWidget('Freshness: enrich lag p50 / p95 (ms)', [
      c360('EnrichLagMs', { stat: 'p50', label: 'p50' }),
      c360('EnrichLagMs', { stat: 'p95', label: 'p95' }),
    ]),
    metricWidget('Volume: events accepted and stored (events per 5 min)', [
      c360('IngestAccepted', { label: 'SDK events accepted' }),
      c360('EnrichDelivered', { label: 'stored in bronze' }),
      c360('EnrichQuarantined', { label: 'quarantined' }),
    ]),
    metricWidget('Cost drivers: Lambda duration (ms, sum) and stream bytes in', [
      ...functions.map((f) => ['AWS/Lambda', 'Duration', 'FunctionName', `\${${f}}`, { label: f }]),
      [
        'AWS/Kinesis',
        'IncomingBytes',
        'StreamName',
        sub('EventStream'),
        { yAxis: 'right', label: 'stream bytes' },
      ],
    ]),
  ];
  const oncall: Widget[] = [
    metricWidget('Ingestion: events read, stored, quarantined, duplicates, failed records (per 5 min)', [
      c360('EnrichEvents'),
      c360('EnrichDelivered'),
      c360('EnrichQuarantined'),
      c360('EnrichDuplicates'),
      c360('EnrichFailedRecords'),
    ]),
    metricWidget('Lag: stream iterator age and enrich lag (ms, max)', [
      [
        'AWS/Kinesis',
        'GetRecords.IteratorAgeMilliseconds',
        'StreamName',
        sub('EventStream'),
        { stat: 'Maximum' },
      ],
      c360('EnrichLagMs', { stat: 'Maximum' }),
    ]),
    metricWidget(
      'Lambda errors and throttles (per 5 min)',
      functions.flatMap((f) => [
        ['AWS/Lambda', 'Errors', 'FunctionName', `\${${f}}`, { label: `${f} errors` }],
        ['AWS/Lambda', 'Throttles', 'FunctionName', `\${${f}}`, { label: `${f} throttles` }],
      ]),
    ),
    metricWidget('Quarantine by reason (events per 5 min)', [
      [
        {
          id: 'q',
          expression: `SEARCH('{c360,reason,service} MetricName="QuarantinedByReason"', 'Sum', 300)`,
          label: '',
        },
      ],
    ]),
    metricWidget('Rejected at the edge: API 4xx, webhook 5xx, file rows (per 5 min)', [
      c360('IngestRejected'),
      c360('WebhookFailed'),
      c360('FileRowsRejected'),
    ]),
    metricWidget(
      'Daily pipeline: executions succeeded and failed (per day)',
      [
        ['AWS/States', 'ExecutionsSucceeded', 'StateMachineArn', sub('DailyPipeline')],
        ['AWS/States', 'ExecutionsFailed', 'StateMachineArn', sub('DailyPipeline')],
      ],
      { period: 86_400 },
    ),
    metricWidget('Enrich on-failure queue depth (messages, max)', [
      [
        'AWS/SQS',
        'ApproximateNumberOfMessagesVisible',
        'QueueName',
        sub('EnrichFailureQueue.QueueName'),
        { stat: 'Maximum' },
      ],
    ]),
  ];
  return {
    executive: JSON.stringify({ widgets: executive }),
    oncall: JSON.stringify({ widgets: oncall }),
  };
}
