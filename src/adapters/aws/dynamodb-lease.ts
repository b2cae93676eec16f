import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  type DynamoDBClient,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';

/**
 * The lease protocol of the replay guard, one item per key:
 * `state` (pending|done), `owner` (who holds the lease) and `expiresAt` (epoch s, the table's TTL).
 * claim: one conditional PutItem, taken when the key is absent or its lease/TTL passed (TTL
 * deletion is lazy, so expiry is in the condition too); done and release: conditional on the
 * owner, so a stale holder never overwrites or deletes another's marker.
 */
export class DynamoLeaseTable {
  constructor(
    private readonly o: {
      client: DynamoDBClient;
      tableName: string;
      /** The table's partition key attribute. */
      keyAttr: string;
      leaseSeconds: number;
      ttlSeconds: number;
      now?: () => number;
    },
  ) {}

  private nowSeconds(): number {
    return Math.floor((this.o.now?.() ?? Date.now()) / 1000);
  }

  async claim(key: string, owner: string): Promise<'claimed' | 'duplicate' | 'in_flight'> {
    const now = this.nowSeconds();
    try {
      await this.o.client.send(
        new PutItemCommand({
          TableName: this.o.tableName,
          Item: {
            [this.o.keyAttr]: { S: key },
            state: { S: 'pending' },
            owner: { S: owner },
            expiresAt: { N: String(now + this.o.leaseSeconds) },
          },
          ConditionExpression: `attribute_not_exists(${this.o.keyAttr}) OR expiresAt < :now`,
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

  /** Marks the key done for the TTL; only the lease holder does (a new holder will otherwise). */
  async done(key: string, owner: string): Promise<void> {
    await this.ifOwner(() =>
      this.o.client.send(
        new PutItemCommand({
          TableName: this.o.tableName,
          Item: {
            [this.o.keyAttr]: { S: key },
            state: { S: 'done' },
            owner: { S: owner },
            expiresAt: { N: String(this.nowSeconds() + this.o.ttlSeconds) },
          },
          ConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':owner': { S: owner } },
        }),
      ),
    );
  }

  /** Gives the lease back: never another holder's lease, never a done marker. */
  async release(key: string, owner: string): Promise<void> {
    await this.ifOwner(() =>
      this.o.client.send(
        new DeleteItemCommand({
          TableName: this.o.tableName,
          Key: { [this.o.keyAttr]: { S: key } },
          ConditionExpression: '#owner = :owner AND #state = :pending',
          ExpressionAttributeNames: { '#owner': 'owner', '#state': 'state' },
          ExpressionAttributeValues: { ':owner': { S: owner }, ':pending': { S: 'pending' } },
        }),
      ),
    );
  }

  /** A conditional write whose condition failing means "not ours any more": nothing to do. */
  private async ifOwner(write: () => Promise<unknown>): Promise<void> {
    try {
      await write();
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
    }
  }
}
