import { join } from 'node:path';
import { FileEventStream } from '../adapters/local/file-stream';
import { LocalLogger } from '../adapters/local/telemetry';
import type { ReadableEventStream } from '../ports/stream';
import { EventSourceMapping, type EventSourceOptions, FileFailureDestination } from './event-source';
import { localPaths } from './local';
import type { EnrichHandler } from './local-enrich';
import { createStreamTaps } from './profiles';
import { loadRetention, streamRetentionMs } from './retention';

export type MappingSettings = Partial<
  Pick<EventSourceOptions, 'batchSize' | 'batchingWindowMs' | 'maximumRetryAttempts' | 'pollIntervalMs'>
>;

/**
 * The data folder's continuous stream consumer, as the Kinesis trigger runs enrich in AWS: an
 * event source mapping over the local stream (checkpoint, retries, on-failure file for
 * `c360 redrive`), the real-time tier's windows fed with what it consumed, and consumed segments
 * older than the stream's retention trimmed. Used by `c360 serve` (in process, or in a process of
 * its own through `c360 enrich --follow`). The caller holds the consumer lock.
 */
export function startConsumerMapping(opts: {
  dataDir?: string;
  handler: EnrichHandler;
  stream?: ReadableEventStream;
  onFatal: (err: unknown) => void;
  settings?: MappingSettings;
}): { mapping: EventSourceMapping; stop: () => Promise<void> } {
  const paths = localPaths(opts.dataDir);
  const stream = opts.stream ?? new FileEventStream(paths.stream);
  const realtime = createStreamTaps(opts.dataDir);
  const retentionMs = streamRetentionMs(loadRetention());
  const mapping = new EventSourceMapping({
    stream,
    handler: opts.handler,
    checkpointFile: join(paths.state, 'enrich.checkpoint'),
    onFailure: new FileFailureDestination(join(paths.state, 'enrich-on-failure.ndjson')),
    logger: new LocalLogger('c360-event-source'),
    // Consumed segments older than the stream's retention go, as Kinesis ages records out.
    onCheckpoint: async (seq) => {
      if (stream instanceof FileEventStream) await stream.trim(seq, retentionMs);
    },
    tap: (records) => realtime.feed(records),
    onIdle: () => realtime.tick(),
    onFatal: opts.onFatal,
    ...opts.settings,
  });
  mapping.start();
  return {
    mapping,
    stop: async () => {
      await mapping.stop();
      await realtime.close();
    },
  };
}
