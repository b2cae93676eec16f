import type { LoggerPort } from '../ports/telemetry';
import { createCustomResource } from './custom-resource';

/**
 * The warehouse setup as a CloudFormation custom resource (template.yaml `WarehouseSetup`): `sam
 * deploy` sets the warehouse up (schemas, tables from the model, reporting views and materialized
 * tables, the reader role) on the stack's creation and again on every deploy that changes the
 * resource's properties (the warehouse definition's fingerprint, the workgroup, the Glue
 * database). The setup is idempotent. Delete does nothing: the warehouse keeps its data.
 *
 * CloudFormation waits for an answer on the request's presigned URL, so one is always sent:
 * SUCCESS, or FAILED with the reason (Redshift's error text), also when the setup is still running
 * shortly before the function would time out.
 */
export interface WarehouseSetupResourceDeps {
  setupWarehouse: () => Promise<void>;
  logger: LoggerPort;
  /** PUTs the answer to CloudFormation's presigned URL (default: fetch, transient failures retried). */
  respond?: (url: string, body: string) => Promise<void>;
  /** Answer FAILED this long before the function's timeout if the setup is still running (default 30 s). */
  marginMs?: number;
}

/** How to run the setup by hand, for a FAILED answer's reason. */
const RERUN =
  'the setup is idempotent: fix the cause and deploy again, or run it by hand (docs/deploy.md: the PipelineStepsFunctionName output with {"step":"setup-warehouse"})';

export const createWarehouseSetupResource = (deps: WarehouseSetupResourceDeps) =>
  createCustomResource({
    what: 'the warehouse setup',
    rerun: RERUN,
    // Stable across updates of the same workgroup; a new workgroup is a replacement (CloudFormation
    // then sends a Delete for the old id, which does nothing).
    physicalId: (event) => {
      const workgroup = String(event.ResourceProperties.Workgroup ?? '');
      return event.RequestType === 'Create' || (event.RequestType === 'Update' && workgroup)
        ? `warehouse-setup:${workgroup || 'default'}`
        : event.PhysicalResourceId;
    },
    run: () => deps.setupWarehouse(),
    logger: deps.logger,
    ...(deps.respond ? { respond: deps.respond } : {}),
    ...(deps.marginMs !== undefined ? { marginMs: deps.marginMs } : {}),
  });
