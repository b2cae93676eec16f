import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KinesisStreamTumblingWindowEvent } from 'aws-lambda';
import { EmfMetrics, LocalLogger } from '../adapters/local/telemetry';
import { latestRates } from '../domain/rates';
import type { RealtimeRow } from '../domain/realtime';
import { referenceFile } from '../etl/reference';
import { createRealtimeHandler, type RealtimeSink } from '../handlers/realtime';
import { projectRoot } from '../paths';
import type { StoredStreamRecord } from '../ports/stream';
import { localPaths } from './local';
import { toKinesisRecord } from './local-enrich';

/**
 * The real-time tier embedded: the Lambda's tumbling windows as Kinesis gives them (60 s of
 * arrival time; invokes carry the window's state; a final invoke with no records closes it),
 * fed by the local event-source loop with the records enrich consumed, and a sink that appends
 * each closed window under lake/realtime/ (the embedded warehouse is DuckDB, one writer at a
 * time: `c360 warehouse load`, the pipeline and `npm start` merge these rows into
 * gold.realtime_minute; in AWS the Lambda writes Redshift through the Data API itself).
 */
export class FileRealtimeSink implements RealtimeSink {
  constructor(private readonly lakeDir: string) {}
  async write(rows: RealtimeRow[]): Promise<void> {
    for (const r of rows) {
      const dir = join(this.lakeDir, 'realtime', `dt=${r.window_start.slice(0, 10)}`);
      await mkdir(dir, { recursive: true });
      await appendFile(join(dir, 'windows.ndjson'), `${JSON.stringify(r)}\n`);
    }
  }
}

type WindowHandler = (
  e: KinesisStreamTumblingWindowEvent & { shardId?: string },
) => Promise<{ state: unknown }>;

export class TumblingWindows {
  private open: { start: number; state: unknown } | null = null;
  readonly closed: string[] = [];
  constructor(
    private readonly handler: WindowHandler,
    private readonly opts: { windowMs?: number; shardId?: string; now?: () => number } = {},
  ) {}

  private get ms() {
    return this.opts.windowMs ?? 60_000;
  }

  private event(records: StoredStreamRecord[], final: boolean) {
    const start = (this.open as { start: number }).start;
    return {
      Records: records.map(toKinesisRecord),
      window: { start: new Date(start).toISOString(), end: new Date(start + this.ms).toISOString() },
      state: (this.open as { state: unknown }).state as Record<string, unknown> | undefined,
      shardId: this.opts.shardId ?? 'shardId-000000000000',
      isFinalInvokeForWindow: final,
      isWindowTerminatedEarly: false,
    };
  }

  /** Records in arrival order: each goes to the window its arrival falls in; a later window closes the open one. */
  async feed(records: StoredStreamRecord[]): Promise<void> {
    let i = 0;
    while (i < records.length) {
      const start =
        Math.floor((records[i] as StoredStreamRecord).approximateArrivalTimestamp / this.ms) * this.ms;
      if (this.open && start > this.open.start) await this.close();
      this.open ??= { start, state: undefined };
      const windowEnd = this.open.start + this.ms;
      let j = i;
      while (j < records.length && (records[j] as StoredStreamRecord).approximateArrivalTimestamp < windowEnd)
        j++;
      const res = await this.handler(this.event(records.slice(i, j), false));
      this.open.state = res.state;
      i = j;
    }
  }

  /** Closes the open window if its time is up (the event-source loop calls it as time passes). */
  async tick(): Promise<void> {
    if (this.open && (this.opts.now ?? Date.now)() >= this.open.start + this.ms) await this.close();
  }

  /** The final invoke of the open window: its row is written. */
  async close(): Promise<void> {
    if (!this.open) return;
    await this.handler(this.event([], true));
    this.closed.push(new Date(this.open.start).toISOString());
    this.open = null;
  }
}

/** The real-time Lambda's handler with the embedded sink, rates and telemetry. */
export function createLocalRealtime(dataDir?: string): TumblingWindows {
  const paths = localPaths(dataDir);
  let rates: Map<string, number> | null = null;
  const handler = createRealtimeHandler({
    sink: new FileRealtimeSink(paths.lake),
    usdPerUnit: async () => {
      if (!rates) {
        rates = latestRates(
          await readFile(referenceFile(paths.lake, projectRoot(), 'currency_rates'), 'utf8'),
        );
      }
      return rates;
    },
    logger: new LocalLogger('c360-realtime', 'warn'),
    metrics: new EmfMetrics('c360', 'c360-realtime', paths.metrics),
  });
  return new TumblingWindows(handler as WindowHandler);
}
