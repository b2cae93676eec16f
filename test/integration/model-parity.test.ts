import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCsv } from '../../src/domain/batch/csv';
import { SCORE_COLUMNS } from '../../src/domain/models/customer-models';
import { openDuckDb } from '../../src/etl/duckdb';
import { registerLakeViews } from '../../src/etl/lake-views';
import { runEtl } from '../../src/etl/runner';
import { scoreBatchKey } from '../../src/handlers/score';
import { trainModels } from '../../src/models/train';
import { projectRoot } from '../../src/paths';
import { runAwsScoring } from '../helpers/aws-scoring';
import { lakeEvent, writeBronze } from '../helpers/lake';

/**
 * Parity of the two paths on the same gold (the real CDNOW purchases): the embedded trainer
 * (`c360 models train`: DuckDB reads, in-process scoring) against the deployed path (Athena CSV
 * exports, the fit and register steps, the scoring Map's handler through the SageMaker scorer,
 * S3 through the real adapter). Same customer models to the bit, and per customer the same
 * segment, the same churn score, CLV within a cent. Recommendations are one SQL file on both
 * engines (test/integration/recommendations.test.ts holds it to the TypeScript reference).
 */
describe('models: embedded and the AWS path give the same scores', () => {
  let dir: string;
  const DAY = '2026-03-01';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'c360-parity-'));
    const rows = readFileSync(join(projectRoot(), 'data/sample/cdnow_sample.txt'), 'utf8')
      .split('\n')
      .filter(Boolean);
    await writeBronze(
      join(dir, 'lake'),
      rows.map((l, i) => {
        const [, id, d, , v] = l.trim().split(/\s+/);
        return lakeEvent(
          'order_completed',
          `${d?.slice(0, 4)}-${d?.slice(4, 6)}-${d?.slice(6, 8)}T12:00:00.000Z`,
          [{ type: 'user_id', value: `cd-${id}` }],
          { orderId: `cd-${i}`, amount: Math.round(Number(v) * 100), currency: 'USD', status: 'paid' },
          { receivedAt: `${DAY}T06:00:00.000Z` },
        );
      }),
    );
    await runEtl({ lakeDir: join(dir, 'lake'), from: DAY, to: DAY });
  }, 300_000);
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('same customer models, and per customer the same segment and churn score, CLV within a cent', async () => {
    const lakeDir = join(dir, 'lake');
    const embedded = await trainModels({ dataDir: dir, lakeDir, benchmarks: false });
    const artifacts = join(dir, 'models', embedded.version);
    const aws = await runAwsScoring({
      lakeDir,
      churnModel: JSON.parse(readFileSync(join(artifacts, 'churn-xgboost.json'), 'utf8')),
      date: DAY,
      workDir: join(dir, 'athena'),
    });
    // The fit step on Athena's CSV fits the trainer's parameters, centroids and references exactly.
    expect(JSON.parse((aws.objects.get(aws.customerModelsKey) as Buffer).toString('utf8'))).toEqual(
      JSON.parse(readFileSync(join(artifacts, 'customer-models.json'), 'utf8')),
    );

    const engine = await openDuckDb();
    let mine: Record<string, unknown>[];
    let current: string[];
    try {
      await registerLakeViews(engine, lakeDir);
      mine = await engine.rows(
        `SELECT customer_id, CAST(scored_at AS VARCHAR) AS scored_at, churn_probability, segment,
           CAST(clv_12m_usd AS DOUBLE) AS clv_12m_usd, p_alive, expected_purchases_90d, model_version
         FROM gold.customer_scores ORDER BY customer_id`,
      );
      current = (
        await engine.rows<{ c: string }>('SELECT customer_id AS c FROM gold.dim_customer ORDER BY 1')
      ).map((r) => r.c);
    } finally {
      engine.close();
    }
    const theirs = aws.scoreFiles.flatMap((text) => {
      const [header, ...rows] = parseCsv(text).map((r) => r.cells);
      expect(header).toEqual([...SCORE_COLUMNS]);
      return rows.map((cells) => Object.fromEntries(SCORE_COLUMNS.map((c, i) => [c, cells[i]])));
    });
    const id = (r: Record<string, string | undefined>) => r.customer_id ?? '';
    theirs.sort((a, b) => (id(a) < id(b) ? -1 : id(a) > id(b) ? 1 : 0));
    // Every current customer, once, on both paths.
    expect(theirs.map((r) => r.customer_id)).toEqual(current);
    expect(mine.map((r) => r.customer_id)).toEqual(current);
    expect(current.length).toBeGreaterThan(2000);
    const near = (a: unknown, b: unknown, tol: number) => Math.abs(Number(a) - Number(b)) <= tol;
    const differences = theirs.filter((t, i) => {
      const m = mine[i] as Record<string, unknown>;
      return !(
        t.scored_at === m.scored_at &&
        t.segment === m.segment &&
        near(t.churn_probability, m.churn_probability, 1e-9) &&
        near(t.clv_12m_usd, m.clv_12m_usd, 0.01) &&
        near(t.p_alive, m.p_alive, 1e-9) &&
        near(t.expected_purchases_90d, m.expected_purchases_90d, 1e-9)
      );
    });
    expect(differences).toEqual([]);
    // Every segment appears (k-means names all four, the rule names prospects where there are any).
    expect(new Set(theirs.map((r) => r.segment))).toEqual(
      new Set(['champions', 'loyal', 'needs_attention', 'at_risk']),
    );
    // The rows carry the versions that made them: the endpoint's churn job and the fitted customer models.
    expect(new Set(theirs.map((r) => r.model_version))).toEqual(new Set([aws.modelVersion]));
    expect(aws.modelVersion).toMatch(/^churn=c360-churn-test;customer=v\d{8}-[0-9a-f]{8}$/);
    // Redshift loads exactly the Map's files: one mandatory manifest entry per batch.
    expect(aws.manifest.entries).toEqual(
      Array.from({ length: aws.batches }, (_, b) => ({
        url: `s3://c360-lake-test/${scoreBatchKey('scores', DAY, b)}`,
        mandatory: true,
      })),
    );
  }, 300_000);
});
