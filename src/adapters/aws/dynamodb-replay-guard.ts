import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { ReplayGuard } from '../../ports/replay-guard';

/** Replay guard on DynamoDB: key `id` = provider:eventId, TTL attribute `expiresAt` (epoch s). */
export class DynamoReplayGuard implements ReplayGuard {
  private readonly client: DynamoDBClient;
  constructor(
    private readonly options: {
      tableName: string;
      client?: DynamoDBClient;
      ttlSeconds?: number;
      now?: () => number;
    },
  ) {
    this.client = options.client ?? new DynamoDBClient({});
  }
  private nowSeconds() {
    return Math.floor((this.options.now?.() ?? Date.now()) / 1000);
  }
  async seen(provider: string, eventId: string): Promise<boolean> {
    const out = await this.client.send(
      new GetItemCommand({
        TableName: this.options.tableName,
        Key: { id: { S: `${provider}:${eventId}` } },
        ConsistentRead: true,
      }),
    );
    const exp = Number(out.Item?.expiresAt?.N ?? 0);
    return out.Item !== undefined && exp > this.nowSeconds();
  }
  async remember(provider: string, eventId: string): Promise<void> {
    await this.client.send(
      new PutItemCommand({
        TableName: this.options.tableName,
        Item: {
          id: { S: `${provider}:${eventId}` },
          expiresAt: { N: String(this.nowSeconds() + (this.options.ttlSeconds ?? 7 * 24 * 3600)) },
        },
      }),
    );
  }
}
