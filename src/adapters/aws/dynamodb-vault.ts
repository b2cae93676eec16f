import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  paginateQuery,
} from '@aws-sdk/client-dynamodb';
import type { VaultEntry, VaultStore } from '../../ports/vault';

/**
 * The vault on DynamoDB: `keysTable` (pk `subject`, `wrappedKey` binary; no point-in-time
 * recovery, so a deleted key is gone from every backup) and `entriesTable` (pk `subject`, sk `id`,
 * `sealed`), both encrypted with the vault's KMS key. The key is created with a conditional put:
 * two writers racing on one subject end up with the same key.
 */
export class DynamoVaultStore implements VaultStore {
  private readonly client: DynamoDBClient;
  constructor(
    private readonly tables: { keysTable: string; entriesTable: string; retentionDays?: number },
    client?: DynamoDBClient,
    private readonly now: () => number = Date.now,
  ) {
    this.client = client ?? new DynamoDBClient({});
  }

  async getKey(subject: string) {
    const out = await this.client.send(
      new GetItemCommand({
        TableName: this.tables.keysTable,
        Key: { subject: { S: subject } },
        ConsistentRead: true,
      }),
    );
    const b = out.Item?.wrappedKey?.B;
    return b ? Buffer.from(b) : null;
  }

  async putKeyIfAbsent(subject: string, wrapped: Buffer) {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tables.keysTable,
          Item: { subject: { S: subject }, wrappedKey: { B: wrapped } },
          ConditionExpression: 'attribute_not_exists(subject)',
        }),
      );
      return wrapped;
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
      const stored = await this.getKey(subject);
      if (!stored) throw new Error(`vault key for a subject vanished while being created; retry the batch`);
      return stored;
    }
  }

  async putEntries(subject: string, entries: VaultEntry[]) {
    await Promise.all(
      entries.map((e) =>
        this.client.send(
          new PutItemCommand({
            TableName: this.tables.entriesTable,
            Item: {
              subject: { S: subject },
              id: { S: e.id },
              sealed: { S: e.sealed },
              // The table's TTL: an entry expires retentionDays after its last write.
              ...(this.tables.retentionDays
                ? {
                    expiresAt: {
                      N: String(Math.floor(this.now() / 1000) + this.tables.retentionDays * 86_400),
                    },
                  }
                : {}),
            },
          }),
        ),
      ),
    );
  }

  async entries(subject: string) {
    const out: VaultEntry[] = [];
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: this.tables.entriesTable,
        KeyConditionExpression: 'subject = :s',
        ExpressionAttributeValues: { ':s': { S: subject } },
        ConsistentRead: true,
      },
    );
    for await (const page of pages)
      for (const item of page.Items ?? [])
        if (item.id?.S && item.sealed?.S) out.push({ id: item.id.S, sealed: item.sealed.S });
    return out;
  }

  async shred(subject: string) {
    const old = await this.client.send(
      new DeleteItemCommand({
        TableName: this.tables.keysTable,
        Key: { subject: { S: subject } },
        ReturnValues: 'ALL_OLD',
      }),
    );
    const entries = await this.entries(subject);
    await Promise.all(
      entries.map((e) =>
        this.client.send(
          new DeleteItemCommand({
            TableName: this.tables.entriesTable,
            Key: { subject: { S: subject }, id: { S: e.id } },
          }),
        ),
      ),
    );
    return Boolean(old.Attributes) || entries.length > 0;
  }
}
