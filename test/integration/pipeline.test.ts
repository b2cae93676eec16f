import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import aslValidator from 'asl-validator';
import { yamlParse } from 'yaml-cfn';
import { FolderObjectStore } from '../../src/adapters/local/object-store';
import { addDays } from '../../src/domain/instant';
import { summarize } from '../../src/domain/models/clv';
import { CHURN_FEATURES } from '../../src/domain/models/features';
import { ModelRegistry } from '../../src/domain/models/registry';
import { observationsFromEmf } from '../../src/domain/slo';
import { openDuckDb } from '../../src/etl/duckdb';
import { registerLakeViews } from '../../src/etl/lake-views';
import { runEtl } from '../../src/etl/runner';
import { DRIFT_PSI_THRESHOLD, SCORING_BATCH_ROWS } from '../../src/handlers/pipeline-steps';
import { trainModels } from '../../src/models/train';
import { projectRoot } from '../../src/paths';
import { localPaths } from '../../src/runtime/local';
import { LOCAL_SUBSTITUTIONS, runBackfill, runDailyPipeline, StepError } from '../../src/runtime/pipeline';
import { closeLocalProfileStore, openLocalProfileStore } from '../../src/runtime/profiles';
import { addSubscription, localOutbox } from '../../src/runtime/reports';
import { runTrainingMachine } from '../../src/runtime/train-machine';
import { openWarehouse } from '../../src/warehouse/embedded';
import { lakeEvent, writeBronze } from '../helpers/lake';

/** The Step Functions definitions, run by the embedded ASL interpreter with named cases. */
const root = join(__dirname, '../..');
const definitions = readdirSync(join(root, 'statemachines')).filter((f) => f.endsWith('.asl.json'));
const template = readFileSync(join(root, 'template.yaml'), 'utf8');

describe('state machine definitions', () => {
  it.each(definitions)('%s is valid ASL (asl-validator)', (file) => {
    const text = readFileSync(join(root, 'statemachines', file), 'utf8').replace(
      /\$\{\w+\}/g,
      'arn:aws:lambda:eu-west-1:1:function:x',
    );
    expect(aslValidator(JSON.parse(text))).toMatchObject({ isValid: true, errors: [] });
  });

  it.each(definitions)(
    'every substitution placeholder of %s is defined by the template and embedded',
    (file) => {
      const keys = [...readFileSync(join(root, 'statemachines', file), 'utf8').matchAll(/\$\{(\w+)\}/g)].map(
        (m) => m[1] as string,
      );
      for (const k of new Set(keys)) {
        expect(LOCAL_SUBSTITUTIONS[k]).toBeDefined();
        expect(template).toMatch(new RegExp(`\\n\\s+${k}: `));
      }
    },
  );
});

