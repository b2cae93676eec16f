import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { ClaimResult, DedupeStore } from '../../ports/dedupe';

export interface DynamoDedupeOptions {
  tableName: string;
  client?: DynamoDBClient;
  ttlSeconds?: number;
  leaseSeconds?: number;
  concurrency?: number;
  now?: () => number;
}

/**
 * Dedupe store on DynamoDB: table key `eventId` (S), attributes `state` (pending|done), `owner`
 * (the invocation holding the lease) and
 * `expiresAt` (epoch seconds, the table's TTL attribute). A claim is a conditional PutItem that
 * succeeds when the id is absent or its lease/TTL has passed (TTL deletion is lazy, so expiry is
 * checked in the condition too).
 */
export class DynamoDedupeStore implements DedupeStore {
  private readonly client: DynamoDBClient;
  constructor(private readonly options: DynamoDedupeOptions) {
    this.client = options.client ?? new DynamoDBClient({});
  }

  private nowSeconds(): number {
    return Math.floor((this.options.now?.() ?? Date.now()) / 1000);
  }

  async claim(ids: string[], owner: string): Promise<ClaimResult> {
    const now = this.nowSeconds();
    const lease = now + (this.options.leaseSeconds ?? 90);
    const out: ClaimResult = { claimed: [], duplicates: [], inFlight: [] };
    try {
      await this.forEach(ids, async (id) => {
        try {
          await this.client.send(
            new PutItemCommand({
              TableName: this.options.tableName,
              Item: {
                eventId: { S: id },
                state: { S: 'pending' },
                owner: { S: owner },
                expiresAt: { N: String(lease) },
              },
              ConditionExpression: 'attribute_not_exists(eventId) OR expiresAt < :now',
              ExpressionAttributeValues: { ':now': { N: String(now) } },
              ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
            }),
          );
          out.claimed.push(id);
        } catch (err) {
          if (!(err instanceof ConditionalCheckFailedException)) throw err;
          (err.Item?.state?.S === 'done' ? out.duplicates : out.inFlight).push(id);
        }
      });
    } catch (err) {
      // All or nothing: give back what this claim took before failing, then fail.
      await this.release(out.claimed, owner).catch(() => {});
      throw err;
    }
    return out;
  }

  async commit(ids: string[], owner: string): Promise<void> {
    const exp = this.nowSeconds() + (this.options.ttlSeconds ?? 7 * 24 * 3600);
    await this.forEach(ids, async (id) => {
      try {
        await this.client.send(
          new PutItemCommand({
            TableName: this.options.tableName,
            Item: {
              eventId: { S: id },
              state: { S: 'done' },
              owner: { S: owner },
              expiresAt: { N: String(exp) },
            },
            // Only the lease holder commits; if the lease passed on, the new holder will.
            ConditionExpression: '#owner = :owner',
            ExpressionAttributeNames: { '#owner': 'owner' },
            ExpressionAttributeValues: { ':owner': { S: owner } },
          }),
        );
      } catch (err) {
        if (!(err instanceof ConditionalCheckFailedException)) throw err;
      }
    });
  }

  async release(ids: string[], owner: string): Promise<void> {
    await this.forEach(ids, async (id) => {
      try {
        await this.client.send(
          new DeleteItemCommand({
            TableName: this.options.tableName,
            Key: { eventId: { S: id } },
            // Never another invocation's lease, never a delivered id's done marker.
            ConditionExpression: '#owner = :owner AND #state = :pending',
            ExpressionAttributeNames: { '#owner': 'owner', '#state': 'state' },
            ExpressionAttributeValues: { ':owner': { S: owner }, ':pending': { S: 'pending' } },
          }),
        );
      } catch (err) {
        if (!(err instanceof ConditionalCheckFailedException)) throw err;
      }
    });
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
