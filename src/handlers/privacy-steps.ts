import type { Pseudonymizer } from '../domain/enrich/pii';
import { C360Error } from '../domain/errors';
import { type ErasureTarget, mentionPattern, suppressionHash } from '../domain/privacy/erasure';
import { lit } from '../domain/sql';
import { WAREHOUSE_TABLES } from '../domain/warehouse/model';
import { refreshStatements } from '../domain/warehouse/reporting';
import type { ProfileStore } from '../ports/profile-store';
import type { SuppressionList } from '../ports/suppression';
import type { LoggerPort, MetricsPort } from '../ports/telemetry';

/**
 * The forget state machine's own steps (statemachines/forget.asl.json; one Lambda in AWS, the
 * same functions embedded):
 *  - `subject`: the request (a user id, an email, a customer id) → the identity-map predicate
 *    that finds the person (an email only by its keyed hash: the clear address never reaches the
 *    query or the execution history);
 *  - `erase`: the identity map's rows for them (Athena's result rows) → suppression entries
 *    written, vault subjects crypto-shredded, and the plan the next states run: the pattern the
 *    lake rewrite drops rows by, the warehouse DELETE statements, the wait for enrich to see the
 *    suppression.
 */
export interface ForgetRequest {
  userId?: string;
  email?: string;
  customerId?: string;
}

/** Athena's GetQueryResults rows: the first is the header. */
export interface ResultRow {
  Data?: { VarCharValue?: string }[];
}

export interface ForgetPlan {
  customerIds: string[];
  identityKeys: number;
  vaultSubjectsShredded: number;
  /** Customers removed from the profile store (a profile the stream started counts too). */
  profilesRemoved: number;
  pattern: string;
  /** Warehouse statements (Redshift Data API; the embedded warehouse runs the same SQL). */
  sqls: string[];
  waitSeconds: number;
}

export type PrivacyStepEvent =
  | { step: 'subject'; request: ForgetRequest }
  | { step: 'erase'; request: ForgetRequest; rows: ResultRow[] };

export interface PrivacyStepsDeps {
  pseudonymizer: Pseudonymizer;
  suppression: SuppressionList;
  vault: { shred(subject: string): Promise<boolean> };
  /** The profile store: the person's profiles and identity links go with the erasure. */
  profiles?: Pick<ProfileStore, 'customersOf' | 'remove'>;
  /** How long enrich may keep serving a cached suppression list (AWS 300 s; embedded 0). */
  waitSeconds: number;
  logger: LoggerPort;
  metrics: MetricsPort;
}

/** The identity node a request names, or null for a customer id. */
export function requestedNode(r: ForgetRequest, p: Pseudonymizer): string | null {
  const given = [r.userId, r.email, r.customerId].filter((v) => typeof v === 'string' && v.length > 0);
  if (given.length !== 1) throw new C360Error('name exactly one person: userId, email or customerId');
  if (r.userId) return `user_id:${r.userId}`;
  if (r.email) return `email_hash:${p.email(r.email).hash}`;
  return null;
}

/** The query over the identity map (Athena in AWS, DuckDB embedded): every key of the person's customer(s). */
export function identityQuery(predicate: string): string {
  return `SELECT id_type, id_value, customer_id FROM identity_map WHERE NOT is_hub AND customer_id IN (SELECT customer_id FROM identity_map WHERE NOT is_hub AND ${predicate}) ORDER BY 1, 2`;
}

/**
 * Warehouse tables holding a customer's rows, and the statements that delete them (history
 * included), then refill the materialized reporting tables: one transaction (BatchExecuteStatement),
 * so no reader sees the person in a pre-aggregated table after their rows are gone.
 */
export function warehouseDeletes(customerIds: string[]): string[] {
  if (!customerIds.length) return [];
  const ids = customerIds.map(lit).join(', ');
  return [
    ...WAREHOUSE_TABLES.filter((t) => t.columns.some((c) => c.name === 'customer_id')).map(
      (t) => `DELETE FROM ${t.schema}.${t.name} WHERE customer_id IN (${ids})`,
    ),
    ...refreshStatements(),
  ];
}

