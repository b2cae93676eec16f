import { join } from 'node:path';
import { MemoryCheckpointStore } from '../adapters/local/checkpoint';
import { FolderObjectStore } from '../adapters/local/object-store';
import { LocalLogger } from '../adapters/local/telemetry';
import type { ReprocessJournal } from '../domain/reprocess-journal';
import { createEnrichHandler, type EnrichDeps } from '../handlers/enrich';
import { createReprocessHandler, type ReprocessStep } from '../handlers/reprocess';
import type { Clock } from '../ports/clock';
import { systemClock } from '../ports/clock';
import { localPaths } from './local';
import { localEnrichDeps, localPrivacy } from './local-enrich';
import {
  alertTask,
  alertUnalerted,
  execute,
  loadDefinition,
  type PipelineOptions,
  type PipelineResult,
  runBackfill,
  StepError,
} from './pipeline';

/**
 * `c360 reprocess` embedded: statemachines/reprocess.asl.json run by the ASL interpreter, its
 * Lambda steps by the same handler (src/handlers/reprocess.ts) over the lake folder, its rebuild
 * by the embedded backfill. The previous bronze version goes to `lake/previous-versions/` (the
 * versioned bucket's noncurrent versions in AWS), expired by `c360 retention apply`.
 */
export interface ReprocessOptions extends PipelineOptions {
  from?: string;
  to?: string;
  /** Finishes an earlier run instead of starting one. */
  runId?: string;
  clock?: Clock;
  /** The normalizer to run (default: the one the code ships); tests plant and fix bugs with it. */
  normalize?: EnrichDeps['normalize'];
}

export async function runReprocess(
  opts: ReprocessOptions,
): Promise<PipelineResult & { journal?: ReprocessJournal }> {
  const paths = localPaths(opts.dataDir);
  const clock = opts.clock ?? systemClock;
  const lake = new FolderObjectStore(paths.lake, join(paths.lake, 'previous-versions'));
  const step = createReprocessHandler({
    lake,
    privacy: localPrivacy(opts.dataDir),
    enrichInto: (delivery) =>
      createEnrichHandler({
        ...localEnrichDeps(opts.dataDir, { clock }),
        delivery,
        archive: undefined,
        checkpoints: new MemoryCheckpointStore(),
        ...(opts.normalize ? { normalize: opts.normalize } : {}),
      }),
    clock,
    logger: new LocalLogger('c360-reprocess', 'warn'),
  });
  const lambda = async (i: unknown) => ({ Payload: await step((i as { Payload: ReprocessStep }).Payload) });
  const alerts: string[] = [];
  const handlers: Record<string, (input: unknown) => Promise<unknown>> = {
    Plan: lambda,
    ReprocessDay: lambda,
    RetirePreviousVersion: lambda,
    Finish: lambda,
    Rebuild: async (i) => {
      const { Input } = i as { Input: { from: string; to: string } };
      const r = await runBackfill(Input.from, Input.to, opts);
      if (r.status === 'FAILED')
        throw new StepError(
          'States.TaskFailed',
          `backfill ${Input.from}..${Input.to}: ${r.error?.name}: ${r.error?.cause}`,
        );
      return { Status: 'SUCCEEDED', Output: r.output };
    },
    Alert: alertTask(opts.dataDir ?? paths.root, alerts),
  };
  const def = await loadDefinition('reprocess');
  // One day at a time embedded (one writer of the vault files and the lake).
  (def.States as Record<string, { MaxConcurrency?: number }>).ReprocessDays = {
    ...(def.States as Record<string, object>).ReprocessDays,
    MaxConcurrency: 1,
  };
  const input: Record<string, string> = opts.runId
    ? { runId: opts.runId }
    : { from: opts.from ?? '', to: opts.to ?? '' };
  const r = await execute(def, input, handlers, opts);
  await alertUnalerted('c360-reprocess', input, r, opts, alerts);
  const out = r.output as { runId?: string } | undefined;
  const journal = out?.runId
    ? ((await lake
        .get(`reprocess/${out.runId}.json`)
        .then((b) => JSON.parse(b.toString('utf8')))) as ReprocessJournal)
    : undefined;
  return { ...r, alerts, ...(journal ? { journal } : {}) };
}
