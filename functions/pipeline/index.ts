import type { Context } from 'aws-lambda';
import { correlated, field, powertools } from '../../src/adapters/aws/powertools';
import { RedshiftWarehouse } from '../../src/adapters/aws/redshift-warehouse';
import { S3ObjectStore } from '../../src/adapters/aws/s3-object-store';
import { readEnv } from '../../src/config/env';
import { writeReportsFor } from '../../src/dashboards/reports';
import { C360Error } from '../../src/domain/errors';
import { ModelRegistry } from '../../src/domain/models/registry';
import { dashboardLatencySql } from '../../src/domain/warehouse/dashboard-latency';
import { WAREHOUSE_TABLES } from '../../src/domain/warehouse/model';
import { isCustomResourceEvent } from '../../src/handlers/custom-resource';
import {
  createPipelineStepsHandler,
  lakeKey,
  liveScoringModels,
  type PipelineStepEvent,
  SCORES_TABLE,
  scoresManifest,
  splitFeatures,
} from '../../src/handlers/pipeline-steps';
import { createWarehouseSetupResource } from '../../src/handlers/warehouse-setup-resource';

/**
 * Lambda entry: the daily pipeline's small steps (date, backfill range, Redshift setup and loads,
 * scoring batches), and the `WarehouseSetup` custom resource CloudFormation calls on deploy.
 */
export const loadConfig = () =>
  readEnv(
    [
      'LAKE_BUCKET',
      'REDSHIFT_WORKGROUP',
      'REDSHIFT_SECRET_ARN',
      'REDSHIFT_COPY_ROLE_ARN',
      'GLUE_DATABASE',
      'GOLD_GLUE_DATABASE',
    ],
    {
      REDSHIFT_DATABASE: 'c360',
    },
  );

const config = loadConfig();
const { logger, metrics } = powertools();
const lake = new S3ObjectStore(config.LAKE_BUCKET);
const warehouse = new RedshiftWarehouse({
  workgroupName: config.REDSHIFT_WORKGROUP,
  database: config.REDSHIFT_DATABASE,
  secretArn: config.REDSHIFT_SECRET_ARN,
  copyRoleArn: config.REDSHIFT_COPY_ROLE_ARN,
});

const setupWarehouse = () =>
  warehouse.setup({ glueDatabase: config.GLUE_DATABASE, goldGlueDatabase: config.GOLD_GLUE_DATABASE });

const steps = correlated(
  createPipelineStepsHandler({
    now: () => new Date(),
    logger,
    metrics,
    dashboardQueryMs: async (windowMinutes) =>
      (await warehouse.rows<{ elapsed_ms: string | number }>(dashboardLatencySql(windowMinutes))).map((r) =>
        Number(r.elapsed_ms),
      ),
    loadTable: async (name, date) => {
      const table = WAREHOUSE_TABLES.find((t) => t.name === name);
      if (!table) throw new C360Error(`no warehouse table ${name}`);
      await warehouse.loadTable(
        table,
        `s3://${config.LAKE_BUCKET}/export/${name}/dt=${date}/manifest.json`,
        new Date().toISOString().replace('T', ' ').replace('Z', ''),
      );
    },
    loadScores: async (date, batches) => {
      const table = WAREHOUSE_TABLES.find(
        (t) => t.name === SCORES_TABLE,
      ) as (typeof WAREHOUSE_TABLES)[number];
      const manifest = `export/${SCORES_TABLE}/dt=${date}/manifest.json`;
      await lake.put(manifest, scoresManifest(config.LAKE_BUCKET, date, batches));
      await warehouse.loadTable(
        table,
        `s3://${config.LAKE_BUCKET}/${manifest}`,
        new Date().toISOString().replace('T', ' ').replace('Z', ''),
        'csv',
      );
    },
    refreshReporting: () => warehouse.refreshReporting(),
    // The reconciliation: Redshift reads the lake's gold through the lake_gold Spectrum schema.
    reconcileRows: (sql) => warehouse.rows(sql),
    lakeGold: (table) => `lake_gold.${table}`,
    // The training state machine's fit and register steps: artifacts and the registry in the lake.
    models: {
      lake,
      registry: new ModelRegistry(lake),
      lakeKey: (uri) => lakeKey(uri, config.LAKE_BUCKET),
      // The day's drift rows straight into Redshift (the Model Health dashboard's table).
      writeHealth: (rows) =>
        warehouse.upsertRows(
          WAREHOUSE_TABLES.find((t) => 'modelHealth' in t.source) as (typeof WAREHOUSE_TABLES)[number],
          rows as unknown as Record<string, unknown>[],
        ),
    },
    setupWarehouse,
    // The day's summary and its week's digest, from Redshift, to reports/ in the lake bucket.
    writeReports: (date, filters) => writeReportsFor(warehouse, lake, date, new Date(), filters),
    // The batches are the Map's input; the versions are the registry's live ones (the training
    // state machine registers and promotes them; `c360 models rollback` moves them back).
    prepareScoring: async (date, featuresUri) => ({
      batches: await splitFeatures(lake, lakeKey(featuresUri, config.LAKE_BUCKET), date),
      ...(await liveScoringModels(new ModelRegistry(lake))),
    }),
  }),
  (e) => ({ execution: field(e, 'execution'), step: field(e, 'step') }),
);

const setupResource = correlated(createWarehouseSetupResource({ setupWarehouse, logger }), (e) => ({
  stackId: e.StackId,
  requestType: e.RequestType,
}));

export const handler = (event: unknown, context?: Context) =>
  isCustomResourceEvent(event) ? setupResource(event, context) : steps(event as PipelineStepEvent, context);
