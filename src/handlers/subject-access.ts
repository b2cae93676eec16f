import { strToU8, zipSync } from 'fflate';
import type { Pseudonymizer } from '../domain/enrich/pii';
import { C360Error } from '../domain/errors';
import { mentionPattern } from '../domain/privacy/erasure';
import type { VaultValue } from '../domain/privacy/vault';
import { lit } from '../domain/sql';
import { WAREHOUSE_TABLES } from '../domain/warehouse/model';
import type { Clock } from '../ports/clock';
import type { ObjectStore } from '../ports/object-store';
import type { LoggerPort, MetricsPort } from '../ports/telemetry';
import { heldBy } from './audience-delivery';
import { type ForgetRequest, personTarget, type ResultRow } from './privacy-steps';

/**
 * A person's own data on request (subject access; statements/export-person.asl.json, `c360
 * export-person`). The person is found exactly as erasure finds them (personTarget: the identity
 * map's rows for the request), and their rows are collected from the stores erasure rewrites
 * (src/runtime/person-stores.ts embedded, glue/forget.py --mode export in AWS) under
 * `access/<request>/`, plus their warehouse rows (Redshift UNLOAD). This handler's two steps:
 *  - `plan`: the pattern that finds their rows, where to put them, the warehouse UNLOADs;
 *  - `package`: their clear values from the PII vault (the only step that may decrypt them) and
 *    everything collected, in one zip archive `access/<request>/person.zip` with a manifest.
 */
export type SubjectAccessEvent =
  | { step: 'plan'; request: ForgetRequest; rows: ResultRow[]; execution: string }
  | { step: 'package'; request: ForgetRequest; rows: ResultRow[]; prefix: string };

export interface SubjectAccessPlan {
  customerIds: string[];
  identityKeys: number;
  pattern: string;
  /** Where the collected rows and the archive go: `access/<request id>/`. */
  prefix: string;
  /** Redshift UNLOADs of their warehouse rows (every table with a customer_id, history included). */
  unloads: string[];
}

export interface SubjectAccessResult {
  archive: string;
  customerIds: string[];
  identityKeys: number;
  vaultValues: number;
  /** Files and rows collected per store (lake/<store>, warehouse/<table>; a CSV header is no row). */
  stores: Record<string, { files: number; rows: number }>;
}

export interface SubjectAccessDeps {
  pseudonymizer: Pseudonymizer;
  vault: { reveal(subject: string): Promise<VaultValue[]> };
  objects: ObjectStore;
  clock: Clock;
  logger: LoggerPort;
  metrics: MetricsPort;
  /** The lake bucket and the role Redshift writes with (AWS); embedded, the warehouse is read directly. */
  unload?: { bucket: string; roleArn: string };
  /** Where the audience delivery keeps what each destination holds (the lake bucket; embedded DIR/state). */
  audienceState?: ObjectStore;
}

export const ARCHIVE_NAME = 'person.zip';
export const MANIFEST_NAME = 'manifest.json';

/** A request id safe as a key segment: the execution's name (AWS) or a timestamp (embedded). */
export function accessPrefix(execution: string): string {
  const id =
    execution
      .split(':')
      .at(-1)
      ?.replace(/[^A-Za-z0-9._-]/g, '-') ?? '';
  if (!id) throw new C360Error('the subject access request has no id');
  return `access/${id}/`;
}

/** The warehouse tables that hold a person's rows: every one with a customer_id (as erasure deletes). */
export function personTables(): string[] {
  return WAREHOUSE_TABLES.filter((t) => t.columns.some((c) => c.name === 'customer_id')).map(
    (t) => `${t.schema}.${t.name}`,
  );
}

export function warehouseUnloads(
  customerIds: string[],
  prefix: string,
  bucket: string,
  roleArn: string,
): string[] {
  if (!customerIds.length) return [];
  const ids = customerIds.map(lit).join(', ');
  return personTables().map((table) => {
    const select = `SELECT * FROM ${table} WHERE customer_id IN (${ids})`;
    // UNLOAD takes its query as a quoted string: quotes inside are doubled once more.
    return `UNLOAD (${lit(select)}) TO ${lit(`s3://${bucket}/${prefix}warehouse/${table}/`)} IAM_ROLE ${lit(roleArn)} FORMAT AS CSV HEADER PARALLEL OFF ALLOWOVERWRITE`;
  });
}

