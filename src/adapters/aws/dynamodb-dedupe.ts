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
 * Dedupe store on DynamoDB: table key `eventId` (S), attributes `state` (pending|done) and
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

  async claim(ids: string[]): Promise<ClaimResult> {
    const now = this.nowSeconds();
    const lease = now + (this.options.leaseSeconds ?? 300);
    const out: ClaimResult = { claimed: [], duplicates: [], inFlight: [] };
    await this.forEach(ids, async (id) => {
      try {
        await this.client.send(
          new PutItemCommand({
            TableName: this.options.tableName,
            Item: { eventId: { S: id }, state: { S: 'pending' }, expiresAt: { N: String(lease) } },
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
    return out;
  }

  async commit(ids: string[]): Promise<void> {
    const exp = this.nowSeconds() + (this.options.ttlSeconds ?? 7 * 24 * 3600);
    await this.forEach(ids, (id) =>
      this.client.send(
        new PutItemCommand({
          TableName: this.options.tableName,
          Item: { eventId: { S: id }, state: { S: 'done' }, expiresAt: { N: String(exp) } },
        }),
      ),
    );
  }

  async release(ids: string[]): Promise<void> {
    await this.forEach(ids, (id) =>
      this.client.send(
        new DeleteItemCommand({ TableName: this.options.tableName, Key: { eventId: { S: id } } }),
      ),
    );
  }

  /** Runs calls with bounded concurrency; the first error fails the whole operation. */
  private async forEach(ids: string[], fn: (id: string) => Promise<unknown>): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (next < ids.length) {
        const id = ids[next++] as string;
        await fn(id);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.options.concurrency ?? 32, ids.length) }, worker));
  }
}
