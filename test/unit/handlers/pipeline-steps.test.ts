import { Parser } from 'node-sql-parser';
import { dashboardLatencySql } from '../../../src/domain/warehouse/dashboard-latency';
import { WAREHOUSE_TABLES } from '../../../src/domain/warehouse/model';
import { reconciledTables } from '../../../src/domain/warehouse/reconcile';
import { openDuckDb } from '../../../src/etl/duckdb';
import { createPipelineStepsHandler } from '../../../src/handlers/pipeline-steps';

/** The daily pipeline's load steps: every table of the step, then the reporting tables refilled once. */
function underTest(refresh: () => Promise<void> = async () => {}) {
  const calls: string[] = [];
  const handler = createPipelineStepsHandler({
    now: () => new Date('2026-03-02T03:00:00Z'),
    logger: { info: () => {}, warn: () => {}, error: () => {} } as never,
    loadTable: async (t, date) => {
      calls.push(`load ${t} ${date}`);
    },
    refreshReporting: async () => {
      calls.push('refresh');
      await refresh();
    },
    setupWarehouse: async () => {
      calls.push('setup');
    },
    writeReports: async () => [],
    prepareScoring: async () => ({
      batches: [],
      modelVersion: 'v1',
      models: { version: 'v1', customerModelsKey: 'k' },
    }),
    loadScores: async (date, batches) => {
      calls.push(`scores ${date} ${batches}`);
    },
  });
  return { handler, calls };
}

/** Pipeline step dependencies that do nothing: each test adds the ones its step uses. */
const idleSteps = (now: string) => ({
  now: () => new Date(now),
  logger: { info: () => {}, warn: () => {}, error: () => {} } as never,
  loadTable: async () => {},
  refreshReporting: async () => {},
  setupWarehouse: async () => {},
  writeReports: async () => [],
  prepareScoring: async () => ({
    batches: [],
    modelVersion: 'v1',
    models: { version: 'v1', customerModelsKey: 'k' },
  }),
  loadScores: async () => {},
});

describe('pipeline steps: warehouse loads', () => {
  it('load-warehouse loads every gold table, then refills the reporting tables once, after the last load', async () => {
    const { handler, calls } = underTest();
    const out = await handler({ step: 'load-warehouse', date: '2026-03-01', scheduled: 1 });
    const gold = WAREHOUSE_TABLES.filter((t) => 'gold' in t.source).map((t) => t.name);
    expect(calls).toEqual([...gold.map((t) => `load ${t} 2026-03-01`), 'refresh']);
    // Loaded at 03:00 UTC the day after: 27 h after the day began (event to queryable).
    expect(out).toEqual({ tables: gold, scheduled: 1, onTime: 1, queryableLagMs: 27 * 3600_000 });
  });

  it("load-scores loads the model outputs (the scoring Map's files: one per batch) and refreshes too; a failed refresh fails the step", async () => {
    const { handler, calls } = underTest();
    await handler({ step: 'load-scores', date: '2026-03-01', scored: [{ rows: 500 }, { rows: 7 }] });
    const outputs = WAREHOUSE_TABLES.filter((t) => 'optionalGold' in t.source).map((t) => t.name);
    expect(outputs).toContain('customer_scores');
    const loads = outputs.map((t) =>
      t === 'customer_scores' ? 'scores 2026-03-01 2' : `load ${t} 2026-03-01`,
    );
    expect(calls).toEqual([...loads, 'refresh']);
    // No model live (the Map did not run): the scores table keeps its rows, the rest loads.
    const none = underTest();
    await none.handler({ step: 'load-scores', date: '2026-03-01', scored: [] });
    expect(none.calls).toEqual([...loads.filter((l) => !l.startsWith('scores')), 'refresh']);
    const failing = underTest(async () => {
      throw new Error('Redshift statement "refresh-reporting" failed: disk full');
    });
    await expect(failing.handler({ step: 'load-scores', date: '2026-03-01' })).rejects.toThrow('disk full');
  });

  it('setup-warehouse sets the warehouse up and loads nothing; an unknown step is refused by name', async () => {
    const { handler, calls } = underTest();
    expect(await handler({ step: 'setup-warehouse' })).toEqual({ setUp: true });
    expect(calls).toEqual(['setup']);
    await expect(handler({ step: 'setup-warehouses' })).rejects.toThrow(
      'no pipeline step "setup-warehouses"',
    );
  });
});

