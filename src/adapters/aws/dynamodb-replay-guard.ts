import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { ReplayClaim, ReplayGuard } from '../../ports/replay-guard';

/**
 * Replay guard on DynamoDB: key `id` = provider:key, `state` (pending|done), `owner`, TTL
 * attribute `expiresAt` (epoch s). The claim is one conditional PutItem (check and write are
 * atomic); confirm and release are conditional on the owner.
 */
export class DynamoReplayGuard implements ReplayGuard {
  private readonly client: DynamoDBClient;
  constructor(
    private readonly options: {
      tableName: string;
      client?: DynamoDBClient;
      ttlSeconds?: number;
      leaseSeconds?: number;
      now?: () => number;
    },
  ) {
    this.client = options.client ?? new DynamoDBClient({});
  }
  private nowSeconds() {
    return Math.floor((this.options.now?.() ?? Date.now()) / 1000);
  }

  async claim(provider: string, key: string, owner: string): Promise<ReplayClaim> {
    const now = this.nowSeconds();
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.options.tableName,
          Item: {
            id: { S: `${provider}:${key}` },
            state: { S: 'pending' },
            owner: { S: owner },
            expiresAt: { N: String(now + (this.options.leaseSeconds ?? 60)) },
          },
          ConditionExpression: 'attribute_not_exists(id) OR expiresAt < :now',
          ExpressionAttributeValues: { ':now': { N: String(now) } },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return 'claimed';
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
      return err.Item?.state?.S === 'done' ? 'duplicate' : 'in_flight';
    }
  }

  async confirm(provider: string, key: string, owner: string): Promise<void> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.options.tableName,
          Item: {
            id: { S: `${provider}:${key}` },
            state: { S: 'done' },
            owner: { S: owner },
            expiresAt: { N: String(this.nowSeconds() + (this.options.ttlSeconds ?? 7 * 24 * 3600)) },
          },
          ConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':owner': { S: owner } },
        }),
      );
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
    }
  }

  async release(provider: string, key: string, owner: string): Promise<void> {
    try {
      await this.client.send(
        new DeleteItemCommand({
          TableName: this.options.tableName,
          Key: { id: { S: `${provider}:${key}` } },
          ConditionExpression: '#owner = :owner AND #state = :pending',
          ExpressionAttributeNames: { '#owner': 'owner', '#state': 'state' },
          ExpressionAttributeValues: { ':owner': { S: owner }, ':pending': { S: 'pending' } },
        }),
      );
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
    }
  }
}
