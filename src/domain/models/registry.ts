import type { ObjectStore } from '../../ports/object-store';
import { C360Error, isMissingObject } from '../errors';

/**
 * The model registry: per model, every registered version with its metrics, the data it was
 * trained on and the code that trained it, and which version is live (what the daily scoring
 * uses), with the live versions before it so a rollback is one call. One JSON record per model at
 * `models/registry/<model>.json` in an object store: the lake bucket in AWS (written by the
 * training state machine's steps), the data folder embedded. Writers are serialized (one training
 * run at a time per stage: the state machine's schedule; embedded, the process lock).
 */
export const MODELS = ['churn', 'customer', 'recommendations', 'sentiment'] as const;
export type ModelName = (typeof MODELS)[number];

export interface ModelVersion {
  model: ModelName;
  version: string;
  registeredAt: string;
  /** The code that trained it: the algorithm and its fixed parameters (e.g. xgboost 1.7 + params hash). */
  codeVersion: string;
  /** The data: the gold snapshot's as-of day and row counts. */
  training: { asOf: string; rows?: number; [k: string]: unknown };
  metrics: Record<string, unknown>;
  /** Where its artifact is (an object key or an s3:// URI), and a deployed form if any (endpoint config). */
  artifact: string;
  deployment?: Record<string, string>;
  /** The training-time distributions drift is measured against (model-health.ts). */
  reference?: unknown;
}

export interface RegistryRecord {
  model: ModelName;
  live: string | null;
  /** Live versions before the current one, most recent first (what rollback returns to). */
  previous: string[];
  versions: ModelVersion[];
}

export const registryKey = (model: ModelName) => `models/registry/${model}.json`;

export class ModelRegistry {
  constructor(private readonly store: ObjectStore) {}

  async record(model: ModelName): Promise<RegistryRecord> {
    try {
      return JSON.parse((await this.store.get(registryKey(model))).toString('utf8')) as RegistryRecord;
    } catch (err) {
      if (isMissingObject(err)) return { model, live: null, previous: [], versions: [] };
      throw err;
    }
  }

  async all(): Promise<RegistryRecord[]> {
    return Promise.all(MODELS.map((m) => this.record(m)));
  }

  /** The live version's entry, or null when nothing was ever promoted. */
  async live(model: ModelName): Promise<ModelVersion | null> {
    const r = await this.record(model);
    return r.versions.find((v) => v.version === r.live) ?? null;
  }

  /**
   * Registers a version (again: the same version id replaces its entry, so a retried step is
   * idempotent) and, with promote, makes it live.
   */
  async register(v: ModelVersion, opts: { promote: boolean }): Promise<RegistryRecord> {
    const r = await this.record(v.model);
    r.versions = [...r.versions.filter((x) => x.version !== v.version), v];
    if (opts.promote) setLive(r, v.version);
    await this.save(r);
    return r;
  }

  /** Makes a registered version live (a roll forward or back to any known version). */
  async promote(model: ModelName, version: string): Promise<RegistryRecord> {
    const r = await this.record(model);
    if (!r.versions.some((v) => v.version === version))
      throw new C360Error(
        `${model} has no version ${version} (registered: ${r.versions.map((v) => v.version).join(', ') || 'none'}); see "c360 models list"`,
      );
    setLive(r, version);
    await this.save(r);
    return r;
  }

  /** Back to the version that was live before the current one. */
  async rollback(model: ModelName): Promise<{ from: string; to: string }> {
    const r = await this.record(model);
    const to = r.previous[0];
    if (!r.live || !to)
      throw new C360Error(`${model} has no earlier live version to roll back to (live: ${r.live ?? 'none'})`);
    const from = r.live;
    r.live = to;
    r.previous = r.previous.slice(1);
    await this.save(r);
    return { from, to };
  }

  private async save(r: RegistryRecord): Promise<void> {
    await this.store.put(registryKey(r.model), `${JSON.stringify(r, null, 1)}\n`);
  }
}

function setLive(r: RegistryRecord, version: string): void {
  if (r.live === version) return;
  // The live version goes on top of the history; the one made live leaves it (no duplicates).
  r.previous = [...(r.live ? [r.live] : []), ...r.previous].filter((v) => v !== version);
  r.live = version;
}

/** The version string every score row carries: which churn and which customer models made it. */
export const scoreVersion = (churn: string, customer: string) =>
  churn === customer ? churn : `churn=${churn};customer=${customer}`;
