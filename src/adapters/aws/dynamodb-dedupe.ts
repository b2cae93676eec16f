import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ClaimResult, DedupeStore } from '../../ports/dedupe';
import { DynamoLeaseTable } from './dynamodb-lease';

export interface DynamoDedupeOptions {
  tableName: string;
  client?: DynamoDBClient;
  ttlSeconds?: number;
  leaseSeconds?: number;
  concurrency?: number;
  now?: () => number;
}

/**
 * Dedupe store on DynamoDB: table key `eventId` (S), with the lease protocol of DynamoLeaseTable
 * (`state` pending|done, `owner`, `expiresAt` the TTL attribute), one item per event id, calls
 * with bounded concurrency.
 */
export class DynamoDedupeStore implements DedupeStore {
  private readonly leases: DynamoLeaseTable;
  constructor(private readonly options: DynamoDedupeOptions) {
    this.leases = new DynamoLeaseTable({
      client: options.client ?? new DynamoDBClient({}),
      tableName: options.tableName,
      keyAttr: 'eventId',
      leaseSeconds: options.leaseSeconds ?? 90,
      ttlSeconds: options.ttlSeconds ?? 7 * 24 * 3600,
      ...(options.now ? { now: options.now } : {}),
    });
  }

  async claim(ids: string[], owner: string): Promise<ClaimResult> {
    const out: ClaimResult = { claimed: [], duplicates: [], inFlight: [] };
    const into = { claimed: out.claimed, duplicate: out.duplicates, in_flight: out.inFlight };
    try {
      await this.forEach(ids, async (id) => {
        into[await this.leases.claim(id, owner)].push(id);
      });
    } catch (err) {
      // All or nothing: give back what this claim took before failing, then fail with the cause
      // (a lease that cannot be given back expires after leaseSeconds).
      await this.release(out.claimed, owner).catch(() => {});
      throw err;
    }
    return out;
  }

  async commit(ids: string[], owner: string): Promise<void> {
    await this.forEach(ids, (id) => this.leases.done(id, owner));
  }

  async release(ids: string[], owner: string): Promise<void> {
    await this.forEach(ids, (id) => this.leases.release(id, owner));
  }

  /**
   * Runs calls with bounded concurrency. On the first error no new call starts, the calls
   * already running finish, and then the error is thrown (so callers know exactly what happened).
   */
  private async forEach(ids: string[], fn: (id: string) => Promise<unknown>): Promise<void> {
    let next = 0;
    let failure: { error: unknown } | null = null;
    const worker = async () => {
      while (next < ids.length && !failure) {
        const id = ids[next++] as string;
        try {
          await fn(id);
        } catch (error) {
          failure ??= { error };
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.options.concurrency ?? 32, ids.length) }, worker));
    if (failure) throw (failure as { error: unknown }).error;
  }
}
