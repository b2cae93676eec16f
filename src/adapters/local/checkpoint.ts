import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { emptyCheckpoint as empty } from '../../domain/stream-checkpoint';
import type { CheckpointStore, ShardCheckpoint } from '../../ports/checkpoint';
import { replaceFile } from './files';

/** Shard checkpoints in memory (benches and tests of one process). */
export class MemoryCheckpointStore implements CheckpointStore {
  private readonly items = new Map<string, ShardCheckpoint>();
  /** Writes made, for tests that count them. */
  writes = 0;

  async get(shardId: string): Promise<ShardCheckpoint> {
    const cp = this.items.get(shardId);
    return cp ? structuredClone(cp) : empty();
  }

  async put(shardId: string, next: Omit<ShardCheckpoint, 'version'>, expected: number): Promise<boolean> {
    if ((this.items.get(shardId)?.version ?? 0) !== expected) return false;
    this.writes++;
    this.items.set(shardId, { ...structuredClone(next), version: expected + 1 });
    return true;
  }
}

/**
 * Embedded shard checkpoints: one JSON file per shard in `<data>/state/checkpoints/`, replaced
 * atomically (written, flushed, renamed), so a crash leaves the old checkpoint or the new one.
 * The data folder's consumer lock makes this process its only writer; the version check still
 * refuses a write based on a stale read.
 */
export class FileCheckpointStore implements CheckpointStore {
  constructor(private readonly dir: string) {}

  private file(shardId: string): string {
    if (!/^[A-Za-z0-9_.-]+$/.test(shardId)) throw new Error(`not a shard id: ${JSON.stringify(shardId)}`);
    return join(this.dir, `${shardId}.json`);
  }

  async get(shardId: string): Promise<ShardCheckpoint> {
    let text: string;
    try {
      text = await readFile(this.file(shardId), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return empty();
      throw err;
    }
    const cp = JSON.parse(text) as ShardCheckpoint;
    if (typeof cp.version !== 'number' || !Array.isArray(cp.beyond))
      throw new Error(
        `${this.file(shardId)} is not a shard checkpoint: remove it (the next batches are then stored again in bronze; silver keeps one of each)`,
      );
    return cp;
  }

  async put(shardId: string, next: Omit<ShardCheckpoint, 'version'>, expected: number): Promise<boolean> {
    if ((await this.get(shardId)).version !== expected) return false;
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await replaceFile(this.file(shardId), JSON.stringify({ ...next, version: expected + 1 }));
    return true;
  }
}
