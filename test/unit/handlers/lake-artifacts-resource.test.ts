import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FolderObjectStore } from '../../../src/adapters/local/object-store';
import { uploadArtifacts } from '../../../src/handlers/lake-artifacts-resource';
import {
  artifactsFingerprint,
  artifactsFingerprintInTemplate,
  collectArtifacts,
  renderArtifactsModule,
} from '../../../src/infra/lake-artifacts';
import { ARTIFACTS, ARTIFACTS_FINGERPRINT } from '../../../src/infra/lake-artifacts.generated';

/**
 * The deploy uploads the SQL plan and the job scripts (no manual `aws s3 sync`): from a module
 * generated from sql/ and glue/, tagged with their fingerprint in template.yaml so a change
 * uploads again on the next deploy.
 */
const root = join(__dirname, '../../..');

describe('lake artifacts', () => {
  it('the generated module holds exactly sql/ and the job scripts as they are (run gen-artifacts after editing them)', () => {
    const files = collectArtifacts(root);
    expect(readFileSync(join(root, 'src/infra/lake-artifacts.generated.ts'), 'utf8')).toBe(
      renderArtifactsModule(files),
    );
    expect(ARTIFACTS).toEqual(files);
    // What the jobs read: the plan, every SQL file it names, the reference data, both scripts.
    const plan = JSON.parse(files['sql/pipeline.json'] as string) as {
      steps: { sql: string; step?: string }[];
    };
    for (const s of plan.steps) {
      expect(files).toHaveProperty([`sql/${s.sql}`]);
      if (s.step) expect(files).toHaveProperty([`sql/${s.step}`]);
    }
    for (const k of [
      'sql/sources/bronze.json',
      'sql/reference/currencies.csv',
      'glue/run_sql.py',
      'glue/forget.py',
    ])
      expect(files).toHaveProperty([k]);
    expect(Object.keys(files).filter((k) => k.includes('__pycache__') || k.startsWith('glue/tests'))).toEqual(
      [],
    );
  });

  it("template.yaml's LakeArtifacts carries their fingerprint, which changes with any file", () => {
    const template = readFileSync(join(root, 'template.yaml'), 'utf8');
    expect(artifactsFingerprintInTemplate(template)).toBe(ARTIFACTS_FINGERPRINT);
    const files = collectArtifacts(root);
    expect(artifactsFingerprint(files)).toBe(ARTIFACTS_FINGERPRINT);
    expect(
      artifactsFingerprint({ ...files, 'sql/gold/kpi_daily.sql': `${files['sql/gold/kpi_daily.sql']} ` }),
    ).not.toBe(ARTIFACTS_FINGERPRINT);
  });

  it('the upload writes every artifact under artifacts/, byte for byte, where the jobs read them', async () => {
    const dir = join(root, '.tmp', `artifacts-${process.pid}`);
    const store = new FolderObjectStore(dir);
    const keys = await uploadArtifacts(store, ARTIFACTS);
    expect(keys).toHaveLength(Object.keys(ARTIFACTS).length);
    for (const [k, text] of Object.entries(ARTIFACTS))
      expect((await store.get(`artifacts/${k}`)).toString('utf8')).toBe(text);
    // The Glue job's --sql_prefix and script location in the template point there.
    const template = readFileSync(join(root, 'template.yaml'), 'utf8');
    const bucket = ['$', '{LakeBucket}'].join('');
    expect(template).toContain(`'--sql_prefix': !Sub s3://${bucket}/artifacts/sql/`);
    expect(template).toContain(`ScriptLocation: !Sub s3://${bucket}/artifacts/glue/run_sql.py`);
    expect(template).toContain(`ScriptLocation: !Sub s3://${bucket}/artifacts/glue/forget.py`);
  });
});
