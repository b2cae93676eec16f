import {
  type AttributeValue,
  BatchGetItemCommand,
  BatchWriteItemCommand,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  paginateQuery,
} from '@aws-sdk/client-dynamodb';
import type { VaultEntry, VaultStore } from '../../ports/vault';
import type { RetryOptions } from '../retry';
import { GET_BATCH, inDynamoBatches, WRITE_BATCH } from './dynamodb-batches';

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
    private readonly retry: RetryOptions = {},
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

  private inBatches<T>(
    items: readonly T[],
    size: number,
    what: { table: string; done: string; left: string },
    send: (part: T[]) => Promise<T[]>,
  ): Promise<void> {
    return inDynamoBatches(items, size, what, send, this.retry);
  }

  /** BatchGetItem (consistent reads) by 100, resending only the keys DynamoDB left unprocessed. */
  async getKeys(subjects: readonly string[]) {
    const found = new Map<string, Buffer>();
    const table = this.tables.keysTable;
    const keys = [...new Set(subjects)].map((s) => ({ subject: { S: s } }) as Record<string, AttributeValue>);
    await this.inBatches(
      keys,
      GET_BATCH,
      { table: `vault keys table ${table}`, done: 'read(s)', left: 'key(s)' },
      async (part) => {
        const res = await this.client.send(
          new BatchGetItemCommand({ RequestItems: { [table]: { Keys: part, ConsistentRead: true } } }),
        );
        for (const item of res.Responses?.[table] ?? []) {
          const b = item.wrappedKey?.B;
          if (item.subject?.S && b) found.set(item.subject.S, Buffer.from(b));
        }
        return res.UnprocessedKeys?.[table]?.Keys ?? [];
      },
    );
    return found;
  }

  /** BatchWriteItem by 25 (one put per subject and id), resending only unprocessed items. */
  async putAllEntries(bySubject: ReadonlyMap<string, VaultEntry[]>) {
    const table = this.tables.entriesTable;
    const seen = new Set<string>();
    const puts: { PutRequest: { Item: Record<string, AttributeValue> } }[] = [];
    for (const [subject, entries] of bySubject)
      for (const e of entries) {
        // One request may not hold the same key twice.
        if (seen.has(`${subject}\u0000${e.id}`)) continue;
        seen.add(`${subject}\u0000${e.id}`);
        puts.push({ PutRequest: { Item: this.entryItem(subject, e) } });
      }
    await this.inBatches(
      puts,
      WRITE_BATCH,
      { table: `vault entries table ${table}`, done: 'write(s)', left: 'write(s)' },
      async (part) => {
        const res = await this.client.send(new BatchWriteItemCommand({ RequestItems: { [table]: part } }));
        return (res.UnprocessedItems?.[table] ?? []) as typeof part;
      },
    );
  }

  private entryItem(subject: string, e: VaultEntry): Record<string, AttributeValue> {
    return {
      subject: { S: subject },
      id: { S: e.id },
      sealed: { S: e.sealed },
      // The table's TTL: an entry expires retentionDays after its last write.
      ...(this.tables.retentionDays
        ? { expiresAt: { N: String(Math.floor(this.now() / 1000) + this.tables.retentionDays * 86_400) } }
        : {}),
    };
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
    await this.putAllEntries(new Map([[subject, entries]]));
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
