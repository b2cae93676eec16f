import { MemoryEventStream } from '../../src/adapters/local/file-stream';
import { EmfMetrics, LocalLogger } from '../../src/adapters/local/telemetry';
import { StaticWriteKeys } from '../../src/adapters/write-keys';
import type { RawEnvelope } from '../../src/domain/event';
import { createIngestHandler, type IngestDeps } from '../../src/handlers/ingest';
import { fixedClock, sequentialIds } from '../../src/ports/clock';
import type { EventStream } from '../../src/ports/stream';

export const WRITE_KEY = 'test-write-key';

export function ingestUnderTest(overrides: Partial<IngestDeps> & { stream?: EventStream } = {}) {
  const stream = new MemoryEventStream();
  const metrics = new EmfMetrics('c360', 'ingest-test');
  const deps: IngestDeps = {
    stream,
    writeKeys: new StaticWriteKeys({ [WRITE_KEY]: 'web', 'ios-key': 'ios' }),
    clock: fixedClock('2026-01-01T10:00:02.000Z'),
    ids: sequentialIds('msg'),
    logger: new LocalLogger('test', 'silent'),
    metrics,
    ...overrides,
  };
  return { handler: createIngestHandler(deps), stream, metrics };
}

export function envelopes(stream: MemoryEventStream): RawEnvelope[] {
  return stream.records.map((r) => JSON.parse(Buffer.from(r.data, 'base64').toString('utf8')) as RawEnvelope);
}