/**
 * The person a request names, from the identity map's rows for them (Athena's result rows): their
 * customer ids and every identity key. Erasure and subject access use the same target, so a copy
 * of someone's data covers exactly what erasing them would remove.
 */
export function personTarget(
  request: ForgetRequest,
  resultRows: ResultRow[] | undefined,
  pseudonymizer: Pseudonymizer,
  consequence: string,
): ErasureTarget {
  const node = requestedNode(request ?? {}, pseudonymizer);
  const rows = (resultRows ?? []).slice(1).map((r) => (r.Data ?? []).map((d) => d.VarCharValue ?? ''));
  const target: ErasureTarget = {
    customerIds: [...new Set(rows.map((r) => r[2] as string))].sort(),
    keys: rows.map((r) => ({ type: r[0] as string, value: r[1] as string })),
  };
  if (node === null && !target.customerIds.length)
    throw new C360Error(
      `customer ${request.customerId} is not in the identity map: check the id, ${consequence}`,
    );
  // A key not stitched yet (its events not through the ETL) is still covered.
  if (node !== null && !target.keys.some((k) => `${k.type}:${k.value}` === node)) {
    const i = node.indexOf(':');
    target.keys.push({ type: node.slice(0, i), value: node.slice(i + 1) });
  }
  return target;
}

/** The `subject` step: the identity-map query that finds the person a request names (erasure and access). */
export function subjectQuery(request: ForgetRequest, p: Pseudonymizer): { predicate: string; query: string } {
  const node = requestedNode(request ?? {}, p);
  const predicate =
    node === null ? `customer_id = ${lit(request.customerId as string)}` : `node = ${lit(node)}`;
  return { predicate, query: identityQuery(predicate) };
}

export const createPrivacyStepsHandler = (deps: PrivacyStepsDeps) => async (event: PrivacyStepEvent) => {
  if (event.step === 'subject') return subjectQuery(event.request, deps.pseudonymizer);
  const _node = requestedNode(event.request ?? {}, deps.pseudonymizer);
  if (event.step !== 'erase')
    throw new C360Error(`unknown privacy step "${(event as { step: string }).step}"`);
  const target = personTarget(event.request, event.rows, deps.pseudonymizer, 'nothing was erased');
  await deps.suppression.add(target.keys.map((k) => suppressionHash(deps.pseudonymizer, k.type, k.value)));
  let shredded = 0;
  for (const k of target.keys) if (await deps.vault.shred(`${k.type}:${k.value}`)) shredded++;
  // The profile store: the identity map's customers, and any customer the stream linked their keys
  // to before a daily run saw them.
  let profilesRemoved = 0;
  if (deps.profiles) {
    const nodes = target.keys.map((k) => `${k.type}:${k.value}`);
    const held = await deps.profiles.customersOf(nodes);
    const customers = [...new Set([...target.customerIds, ...held.values()])];
    await deps.profiles.remove(customers, nodes);
    profilesRemoved = customers.length;
  }
  deps.metrics.addMetric('Erasures', 'Count', 1);
  deps.metrics.addMetric('VaultSubjectsShredded', 'Count', shredded);
  deps.metrics.publishStoredMetrics();
  deps.logger.info('person erased from the vault and suppressed', {
    customers: target.customerIds.length,
    identityKeys: target.keys.length,
    vaultSubjectsShredded: shredded,
  });
  const plan: ForgetPlan = {
    customerIds: target.customerIds,
    identityKeys: target.keys.length,
    vaultSubjectsShredded: shredded,
    profilesRemoved,
    pattern: mentionPattern(target),
    sqls: warehouseDeletes(target.customerIds),
    waitSeconds: deps.waitSeconds,
  };
  return plan;
};
