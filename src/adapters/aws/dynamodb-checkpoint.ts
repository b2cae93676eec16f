import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { emptyCheckpoint } from '../../domain/stream-checkpoint';
import type { CheckpointStore, ShardCheckpoint } from '../../ports/checkpoint';

export interface DynamoCheckpointOptions {
  tableName: string;
  client?: DynamoDBClient;
  /** How long an untouched checkpoint lives (the stream's retention and a margin; default 8 days). */
  ttlSeconds?: number;
  now?: () => number;
}

/**
 * Shard checkpoints on DynamoDB: table key `shardId` (S); `through` (S, absent before the first),
 * `beyond` (S, JSON), `version` (N), `expiresAt` (N, the table's TTL, renewed by every write).
 * One strongly consistent GetItem and at most one conditional PutItem per batch.
 */
export class DynamoCheckpointStore implements CheckpointStore {
  private readonly client: DynamoDBClient;
  constructor(private readonly o: DynamoCheckpointOptions) {
    this.client = o.client ?? new DynamoDBClient({});
  }

  async get(shardId: string): Promise<ShardCheckpoint> {
    const { Item } = await this.client.send(
      new GetItemCommand({
        TableName: this.o.tableName,
        Key: { shardId: { S: shardId } },
        ConsistentRead: true,
      }),
    );
    if (!Item) return emptyCheckpoint();
    return {
      through: Item.through?.S ?? null,
      beyond: JSON.parse(Item.beyond?.S ?? '[]') as ShardCheckpoint['beyond'],
      version: Number(Item.version?.N ?? 0),
    };
  }

  async put(shardId: string, next: Omit<ShardCheckpoint, 'version'>, expected: number): Promise<boolean> {
    const now = Math.floor((this.o.now?.() ?? Date.now()) / 1000);
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.o.tableName,
          Item: {
            shardId: { S: shardId },
            ...(next.through === null ? {} : { through: { S: next.through } }),
            beyond: { S: JSON.stringify(next.beyond) },
            version: { N: String(expected + 1) },
            expiresAt: { N: String(now + (this.o.ttlSeconds ?? 8 * 24 * 3600)) },
          },
          ConditionExpression: expected === 0 ? 'attribute_not_exists(shardId)' : 'version = :expected',
          ...(expected === 0 ? {} : { ExpressionAttributeValues: { ':expected': { N: String(expected) } } }),
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  }
}