describe('pipeline steps: dashboard latency (the SLI in AWS)', () => {
  it("emits each of QuickSight's recent warehouse query times as DashboardQueryMs, for the schedule's window", async () => {
    const times = [120.5, 980, 1500.25];
    const seen: { name: string; value: number }[] = [];
    let published = 0;
    const windows: number[] = [];
    const handler = createPipelineStepsHandler({
      ...idleSteps('2026-03-02T03:00:00Z'),
      dashboardQueryMs: async (w) => {
        windows.push(w);
        return times;
      },
      metrics: {
        addMetric: (name, _u, value) => seen.push({ name, value }),
        addDimension: () => {},
        addDimensions: () => {},
        publishStoredMetrics: () => {
          published++;
        },
      },
    });
    expect(await handler({ step: 'dashboard-latency', windowMinutes: 5 })).toEqual({
      queries: 3,
      windowMinutes: 5,
    });
    expect(windows).toEqual([5]);
    expect(seen).toEqual(times.map((value) => ({ name: 'DashboardQueryMs', value })));
    expect(published).toBe(1);
  });

  it('reconcile: one query per gold table that keeps history, the lake read through lake_gold; divergent days are a metric and the answer', async () => {
    // An engine standing in for Redshift: gold.* the warehouse, lake_gold.* the Spectrum schema.
    const engine = await openDuckDb();
    const seen: { name: string; value: number }[] = [];
    const sqls: string[] = [];
    try {
      await engine.run('CREATE SCHEMA gold');
      await engine.run('CREATE SCHEMA lake_gold');
      for (const t of reconciledTables()) {
        const cols = [...new Set([t.key, t.date])].map((c) => `${c} VARCHAR`).join(', ');
        await engine.run(`CREATE TABLE lake_gold.${t.name} (${cols})`);
        await engine.run(`CREATE TABLE gold.${t.name} (${cols})`);
      }
      await engine.run(`INSERT INTO lake_gold.fact_orders VALUES
        ('s:1', '2026-03-01'), ('s:2', '2026-03-01'), ('s:3', '2026-03-02')`);
      // The warehouse lost s:2 and holds s:9, which the lake does not.
      await engine.run(
        `INSERT INTO gold.fact_orders VALUES ('s:1', '2026-03-01'), ('s:3', '2026-03-02'), ('s:9', '2026-02-01')`,
      );
      const handler = createPipelineStepsHandler({
        ...idleSteps('2026-03-03T03:00:00Z'),
        reconcileRows: async (sql) => {
          sqls.push(sql);
          return engine.rows(sql);
        },
        lakeGold: (t) => `lake_gold.${t}`,
        metrics: {
          addMetric: (name, _u, value) => seen.push({ name, value }),
          addDimension: () => {},
          addDimensions: () => {},
          publishStoredMetrics: () => {},
        },
      });
      expect(await handler({ step: 'reconcile' })).toEqual({
        days: 3,
        divergent: 2,
        first: 'fact_orders 2026-03-01: lake 2, warehouse 1',
      });
      expect(seen).toEqual([{ name: 'LakeWarehouseDivergentDays', value: 2 }]);
      expect(sqls).toHaveLength(reconciledTables().length);
      // The statements are PostgreSQL (Redshift's dialect) too.
      for (const sql of sqls)
        expect(() => new Parser().astify(sql, { database: 'postgresql' })).not.toThrow();
    } finally {
      engine.close();
    }
  });

  it('reads the window from SYS_QUERY_HISTORY for the QuickSight user only, successful SELECTs', () => {
    const sql = dashboardLatencySql(5);
    expect(sql).toContain("u.usename = 'quicksight'");
    expect(sql).toContain('dateadd(minute, -5, getdate())');
    expect(() => new Parser().astify(sql, { database: 'postgresql' })).not.toThrow();
    expect(() => dashboardLatencySql(0)).toThrow(RangeError);
    expect(() => dashboardLatencySql(5, "x'; drop table y; --")).toThrow(RangeError);
  });
});
