import { ConditionalCheckFailedException, DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { DailyQuota } from '../../ports/write-keys';

/**
 * Daily quotas on DynamoDB, shared by every ingest instance: one item per key and UTC day
 * (`id` = `<keyId>#<day>`), one conditional UpdateItem per request (ADD the request's events only
 * when the total stays within the quota, so a refused request counts nothing), expiring two days
 * later by TTL. Only keys that declare a `dailyQuota` pay the write.
 */
export class DynamoDailyQuota implements DailyQuota {
  private readonly client: DynamoDBClient;
  constructor(private readonly options: { tableName: string; client?: DynamoDBClient }) {
    this.client = options.client ?? new DynamoDBClient({});
  }

  async consume(keyId: string, day: string, events: number, quota: number): Promise<boolean> {
    if (events > quota) return false;
    const expiresAt = Math.floor(Date.parse(`${day}T00:00:00Z`) / 1000) + 2 * 86400;
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.options.tableName,
          Key: { id: { S: `${keyId}#${day}` } },
          UpdateExpression: 'ADD used :n SET expiresAt = :exp',
          ConditionExpression: 'attribute_not_exists(used) OR used <= :max',
          ExpressionAttributeValues: {
            ':n': { N: String(events) },
            ':max': { N: String(quota - events) },
            ':exp': { N: String(expiresAt) },
          },
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  }
}