describe('daily pipeline, embedded (the same ASL file)', () => {
  let dir: string;
  const DAY = '2026-03-01';
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'c360-pipe-'));
    // Real purchases: the first 400 rows of the CDNOW sample, as orders that arrived on DAY.
    const rows = readFileSync(join(root, 'data/sample/cdnow_sample.txt'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .slice(0, 400);
    await writeBronze(
      join(dir, 'lake'),
      rows.map((l, i) => {
        const [, id, d, , v] = l.trim().split(/\s+/);
        const ts = `${d?.slice(0, 4)}-${d?.slice(4, 6)}-${d?.slice(6, 8)}T12:00:00.000Z`;
        return lakeEvent(
          'order_completed',
          ts,
          [{ type: 'user_id', value: `cd-${id}` }],
          {
            orderId: `cd-${i}`,
            amount: Math.round(Number(v) * 100),
            currency: 'USD',
            status: 'paid',
          },
          { receivedAt: `${DAY}T06:00:00.000Z` },
        );
      }),
    );
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const warehouse = async () => {
    const wh = await openWarehouse(dir, { readOnly: true });
    try {
      return {
        orders: await wh.rows(
          'SELECT order_key, CAST(net_usd AS VARCHAR) AS net FROM gold.fact_orders ORDER BY 1',
        ),
        scores: await wh.rows(
          'SELECT customer_id, churn_probability, segment, CAST(clv_12m_usd AS VARCHAR) AS clv FROM gold.customer_scores ORDER BY 1',
        ),
      };
    } finally {
      wh.close();
    }
  };

  it("the scoring features and the training set (gold.churn_features, gold.churn_training: SQL) are the CLV summary's (TypeScript), customer by customer", async () => {
    const r = await runDailyPipeline(DAY, { dataDir: dir, benchmarks: false });
    expect(r.status).toBe('SUCCEEDED');
    const engine = await openDuckDb();
    try {
      await registerLakeViews(engine, join(dir, 'lake'));
      const orders = await engine.rows<{ c: string; d: string; a: number }>(
        'SELECT customer_id AS c, dt AS d, CAST(gross_usd AS DOUBLE) AS a FROM gold.fact_orders WHERE is_revenue',
      );
      const asOf = orders
        .map((o) => o.d)
        .sort()
        .at(-1) as string;
      const expected = summarize(
        orders.map((o) => ({ customerId: o.c, date: o.d, amount: o.a })),
        asOf,
      );
      const sql = await engine.rows<Record<string, number | string | boolean>>(
        'SELECT * FROM gold.churn_features ORDER BY customer_id',
      );
      expect(sql.map((s) => s.customer_id)).toEqual(expected.map((e) => e.customerId));
      sql.forEach((s, i) => {
        const e = expected[i] as (typeof expected)[number];
        expect(Number(s.frequency)).toBe(e.frequency);
        expect(Number(s.recency_weeks)).toBeCloseTo(e.recency, 9);
        expect(Number(s.tenure_weeks)).toBeCloseTo(e.T, 9);
        expect(Number(s.monetary)).toBeCloseTo(e.monetary, 9);
        expect(Number(s.weeks_since_last)).toBeCloseTo(e.T - e.recency, 9);
        // Every customer of the summary has a revenue order; the as-of day is the last order day.
        expect(s.is_buyer).toBe(true);
        expect(s.as_of).toBe(asOf);
      });
      // The training set (gold.churn_training, what the SageMaker training job reads): the
      // features as of the cutoff and the 90-day label, as src/models/train.ts computes them.
      const cutoff = addDays(asOf, -90);
      const atCutoff = summarize(
        orders.map((o) => ({ customerId: o.c, date: o.d, amount: o.a })),
        cutoff,
      );
      const boughtAfter = new Set(orders.filter((o) => o.d > cutoff && o.d <= asOf).map((o) => o.c));
      const training = await engine.rows<Record<string, number | string>>(
        'SELECT * FROM gold.churn_training ORDER BY customer_id',
      );
      expect(training.map((t) => t.customer_id)).toEqual(atCutoff.map((e) => e.customerId));
      training.forEach((t, i) => {
        const e = atCutoff[i] as (typeof atCutoff)[number];
        expect(Number(t.label)).toBe(boughtAfter.has(e.customerId) ? 0 : 1);
        expect(Number(t.frequency)).toBe(e.frequency);
        expect(Number(t.recency_weeks)).toBeCloseTo(e.recency, 9);
        expect(Number(t.tenure_weeks)).toBeCloseTo(e.T, 9);
        expect(Number(t.monetary)).toBeCloseTo(e.monetary, 9);
        expect(t.split).toBe((i + 1) % 4 === 0 ? 'validation' : 'train');
      });
      expect(new Set(training.map((t) => Number(t.label)))).toEqual(new Set([0, 1]));
      // The scoring Map scored exactly these rows, split into batches.
      const scored = readdirSync(join(dir, 'lake', 'scores', 'model=customer', `dt=${DAY}`));
      expect(scored.length).toBe(Math.ceil(sql.length / SCORING_BATCH_ROWS));
    } finally {
      engine.close();
    }
  });

  it('the same gold trains the same model version wherever the data folder is', async () => {
    await runEtl({ lakeDir: join(dir, 'lake'), from: DAY, to: DAY });
    const elsewhere = await mkdtemp(join(tmpdir(), 'c360-models-elsewhere-'));
    try {
      await cp(join(dir, 'lake', 'gold'), join(elsewhere, 'lake', 'gold'), { recursive: true });
      const here = await trainModels({ dataDir: dir, lakeDir: join(dir, 'lake'), benchmarks: false });
      const there = await trainModels({
        dataDir: elsewhere,
        lakeDir: join(elsewhere, 'lake'),
        benchmarks: false,
      });
      expect(there.version).toBe(here.version);
      expect(there.customersScored).toBe(here.customersScored);
    } finally {
      await rm(elsewhere, { recursive: true, force: true });
    }
  });

  it('training state machine: training set via Athena, XGBoost job, AUC gate, model → endpoint → registry; the customer models fitted and registered beside it; a weak model is rejected', async () => {
    await runEtl({ lakeDir: join(dir, 'lake'), from: DAY, to: DAY });
    const r = await runTrainingMachine({ dataDir: dir, minAuc: 0.5 });
    expect({ status: r.status, error: r.error, alerts: r.alerts }).toEqual({
      status: 'SUCCEEDED',
      alerts: [],
    });
    expect(r.states.filter((s) => !/^(Unload|ExportRfm|FitCustomerModels)/.test(s))).toEqual([
      'Mode',
      'ResolveDate',
      'ExportTrainingSet',
      'TrainChurn',
      'EvaluateChurn',
      'Accepted',
      'CreateModel',
      'CreateEndpointConfig',
      'FindEndpoint',
      'EndpointExists',
      // A fresh stack has no endpoint: the first accepted model creates it.
      'CreateEndpoint',
      'RegisterChurn',
      'Done',
    ]);
    expect(r.states).toEqual(expect.arrayContaining(['ExportRfm', 'FitCustomerModels']));
    // The channels are gold.churn_training's rows as SageMaker's XGBoost reads them: label first, no header.
    const engine = await openDuckDb();
    let counts: Record<string, number>;
    try {
      await registerLakeViews(engine, join(dir, 'lake'));
      counts = Object.fromEntries(
        (
          await engine.rows<{ split: string; n: string }>(
            'SELECT split, count(*) AS n FROM gold.churn_training GROUP BY split',
          )
        ).map((x) => [x.split, Number(x.n)]),
      );
    } finally {
      engine.close();
    }
    const execution = (r.job as string).replace('c360-churn-', '');
    for (const split of ['train', 'validation']) {
      const lines = readFileSync(
        join(dir, 'lake', 'training', 'churn', execution, split, 'part-0.csv'),
        'utf8',
      )
        .trim()
        .split('\n');
      expect(lines).toHaveLength(counts[split] as number);
      for (const l of lines) expect(l).toMatch(/^[01],\d+,[\d.e+-]+,[\d.e+-]+,[\d.e+-]+,[\d.e+-]+$/);
    }
    expect(r.auc).toBeGreaterThan(0.5);
    const endpoint = JSON.parse(
      readFileSync(join(dir, 'state', 'sagemaker', 'endpoints', 'c360-churn.json'), 'utf8'),
    );
    expect(endpoint).toEqual({ EndpointName: 'c360-churn', EndpointConfigName: r.job });
    const model = JSON.parse(
      readFileSync(join(dir, 'state', 'sagemaker', 'models', `${r.job}.json`), 'utf8'),
    );
    expect(
      existsSync(join(dir, 'lake', model.PrimaryContainer.ModelDataUrl.replace('s3://c360-lake-local/', ''))),
    ).toBe(true);
    // The registry: the job's model live for churn with its validation AUC and its endpoint
    // configuration; the customer models fitted on gold.churn_features, live, their artifact there.
    const registry = new ModelRegistry(new FolderObjectStore(dir));
    const churn = await registry.live('churn');
    expect(churn).toMatchObject({
      version: r.job,
      metrics: { validation_auc: r.auc },
      artifact: model.PrimaryContainer.ModelDataUrl,
      deployment: { endpointConfig: r.job },
    });
    const customer = await registry.live('customer');
    const fitted = JSON.parse(readFileSync(join(dir, customer?.artifact as string), 'utf8'));
    expect(fitted.fitted.buyers).toBe(customer?.training.rows);
    expect(Object.values(fitted.fitted.sizes as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(
      customer?.training.rows,
    );

    // Under the floor: alerted, not deployed; the endpoint keeps the first model.
    const weak = await runTrainingMachine({ dataDir: dir, minAuc: 0.99 });
    expect(weak.status).toBe('FAILED');
    expect(weak.error?.name).toBe('ModelRejected');
    expect(weak.alerts[0]).toMatch(/validation AUC of 0\.\d+, under the floor/);
    expect(
      JSON.parse(readFileSync(join(dir, 'state', 'sagemaker', 'endpoints', 'c360-churn.json'), 'utf8')),
    ).toEqual(endpoint);

    // A second accepted model updates the endpoint the first one created.
    const second = await runTrainingMachine({ dataDir: dir, minAuc: 0.5 });
    expect(second.status).toBe('SUCCEEDED');
    expect(second.states).toContain('UpdateEndpoint');
    expect(second.states).not.toContain('CreateEndpoint');
    expect(
      JSON.parse(readFileSync(join(dir, 'state', 'sagemaker', 'endpoints', 'c360-churn.json'), 'utf8')),
    ).toEqual({ EndpointName: 'c360-churn', EndpointConfigName: second.job });
    // The registry keeps both churn versions; the first is what a rollback returns to.
    expect((await registry.record('churn')).previous[0]).toBe(r.job);
    expect((await registry.live('churn'))?.version).toBe(second.job);
    // Rollback, one input: the endpoint serves the first model's configuration again, then the registry says so.
    const back = await runTrainingMachine({ dataDir: dir, input: { rollback: 'churn' } });
    expect(back.status).toBe('SUCCEEDED');
    expect(back.states).toEqual([
      'Mode',
      'PlanRollback',
      'EndpointToRollBack',
      'PointEndpointBack',
      'CommitRollback',
      'RolledBack',
    ]);
    expect(
      JSON.parse(readFileSync(join(dir, 'state', 'sagemaker', 'endpoints', 'c360-churn.json'), 'utf8')),
    ).toEqual({ EndpointName: 'c360-churn', EndpointConfigName: r.job });
    expect((await registry.live('churn'))?.version).toBe(r.job);
    // Nothing earlier than the first: refused with the reason, alerted, the endpoint untouched.
    const none = await runTrainingMachine({ dataDir: dir, input: { rollback: 'churn' } });
    expect(none.status).toBe('FAILED');
    expect(none.alerts[0]).toMatch(
      /failed in state Rollback: .*churn has no earlier live version to roll back to/,
    );
    expect((await registry.live('churn'))?.version).toBe(r.job);
  });

  it('happy path: ETL → warehouse → scoring Map → scores → metrics → reports delivered; a rerun leaves the warehouse identical, sends no report twice, and a failing subscriber is alerted, not fatal', async () => {
    await addSubscription(dir, { id: 'ops', report: 'daily', email: 'ops@shop.example' });
    const states: string[] = [];
    const r = await runDailyPipeline(DAY, {
      dataDir: dir,
      benchmarks: false,
      onState: (e) => e.type === 'succeeded' && states.push(e.state),
    });
    expect(r.status).toBe('SUCCEEDED');
    // The two crawler branches of CatalogLake run side by side: their states interleave.
    const crawl = /Crawl$|Catalogued$|CatalogDone$/;
    expect(states.filter((s) => crawl.test(s)).sort()).toEqual(
      ['Curated', 'Gold']
        .flatMap((c) => [
          `${c}CatalogDone`,
          `${c}Catalogued`,
          `Check${c}Crawl`,
          `Start${c}Crawl`,
          `Wait${c}Crawl`,
        ])
        .sort(),
    );
    expect(states.filter((s) => s !== 'ScoreBatch' && !crawl.test(s))).toEqual([
      'ResolveDate',
      'ChooseEngine',
      'RunEtl',
      'CatalogLake',
      'LoadWarehouse',
      'Reconcile',
      'Reconciled',
      'SnapshotTarget',
      'SnapshotPlanned',
      'SnapshotWarehouse',
      'ExportFeatures',
      'PrepareScoring',
      'ModelDeployed',
      'ScoreBatches',
      'LoadScores',
      'ModelHealth',
      'DriftCheck',
      'PlanReports',
      'WriteReports',
      'DeliverReports',
      'ProfilesWanted',
      'ProfilesChoice',
      'SyncProfiles',
      'ExportAudiences',
      'SyncAudiences',
      'AudiencesDelivered',
      'PublishMetrics',
      'Done',
    ]);
    // The profile store holds every customer of gold, with the scores of this run.
    const [gold] = await (async () => {
      const engine = await openDuckDb();
      try {
        await registerLakeViews(engine, join(dir, 'lake'));
        return await engine.rows<{ n: string }>(
          'SELECT CAST(count(*) AS VARCHAR) AS n FROM gold.dim_customer',
        );
      } finally {
        engine.close();
      }
    })();
    const store = openLocalProfileStore(dir);
    try {
      expect(store.counts().computed).toBe(Number(gold?.n));
    } finally {
      await closeLocalProfileStore(dir);
    }
    // Scored with the models fitted on this very gold: no drift, no retraining.
    const health = JSON.parse(readFileSync(join(dir, 'models', 'health', `dt=${DAY}.json`), 'utf8'));
    expect(health).toMatchObject({ date: DAY, retrain: false, reason: 'stable' });
    expect(health.featurePsiMax).toBeLessThan(0.01);
    expect(health.scorePsi).toBeLessThan(0.01);
    expect(Object.keys(health.featurePsi).sort()).toEqual([...CHURN_FEATURES].sort());
    // The run's reports: the day's summary and its week's digest, numbers equal to the warehouse.
    const csv = readFileSync(join(dir, 'reports', `daily-${DAY}.csv`), 'utf8');
    const wh0 = await openWarehouse(dir, { readOnly: true });
    try {
      const [day] = await wh0.rows<{ n: string }>(
        `SELECT count(*) AS n FROM gold.fact_orders WHERE is_revenue AND order_date = DATE '${DAY}'`,
      );
      expect(csv).toContain(`\norders,${Number(day?.n)},`);
    } finally {
      wh0.close();
    }
    expect(readdirSync(join(dir, 'reports')).sort()).toEqual(
      [
        `daily-${DAY}.csv`,
        `daily-${DAY}.html`,
        `daily-${DAY}.json`,
        'deliveries',
        'weekly-2026-02-23.csv',
        'weekly-2026-02-23.html',
        'weekly-2026-02-23.json',
      ].sort(),
    );
    // The subscriber got the day's summary (the outbox sink kept the message).
    expect(readdirSync(localOutbox(dir))).toHaveLength(1);
    expect(
      readFileSync(join(localOutbox(dir), readdirSync(localOutbox(dir))[0] as string), 'utf8'),
    ).toContain(`Subject: c360 daily summary, ${DAY}`);
    const first = await warehouse();
    expect(first.orders).toHaveLength(400);
    expect(first.scores.length).toBeGreaterThan(50);
    // The run's metrics, with their units and the service dimension, as CloudWatch would get them.
    const emf = readFileSync(join(dir, 'metrics', 'emf.ndjson'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map(
        (l) =>
          JSON.parse(l) as {
            _aws: {
              CloudWatchMetrics: { Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[];
            };
          } & Record<string, unknown>,
      );
    const unitOf = (name: string) =>
      emf.flatMap((d) => d._aws.CloudWatchMetrics.flatMap((m) => m.Metrics)).find((m) => m.Name === name)
        ?.Unit;
    expect(
      ['EtlSeconds', 'EtlRowsWritten', 'DataQualityFailures', 'WarehouseRowsLoaded', 'PipelineSucceeded'].map(
        unitOf,
      ),
    ).toEqual(['Seconds', 'Count', 'Count', 'Count', 'Count']);
    const etl = emf.find((d) => 'EtlRowsWritten' in d);
    expect(etl).toMatchObject({ service: 'c360-etl', DataQualityFailures: 0 });
    expect(etl?._aws.CloudWatchMetrics[0]?.Dimensions).toEqual([['service']]);
    // Rows written: at least the 400 orders of the day in gold.fact_orders.
    expect(Number(etl?.EtlRowsWritten)).toBeGreaterThanOrEqual(400);
    // A subscriber that cannot be reached (nothing listens on port 9): retried, then alerted; the run goes on.
    await addSubscription(dir, {
      id: 'unreachable',
      report: 'daily',
      webhook: 'http://127.0.0.1:9/reports',
      secret: 'whsec_pipeline_test_0123',
    });
    const rerun = await runDailyPipeline(DAY, { dataDir: dir, benchmarks: false });
    expect(rerun.status).toBe('SUCCEEDED');
    expect(rerun.alerts).toEqual([
      expect.stringMatching(
        /delivering the reports failed \(ReportDeliveryError: 1 of 2 report subscription\(s\) not delivered for 2026-03-01: unreachable \(daily\): http:\/\/127\.0\.0\.1:9\/reports: /,
      ),
    ]);
    // ops had the day's summary already: not sent twice.
    expect(readdirSync(localOutbox(dir))).toHaveLength(1);
    expect(await warehouse()).toEqual(first);
  }, 300_000);

  it('a planted drift raises the drift metric over the alarm threshold, alerts and retrains; the retrained models are stable again', async () => {
    expect((await runDailyPipeline(DAY, { dataDir: dir, benchmarks: false })).status).toBe('SUCCEEDED');
    const registry = new ModelRegistry(new FolderObjectStore(dir));
    const customer = await registry.live('customer');
    // Plant: the fit-time distribution of monetary as if every customer had spent 1,000× more.
    const file = join(dir, customer?.artifact as string);
    const models = JSON.parse(readFileSync(file, 'utf8'));
    models.reference.monetary.edges = models.reference.monetary.edges.map((e: number) => e * 1000 + 1000);
    writeFileSync(file, JSON.stringify(models));
    const states: string[] = [];
    const r = await runDailyPipeline(DAY, {
      dataDir: dir,
      benchmarks: false,
      onState: (e) => e.type === 'succeeded' && states.push(e.state),
    });
    expect(r.status).toBe('SUCCEEDED');
    expect(states).toEqual(
      expect.arrayContaining(['ModelHealth', 'DriftCheck', 'RetrainNotice', 'StartRetraining']),
    );
    expect(r.alerts).toEqual([
      expect.stringMatching(/retraining the models \(drift over 0\.25: monetary PSI \d+\.\d{3}\)/),
    ]);
    const health = JSON.parse(readFileSync(join(dir, 'models', 'health', `dt=${DAY}.json`), 'utf8'));
    expect(health.featurePsi.monetary).toBeGreaterThan(DRIFT_PSI_THRESHOLD);
    // The metric the ModelDriftAlarm watches, over the alarm's own threshold (read from the template).
    const alarm = (
      yamlParse(readFileSync(join(projectRoot(), 'template.yaml'), 'utf8')) as {
        Resources: Record<string, { Properties: { Threshold: number } }>;
      }
    ).Resources.ModelDriftAlarm?.Properties;
    expect(alarm?.Threshold).toBe(DRIFT_PSI_THRESHOLD);
    const psis = readFileSync(join(dir, 'metrics', 'emf.ndjson'), 'utf8')
      .split('\n')
      .filter((l) => l.includes('ModelFeaturePsiMax'))
      .map((l) => JSON.parse(l).ModelFeaturePsiMax as number);
    expect(psis.at(-1)).toBeGreaterThan(alarm?.Threshold as number);
    // Retrained on the same gold: the fit-time reference is the real one again; the next run is stable.
    expect(JSON.parse(readFileSync(file, 'utf8')).reference.monetary.edges[0]).toBeLessThan(1000);
    const again: string[] = [];
    await runDailyPipeline(DAY, {
      dataDir: dir,
      benchmarks: false,
      onState: (e) => e.type === 'succeeded' && again.push(e.state),
    });
    expect(again).not.toContain('StartRetraining');
  }, 240_000);

  it('Glue throttling is retried, then the run succeeds', async () => {
    let calls = 0;
    const retried: string[] = [];
    const r = await runDailyPipeline(DAY, {
      dataDir: dir,
      benchmarks: false,
      onState: (e) => e.type === 'retried' && retried.push(e.state),
      wrap: {
        RunEtl: (next) => async (input) => {
          if (++calls === 1)
            throw new StepError(
              'Glue.ConcurrentRunsExceededException',
              'Concurrent runs exceeded for c360-etl',
            );
          return next(input);
        },
      },
    });
    expect(r.status).toBe('SUCCEEDED');
    expect(retried).toEqual(['RunEtl']);
    expect(calls).toBe(2);
  }, 240_000);

  it('a Glue failure goes to the alert (naming the state and cause) and fails the run', async () => {
    const r = await runDailyPipeline(DAY, {
      dataDir: dir,
      benchmarks: false,
      wrap: {
        RunEtl: () => async () => {
          throw new StepError(
            'States.TaskFailed',
            'Job run failed: data quality check dq_silver_money_has_rate failed',
          );
        },
      },
    });
    expect(r.status).toBe('FAILED');
    expect(r.error?.name).toBe('PipelineFailed');
    expect(r.alerts).toEqual([
      `c360 daily pipeline for ${DAY} failed in state RunEtl: States.TaskFailed: Job run failed: data quality check dq_silver_money_has_rate failed`,
    ]);
    expect(readFileSync(join(dir, 'state', 'alerts.ndjson'), 'utf8')).toContain('failed in state RunEtl');
  });

  it('a scheduled run (no date) that fails counts as due and late for the on-time SLO; a rerun for a date does not', async () => {
    const metricsFile = localPaths(dir).metrics;
    const count = (name: string) =>
      observationsFromEmf(existsSync(metricsFile) ? readFileSync(metricsFile, 'utf8') : '')
        .filter((o) => o.name === name)
        .reduce((a, o) => a + o.value, 0);
    const before = { runs: count('PipelineScheduledRuns'), onTime: count('PipelineOnTime') };
    const failing = {
      dataDir: dir,
      benchmarks: false,
      wrap: {
        RunEtl: () => async () => {
          throw new StepError('States.TaskFailed', 'Job run failed');
        },
      },
    };
    expect((await runDailyPipeline(undefined, failing)).status).toBe('FAILED');
    expect({ runs: count('PipelineScheduledRuns'), onTime: count('PipelineOnTime') }).toEqual({
      runs: before.runs + 1,
      onTime: before.onTime,
    });
    expect((await runDailyPipeline(DAY, failing)).status).toBe('FAILED');
    expect(count('PipelineScheduledRuns')).toBe(before.runs + 1);
  });

  it("the day's warehouse snapshot: a rerun finds it made and goes on; a failed one is told and the run still succeeds", async () => {
    const snapshots: string[] = [];
    const run = (error?: [string, string]) =>
      runDailyPipeline(DAY, {
        dataDir: dir,
        benchmarks: false,
        wrap: {
          SnapshotWarehouse: (next) => async (input) => {
            snapshots.push((input as { SnapshotName: string }).SnapshotName);
            if (error) throw new StepError(error[0], error[1]);
            return next(input);
          },
        },
      });
    expect((await run()).status).toBe('SUCCEEDED');
    expect(snapshots).toEqual([`c360-daily-${DAY}`]);
    const rerun = await run([
      'RedshiftServerless.ConflictException',
      `snapshot c360-daily-${DAY} already exists`,
    ]);
    expect(rerun.status).toBe('SUCCEEDED');
    expect(rerun.alerts.filter((a) => /snapshot/.test(a))).toEqual([]);
    const denied = await run([
      'RedshiftServerless.AccessDeniedException',
      'not authorized to perform CreateSnapshot',
    ]);
    expect(denied.status).toBe('SUCCEEDED');
    expect(denied.alerts).toEqual([
      expect.stringMatching(
        new RegExp(
          `daily pipeline ${DAY}: the warehouse snapshot failed \\(RedshiftServerless\\.AccessDeniedException: not authorized`,
        ),
      ),
    ]);
  }, 240_000);

  it('the lake–warehouse reconciliation: a day the warehouse lost (a load that wrote nothing) is told and counted, the run goes on', async () => {
    expect((await runDailyPipeline(DAY, { dataDir: dir, benchmarks: false })).status).toBe('SUCCEEDED');
    const wh = await openWarehouse(dir);
    let lost: string;
    try {
      const [row] = await wh.rows<{ order_key: string }>(
        'SELECT order_key FROM gold.fact_orders ORDER BY order_key LIMIT 1',
      );
      lost = row?.order_key as string;
      await wh.run(`DELETE FROM gold.fact_orders WHERE order_key = '${lost.replace(/'/g, "''")}'`);
    } finally {
      wh.close();
    }
    const r = await runDailyPipeline(DAY, {
      dataDir: dir,
      benchmarks: false,
      // The load answers as a load does, but writes nothing: what the reconciliation is for.
      wrap: {
        LoadWarehouse: () => async () => ({
          Payload: { tables: [], scheduled: 0, onTime: 0, queryableLagMs: 0 },
        }),
      },
    });
    expect(r.status).toBe('SUCCEEDED');
    expect(r.alerts).toEqual([
      expect.stringMatching(
        /daily pipeline .*: 1 of \d+ table-days differ between the lake and the warehouse \(first: fact_orders \d{4}-\d{2}-\d{2}: lake (\d+), warehouse (\d+)\)/,
      ),
    ]);
    const [, lakeRows, whRows] = /lake (\d+), warehouse (\d+)/.exec(r.alerts[0] as string) ?? [];
    expect(Number(lakeRows) - Number(whRows)).toBe(1);
    const divergent = readFileSync(join(dir, 'metrics', 'emf.ndjson'), 'utf8')
      .split('\n')
      .filter((l) => l.includes('LakeWarehouseDivergentDays'))
      .map((l) => JSON.parse(l).LakeWarehouseDivergentDays as number);
    expect(divergent.slice(-2)).toEqual([0, 1]);
  }, 240_000);

  it('a Redshift statement that FAILED goes to the alert with its error text', async () => {
    const r = await runDailyPipeline(DAY, {
      dataDir: dir,
      benchmarks: false,
      wrap: {
        LoadWarehouse: () => async () => {
          throw new StepError(
            'RedshiftStatementError',
            'Redshift statement "merge-fact_orders" failed: ERROR: permission denied for schema gold',
          );
        },
      },
    });
    expect(r.status).toBe('FAILED');
    expect(r.alerts[0]).toContain(
      'failed in state LoadWarehouse: RedshiftStatementError: Redshift statement "merge-fact_orders" failed',
    );
  }, 240_000);

  it('backfill runs each date through the daily pipeline and skips a date already running', async () => {
    const r = await runBackfill(DAY, '2026-03-02', {
      dataDir: dir,
      benchmarks: false,
      running: new Set(['daily-2026-03-02']),
    });
    expect(r.status).toBe('SUCCEEDED');
    expect(r.output).toEqual([
      { date: DAY, status: 'SUCCEEDED' },
      { date: '2026-03-02', status: 'SKIPPED_ALREADY_RUNNING' },
    ]);
  }, 240_000);

  it('engine "emr" runs the same ETL script on EMR Serverless with the same arguments, and an unknown engine alerts', async () => {
    const states: string[] = [];
    let submitted: { ApplicationId?: string; JobDriver?: { SparkSubmit: Record<string, unknown> } } = {};
    const r = await runDailyPipeline(DAY, {
      dataDir: dir,
      benchmarks: false,
      engine: 'emr',
      onState: (e) => e.type === 'succeeded' && states.push(e.state),
      wrap: {
        RunEtlEmr: (next) => async (input) => {
          submitted = input as typeof submitted;
          return next(input);
        },
      },
    });
    expect(r.status).toBe('SUCCEEDED');
    expect(states).toContain('RunEtlEmr');
    expect(states).not.toContain('RunEtl');
    expect(submitted.ApplicationId).toBe(LOCAL_SUBSTITUTIONS.EmrApplicationId);
    expect(submitted.JobDriver?.SparkSubmit).toMatchObject({
      EntryPoint: LOCAL_SUBSTITUTIONS.EtlScriptUri,
      EntryPointArguments: [
        '--run_date_from',
        DAY,
        '--run_date_to',
        DAY,
        '--lake_bucket',
        LOCAL_SUBSTITUTIONS.LakeBucketName,
        '--sql_prefix',
        LOCAL_SUBSTITUTIONS.SqlPrefixUri,
      ],
    });
    expect((await warehouse()).orders).toHaveLength(400);

    const bad = await runDailyPipeline(DAY, { dataDir: dir, benchmarks: false, engine: 'spark' as 'emr' });
    expect(bad.status).toBe('FAILED');
    expect(bad.alerts[0]).toContain(
      'failed in state ResolveDate: InvalidInput: engine must be "glue" or "emr", got "spark"',
    );
  }, 240_000);

  it('a backfill that fails outside a Catch still alerts, through the alert handler', async () => {
    const r = await runBackfill(DAY, DAY, {
      dataDir: dir,
      benchmarks: false,
      wrap: {
        RunEtl: () => async () => {
          throw new StepError('States.TaskFailed', 'Job run failed: out of memory');
        },
      },
    });
    expect(r.status).toBe('FAILED');
    expect(r.error?.name).not.toBe('PipelineFailed');
    // The daily run's own Catch alert, then the backfill execution's (what the EventBridge rule sends).
    expect(r.alerts).toHaveLength(2);
    expect(r.alerts[0]).toContain('failed in state RunEtl: States.TaskFailed: Job run failed: out of memory');
    expect(r.alerts[1]).toContain(`c360-backfill execution embedded for ${DAY} to ${DAY} ended FAILED`);
    const lines = readFileSync(join(dir, 'state', 'alerts.ndjson'), 'utf8')
      .trim()
      .split('\n');
    expect(lines.map((l) => JSON.parse(l).subject)).toEqual([
      'c360 daily pipeline failed',
      `c360 c360-backfill FAILED (${DAY} to ${DAY})`,
    ]);
  }, 240_000);
});
