/**
 * Renders sql/ and the Glue scripts into src/infra/lake-artifacts.generated.ts (the artifacts
 * function uploads them at deploy) and their fingerprint into template.yaml's LakeArtifacts
 * resource. Run after changing sql/ or glue/: `node scripts/build.mjs && node dist/gen-artifacts.mjs`
 * (test/unit/handlers/lake-artifacts-resource.test.ts fails while either is stale).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  artifactsFingerprint,
  collectArtifacts,
  renderArtifactsModule,
  withArtifactsFingerprint,
} from '../src/infra/lake-artifacts';
import { projectRoot } from '../src/paths';

const root = projectRoot();
const files = collectArtifacts(root);
writeFileSync(join(root, 'src', 'infra', 'lake-artifacts.generated.ts'), renderArtifactsModule(files));
const template = join(root, 'template.yaml');
writeFileSync(
  template,
  withArtifactsFingerprint(readFileSync(template, 'utf8'), artifactsFingerprint(files)),
);
