import { correlated, powertools } from '../../src/adapters/aws/powertools';
import { RedshiftWarehouse } from '../../src/adapters/aws/redshift-warehouse';
import { S3ObjectStore } from '../../src/adapters/aws/s3-object-store';
import { onceUnlessFailed } from '../../src/adapters/once';
import { intEnv, readEnv } from '../../src/config/env';
import { latestRates } from '../../src/domain/rates';
import { WAREHOUSE_TABLES, type WarehouseTable } from '../../src/domain/warehouse/model';
import { createRealtimeHandler, objectStoreRealtimeSink, realtimeLoader } from '../../src/handlers/realtime';

/**
 * Lambda entry: the real-time tier on the event stream (tumbling windows of 60 s). Each closed
 * window's row goes to the lake (realtime/dt=D/), and every REALTIME_LOAD_MINUTES the recent rows
 * go to Redshift's gold.realtime_minute through the Data API; revenue is valued at the latest
 * reference rate (the lake's reference/currency_rates.csv, else the deployed copy).
 */
export const loadConfig = () =>
  readEnv(['LAKE_BUCKET', 'REDSHIFT_WORKGROUP', 'REDSHIFT_SECRET_ARN'], {
    REDSHIFT_DATABASE: 'c360',
    REALTIME_LOAD_MINUTES: '15',
  });

const config = loadConfig();
const { logger, metrics } = powertools();
const lake = new S3ObjectStore(config.LAKE_BUCKET);
const warehouse = new RedshiftWarehouse({
  workgroupName: config.REDSHIFT_WORKGROUP,
  database: config.REDSHIFT_DATABASE,
  secretArn: config.REDSHIFT_SECRET_ARN,
  copyRoleArn: '',
});
const table = WAREHOUSE_TABLES.find((t) => t.name === 'realtime_minute') as WarehouseTable;
// A failed read is retried on the next window, not cached.
const rates = onceUnlessFailed(() =>
  lake
    .get('reference/currency_rates.csv')
    .catch(() => lake.get('artifacts/sql/reference/currency_rates.csv'))
    .then((b) => latestRates(b.toString('utf8'))),
);

export const handler = correlated(
  createRealtimeHandler({
    sink: objectStoreRealtimeSink(lake),
    load: {
      everyMinutes: intEnv(config.REALTIME_LOAD_MINUTES, 'REALTIME_LOAD_MINUTES'),
      run: realtimeLoader(
        lake,
        (rows) => warehouse.upsertRows(table, rows as unknown as Record<string, unknown>[]),
        intEnv(config.REALTIME_LOAD_MINUTES, 'REALTIME_LOAD_MINUTES'),
      ),
    },
    usdPerUnit: rates,
    logger,
    metrics,
  }),
  (e) => ({ window: e.window?.start, shard: (e as { shardId?: string }).shardId }),
);
