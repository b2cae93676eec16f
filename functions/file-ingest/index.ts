import { KinesisEventStream } from '../../src/adapters/aws/kinesis-stream';
import { correlated, field, powertools } from '../../src/adapters/aws/powertools';
import { S3ObjectStore } from '../../src/adapters/aws/s3-object-store';
import { readEnv } from '../../src/config/env';
import { createFileIngestHandler } from '../../src/handlers/file-ingest';
import { systemClock } from '../../src/ports/clock';

/** Lambda entry: a batch file landed under landing/<kind>/ (EventBridge Object Created). */
export const loadConfig = () => readEnv(['LAKE_BUCKET', 'STREAM_NAME']);

const config = loadConfig();
const { logger, metrics } = powertools();

export const handler = correlated(
  createFileIngestHandler({
    objects: new S3ObjectStore(config.LAKE_BUCKET),
    stream: new KinesisEventStream({ streamName: config.STREAM_NAME }),
    clock: systemClock,
    logger,
    metrics,
  }),
  (e) => ({ eventId: field(e, 'id'), objectKey: field(e, 'detail', 'object', 'key') }),
);
