import type {
  CloudFormationCustomResourceEvent,
  CloudFormationCustomResourceResponse,
  Context,
} from 'aws-lambda';
import { backoffDelay, defaultSleep } from '../adapters/retry';
import type { LoggerPort } from '../ports/telemetry';

/**
 * CloudFormation custom resources (template.yaml `WarehouseSetup`, `LakeArtifacts`): the request
 * in, one idempotent action on Create and Update, and always an answer on the request's presigned
 * URL, also shortly before the function would time out, so a deploy never waits an hour.
 */

/** CloudFormation's limit on a custom resource answer. */
export const MAX_RESPONSE_BYTES = 4096;
const MAX_REASON_CHARS = 2000;

export function isCustomResourceEvent(e: unknown): e is CloudFormationCustomResourceEvent {
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof (e as Record<string, unknown>).RequestType === 'string' &&
    typeof (e as Record<string, unknown>).ResponseURL === 'string'
  );
}

class Deadline extends Error {}

/**
 * A CloudFormation custom resource around one idempotent action: it runs on Create and Update,
 * never on Delete (what it made is kept), and always answers CloudFormation's presigned URL:
 * SUCCESS, or FAILED with the cause and how to rerun, also shortly before the function times out.
 */
export interface CustomResourceSpec {
  /** "the warehouse setup", "the lake artifacts upload": named in logs and FAILED reasons. */
  what: string;
  /** How to run it again by hand, for a FAILED answer's reason. */
  rerun: string;
  physicalId: (event: CloudFormationCustomResourceEvent) => string;
  run: (event: CloudFormationCustomResourceEvent) => Promise<void>;
  logger: LoggerPort;
  respond?: (url: string, body: string) => Promise<void>;
  marginMs?: number;
}

export const createCustomResource =
  (spec: CustomResourceSpec) =>
  async (event: CloudFormationCustomResourceEvent, context?: Context): Promise<{ status: string }> => {
    const physicalId = spec.physicalId(event);
    let status: 'SUCCESS' | 'FAILED' = 'SUCCESS';
    let reason: string | undefined;
    if (event.RequestType !== 'Delete') {
      const budget = context ? context.getRemainingTimeInMillis() - (spec.marginMs ?? 30_000) : null;
      let timer: NodeJS.Timeout | undefined;
      try {
        const work = spec.run(event);
        if (budget === null) await work;
        else {
          const deadline = new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Deadline()), Math.max(0, budget));
          });
          await Promise.race([work, deadline]);
        }
        spec.logger.info(`${spec.what} done`, { requestType: event.RequestType, physicalId });
      } catch (err) {
        status = 'FAILED';
        const cause =
          err instanceof Deadline
            ? `${spec.what} did not finish within the function's timeout (${Math.round((budget ?? 0) / 1000)} s)`
            : `${spec.what} failed: ${err instanceof Error ? err.message : String(err)}`;
        const log = context ? ` (log stream ${context.logStreamName})` : '';
        reason = `${cause.length > MAX_REASON_CHARS ? `${cause.slice(0, MAX_REASON_CHARS)}…` : cause}${log}; ${spec.rerun}`;
        spec.logger.error(`${spec.what} failed`, err instanceof Error ? err : { err });
      } finally {
        clearTimeout(timer);
      }
    }
    const response: CloudFormationCustomResourceResponse = {
      Status: status,
      ...(reason ? { Reason: reason } : {}),
      PhysicalResourceId: physicalId,
      StackId: event.StackId,
      RequestId: event.RequestId,
      LogicalResourceId: event.LogicalResourceId,
    } as CloudFormationCustomResourceResponse;
    await (spec.respond ?? putResponse)(event.ResponseURL, JSON.stringify(response));
    return { status };
  };

/**
 * The answer, PUT to the presigned S3 URL: no content type (the URL is signed without one).
 * Network errors and 5xx answers are retried with backoff; a 4xx (an expired URL) is not.
 */
export async function putResponse(
  url: string,
  body: string,
  opts: { attempts?: number; sleep?: (ms: number) => Promise<void> } = {},
): Promise<void> {
  const attempts = opts.attempts ?? 5;
  const sleep = opts.sleep ?? defaultSleep;
  for (let attempt = 1; ; attempt++) {
    let failure: string;
    try {
      const res = await fetch(url, { method: 'PUT', body, headers: { 'content-type': '' } });
      if (res.ok) return;
      if (res.status < 500)
        throw new Error(`CloudFormation's response URL refused the answer: HTTP ${res.status}`);
      failure = `HTTP ${res.status}`;
    } catch (err) {
      // fetch's network failures are TypeErrors ("fetch failed", the reason in `cause`).
      // (Checked by name: the error may come from another realm than this module's TypeError.)
      const e = err as { name?: unknown; message?: unknown; cause?: { message?: unknown } };
      if (e?.name !== 'TypeError') throw err;
      failure = String(e.cause?.message ?? e.message);
    }
    if (attempt >= attempts)
      throw new Error(
        `could not send the answer to CloudFormation after ${attempts} attempts (${failure}); the stack operation will time out`,
      );
    await sleep(Math.max(100, backoffDelay(attempt, 500, 8_000)));
  }
}
