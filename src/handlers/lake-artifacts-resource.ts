import type { ObjectStore } from '../ports/object-store';
import type { LoggerPort } from '../ports/telemetry';
import { createCustomResource } from './custom-resource';

/**
 * The LakeArtifacts custom resource: on Create and on every Update (its Fingerprint property
 * changes whenever sql/ or a Glue script does), writes the SQL plan and the job scripts under
 * `artifacts/` in the lake bucket, where the Glue job, the EMR job and the forget job read them.
 * Delete keeps them (the bucket is retained with the lake).
 */
export interface LakeArtifactsDeps {
  objects: ObjectStore;
  files: Record<string, string>;
  logger: LoggerPort;
  respond?: (url: string, body: string) => Promise<void>;
}

/** Writes every artifact under `artifacts/`, a few at a time; returns the keys written. */
export async function uploadArtifacts(
  objects: ObjectStore,
  files: Record<string, string>,
): Promise<string[]> {
  const keys = Object.keys(files).sort();
  for (let i = 0; i < keys.length; i += 8)
    await Promise.all(keys.slice(i, i + 8).map((k) => objects.put(`artifacts/${k}`, files[k] as string)));
  return keys.map((k) => `artifacts/${k}`);
}

export const createLakeArtifactsResource = (deps: LakeArtifactsDeps) =>
  createCustomResource({
    what: 'the lake artifacts upload',
    rerun: 'the upload is idempotent: fix the cause (the function role, the bucket key) and deploy again',
    physicalId: (event) => (event.RequestType === 'Create' ? 'lake-artifacts' : event.PhysicalResourceId),
    run: async () => {
      const keys = await uploadArtifacts(deps.objects, deps.files);
      deps.logger.info('lake artifacts uploaded', { objects: keys.length });
    },
    logger: deps.logger,
    ...(deps.respond ? { respond: deps.respond } : {}),
  });