const README = `Your data, as this company's customer data platform (c360) holds it.

manifest.json   what was searched, for whom, when, and how much each store held
identities.json the identifiers linked to you (ids as the sources sent them; emails and phones as keyed hashes)
vault.json      your personal details in clear (names, email, phone, address, birthdate), from the encrypted vault
destinations.json the marketing and advertising tools you were sent to as an audience member, and in which audience
lake/           your events and the rows derived from them, store by store, as stored (pseudonymized)
warehouse/      your rows in the analytics warehouse, history included

The same stores are what erasure (the right to be forgotten) removes you from.
`;

export const createSubjectAccessHandler = (deps: SubjectAccessDeps) => {
  const target = (e: { request: ForgetRequest; rows: ResultRow[] }) =>
    personTarget(e.request, e.rows, deps.pseudonymizer, 'nothing was exported');

  const plan = (e: Extract<SubjectAccessEvent, { step: 'plan' }>): SubjectAccessPlan => {
    const t = target(e);
    const prefix = accessPrefix(e.execution);
    return {
      customerIds: t.customerIds,
      identityKeys: t.keys.length,
      pattern: mentionPattern(t),
      prefix,
      unloads: deps.unload
        ? warehouseUnloads(t.customerIds, prefix, deps.unload.bucket, deps.unload.roleArn)
        : [],
    };
  };

  const pack = async (e: Extract<SubjectAccessEvent, { step: 'package' }>): Promise<SubjectAccessResult> => {
    const t = target(e);
    if (!e.prefix.startsWith('access/'))
      throw new C360Error(`refusing to package ${e.prefix}: not under access/`);
    const archive = `${e.prefix}${ARCHIVE_NAME}`;
    const files: Record<string, Uint8Array> = {};
    const stores: SubjectAccessResult['stores'] = {};
    const manifestKey = `${e.prefix}${MANIFEST_NAME}`;
    for (const key of await deps.objects.list(e.prefix)) {
      if (key === archive || key === manifestKey) continue;
      const rel = key.slice(e.prefix.length);
      const body = await deps.objects.get(key);
      files[rel] = body;
      // lake/<store>/… or warehouse/<schema.table>/…
      const [area, store] = rel.split('/');
      const name = `${area}/${store}`;
      const s = stores[name] ?? { files: 0, rows: 0 };
      const lines = body
        .toString('utf8')
        .split('\n')
        .filter((l) => l.length > 0).length;
      s.files++;
      // Redshift's UNLOAD writes CSV with a header line.
      s.rows += area === 'warehouse' ? Math.max(0, lines - 1) : lines;
      stores[name] = s;
    }
    const vault: (VaultValue & { subject: string })[] = [];
    for (const k of t.keys) {
      const subject = `${k.type}:${k.value}`;
      for (const v of await deps.vault.reveal(subject)) vault.push({ subject, ...v });
    }
    const destinations = deps.audienceState ? await heldBy(deps.audienceState, t.customerIds) : [];
    const createdAt = deps.clock.now().toISOString();
    // The manifest also lies beside the archive: an email asked for is named by its keyed hash there.
    const { email, ...named } = e.request;
    const manifest = {
      createdAt,
      request: email ? { ...named, emailHash: deps.pseudonymizer.email(email).hash } : named,
      customerIds: t.customerIds,
      identityKeys: t.keys.length,
      vaultValues: vault.length,
      destinations: destinations.length,
      stores,
    };
    const zip = zipSync({
      'README.txt': strToU8(README),
      'manifest.json': strToU8(`${JSON.stringify(manifest, null, 2)}\n`),
      'identities.json': strToU8(`${JSON.stringify(t.keys, null, 2)}\n`),
      'vault.json': strToU8(`${JSON.stringify(vault, null, 2)}\n`),
      'destinations.json': strToU8(`${JSON.stringify(destinations, null, 2)}\n`),
      ...files,
    });
    await deps.objects.put(archive, zip);
    // Beside the archive, so an erasure of the person finds and deletes the request's folder.
    await deps.objects.put(manifestKey, `${JSON.stringify(manifest, null, 2)}\n`);
    deps.metrics.addMetric('SubjectAccessRequests', 'Count', 1);
    deps.metrics.publishStoredMetrics();
    deps.logger.info('subject access archive written', {
      archive,
      customers: t.customerIds.length,
      identityKeys: t.keys.length,
      files: Object.keys(files).length,
    });
    return {
      archive,
      customerIds: t.customerIds,
      identityKeys: t.keys.length,
      vaultValues: vault.length,
      stores,
    };
  };

  return async (event: SubjectAccessEvent): Promise<SubjectAccessPlan | SubjectAccessResult> => {
    if (event.step === 'plan') return plan(event);
    if (event.step === 'package') return pack(event);
    throw new C360Error(`unknown subject access step "${(event as { step: string }).step}"`);
  };
};
