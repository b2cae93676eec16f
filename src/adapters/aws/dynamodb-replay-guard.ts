import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ReplayClaim, ReplayGuard } from '../../ports/replay-guard';
import { DynamoLeaseTable } from './dynamodb-lease';

/**
 * Replay guard on DynamoDB: key `id` = provider:key, with the lease protocol of DynamoLeaseTable
 * (claim is one conditional PutItem, so check and write are atomic; confirm and release are
 * conditional on the owner).
 */
export class DynamoReplayGuard implements ReplayGuard {
  private readonly leases: DynamoLeaseTable;
  constructor(options: {
    tableName: string;
    client?: DynamoDBClient;
    ttlSeconds?: number;
    leaseSeconds?: number;
    now?: () => number;
  }) {
    this.leases = new DynamoLeaseTable({
      client: options.client ?? new DynamoDBClient({}),
      tableName: options.tableName,
      keyAttr: 'id',
      leaseSeconds: options.leaseSeconds ?? 60,
      ttlSeconds: options.ttlSeconds ?? 7 * 24 * 3600,
      ...(options.now ? { now: options.now } : {}),
    });
  }

  claim(provider: string, key: string, owner: string): Promise<ReplayClaim> {
    return this.leases.claim(`${provider}:${key}`, owner);
  }

  confirm(provider: string, key: string, owner: string): Promise<void> {
    return this.leases.done(`${provider}:${key}`, owner);
  }

  release(provider: string, key: string, owner: string): Promise<void> {
    return this.leases.release(`${provider}:${key}`, owner);
  }
}
