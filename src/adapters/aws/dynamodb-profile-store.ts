import {
  type AttributeValue,
  BatchGetItemCommand,
  BatchWriteItemCommand,
  DynamoDBClient,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import type { ComputedProfile, LiveProfile } from '../../domain/profile';
import type { ProfileStore } from '../../ports/profile-store';
import type { RetryOptions } from '../retry';
import { GET_BATCH, inDynamoBatches, WRITE_BATCH } from './dynamodb-batches';

/**
 * The profile store on DynamoDB (template.yaml: ProfileIdentitiesTable, ProfileLiveTable,
 * ProfileComputedTable, KMS-encrypted). Each path owns its table, so the stream's live halves and
 * the Glue job's computed halves never overwrite each other, and both write with BatchWriteItem
 * (a retried batch puts the same items again). Items carry `expiresAt` (the tables' TTL):
 * `retentionDays` after their last write (config/retention.json `profiles`), so a customer nobody
 * writes any more (merged away, gone quiet) leaves the store by itself. Halves are JSON text in `doc`.
 */
export interface DynamoProfileTables {
  identitiesTable: string;
  liveTable: string;
  computedTable: string;
  retentionDays: number;
}

export class DynamoProfileStore implements ProfileStore {
  private readonly client: DynamoDBClient;
  constructor(
    private readonly tables: DynamoProfileTables,
    client?: DynamoDBClient,
    private readonly now: () => number = Date.now,
    private readonly retry: RetryOptions = {},
  ) {
    this.client = client ?? new DynamoDBClient({});
  }

  private expiresAt(): AttributeValue {
    return { N: String(Math.floor(this.now() / 1000) + this.tables.retentionDays * 86_400) };
  }

  /** BatchGetItem by 100 on one table, resending the keys DynamoDB left unprocessed. */
  private async getAll(
    table: string,
    key: string,
    ids: readonly string[],
  ): Promise<Map<string, Record<string, AttributeValue>>> {
    const found = new Map<string, Record<string, AttributeValue>>();
    const keys = [...new Set(ids)].map((id) => ({ [key]: { S: id } }) as Record<string, AttributeValue>);
    await inDynamoBatches(
      keys,
      GET_BATCH,
      { table, done: 'keys', left: 'keys' },
      async (part) => {
        const res = await this.client.send(
          new BatchGetItemCommand({ RequestItems: { [table]: { Keys: part } } }),
        );
        for (const item of res.Responses?.[table] ?? []) {
          const id = item[key]?.S;
          if (id !== undefined) found.set(id, item);
        }
        return res.UnprocessedKeys?.[table]?.Keys ?? [];
      },
      this.retry,
    );
    return found;
  }

  async customersOf(nodes: readonly string[]): Promise<Map<string, string>> {
    const items = await this.getAll(this.tables.identitiesTable, 'node', nodes);
    const out = new Map<string, string>();
    for (const [n, item] of items) if (item.customer_id?.S) out.set(n, item.customer_id.S);
    return out;
  }

  private async docs<T>(table: string, ids: readonly string[]): Promise<Map<string, T>> {
    const items = await this.getAll(table, 'customer_id', ids);
    return new Map([...items].map(([id, item]) => [id, JSON.parse(item.doc?.S ?? 'null') as T]));
  }

  live(customerIds: readonly string[]): Promise<Map<string, LiveProfile>> {
    return this.docs(this.tables.liveTable, customerIds);
  }

  computed(customerIds: readonly string[]): Promise<Map<string, ComputedProfile>> {
    return this.docs(this.tables.computedTable, customerIds);
  }

  /**
   * BatchWriteItem by 25, one table per request (a customer's key is the same in the live and the
   * computed table), resending only the unprocessed requests.
   */
  private async writeAll(requests: { table: string; request: WriteRequest }[]): Promise<void> {
    for (const table of [...new Set(requests.map((r) => r.table))]) {
      await inDynamoBatches(
        requests.filter((r) => r.table === table).map((r) => r.request),
        WRITE_BATCH,
        { table, done: 'writes', left: 'writes' },
        async (part) => {
          const res = await this.client.send(new BatchWriteItemCommand({ RequestItems: { [table]: part } }));
          return res.UnprocessedItems?.[table] ?? [];
        },
        this.retry,
      );
    }
  }

  private linkPuts(links: ReadonlyMap<string, string>) {
    const expiresAt = this.expiresAt();
    return [...links].map(([node, customerId]) => ({
      table: this.tables.identitiesTable,
      request: { PutRequest: { Item: { node: { S: node }, customer_id: { S: customerId }, expiresAt } } },
    }));
  }

  private docPuts(table: string, docs: readonly { customerId: string }[]) {
    const expiresAt = this.expiresAt();
    // One request may not hold the same key twice: the last half of a customer wins.
    const last = new Map(docs.map((d) => [d.customerId, d]));
    return [...last.values()].map((d) => ({
      table,
      request: {
        PutRequest: { Item: { customer_id: { S: d.customerId }, doc: { S: JSON.stringify(d) }, expiresAt } },
      },
    }));
  }

  async writeLive(links: ReadonlyMap<string, string>, profiles: readonly LiveProfile[]): Promise<void> {
    await this.writeAll([...this.linkPuts(links), ...this.docPuts(this.tables.liveTable, profiles)]);
  }

  async writeComputed(
    links: ReadonlyMap<string, string>,
    profiles: readonly ComputedProfile[],
  ): Promise<void> {
    await this.writeAll([...this.linkPuts(links), ...this.docPuts(this.tables.computedTable, profiles)]);
  }

  /** Erasure: the halves and every key either half lists, plus the keys named. */
  async remove(customerIds: readonly string[], nodes: readonly string[]): Promise<void> {
    const [live, computed] = await Promise.all([this.live(customerIds), this.computed(customerIds)]);
    const keys = new Set(nodes);
    for (const p of [...live.values(), ...computed.values()]) for (const n of p.identities) keys.add(n);
    const del = (table: string, key: string, id: string) => ({
      table,
      request: { DeleteRequest: { Key: { [key]: { S: id } } } },
    });
    await this.writeAll([
      ...[...keys].map((n) => del(this.tables.identitiesTable, 'node', n)),
      ...[...new Set(customerIds)].flatMap((c) => [
        del(this.tables.liveTable, 'customer_id', c),
        del(this.tables.computedTable, 'customer_id', c),
      ]),
    ]);
  }
}

/** The profile store a function's environment names (template.yaml gives the three tables to each). */
export function profileStoreFromEnv(env: {
  PROFILE_IDENTITIES_TABLE: string;
  PROFILE_LIVE_TABLE: string;
  PROFILE_COMPUTED_TABLE: string;
  PROFILE_RETENTION_DAYS?: string;
}): DynamoProfileStore {
  const days = Number(env.PROFILE_RETENTION_DAYS ?? 30);
  if (!Number.isInteger(days) || days < 1)
    throw new Error(
      `PROFILE_RETENTION_DAYS must be a whole number of days, got ${env.PROFILE_RETENTION_DAYS}`,
    );
  return new DynamoProfileStore({
    identitiesTable: env.PROFILE_IDENTITIES_TABLE,
    liveTable: env.PROFILE_LIVE_TABLE,
    computedTable: env.PROFILE_COMPUTED_TABLE,
    retentionDays: days,
  });
}
