import { correlated, field, powertools } from '../../src/adapters/aws/powertools';
import { RedshiftWarehouse } from '../../src/adapters/aws/redshift-warehouse';
import { readEnv } from '../../src/config/env';
import { C360Error } from '../../src/domain/errors';
import { WAREHOUSE_TABLES } from '../../src/domain/warehouse/model';
import { createPipelineStepsHandler } from '../../src/handlers/pipeline-steps';

/** Lambda entry: the daily pipeline's small steps (date, backfill range, Redshift loads, scoring batches). */
export const loadConfig = () =>
  readEnv(['LAKE_BUCKET', 'REDSHIFT_WORKGROUP', 'REDSHIFT_SECRET_ARN', 'REDSHIFT_COPY_ROLE_ARN'], {
    REDSHIFT_DATABASE: 'c360',
  });

const config = loadConfig();
const { logger } = powertools();
const warehouse = new RedshiftWarehouse({
  workgroupName: config.REDSHIFT_WORKGROUP,
  database: config.REDSHIFT_DATABASE,
  secretArn: config.REDSHIFT_SECRET_ARN,
  copyRoleArn: config.REDSHIFT_COPY_ROLE_ARN,
});

export const handler = correlated(
  createPipelineStepsHandler({
    now: () => new Date(),
    logger,
    loadTable: async (name, date) => {
      const table = WAREHOUSE_TABLES.find((t) => t.name === name);
      if (!table) throw new C360Error(`no warehouse table ${name}`);
      await warehouse.loadTable(
        table,
        `s3://${config.LAKE_BUCKET}/export/${name}/dt=${date}/manifest.json`,
        new Date().toISOString().replace('T', ' ').replace('Z', ''),
      );
    },
    prepareScoring: async () => {
      throw new C360Error(
        'feature batches are written by the Glue export step in AWS (not built yet: docs/models.md)',
      );
    },
  }),
  (e) => ({ execution: field(e, 'execution'), step: field(e, 'step') }),
);
