import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { yamlParse } from 'yaml-cfn';
import { samBuildOptions } from '../../src/infra/lambda-build';

/** Each Lambda bundles as `sam build` will bundle it (esbuild, ESM, node22, AWS SDK external). */
const root = join(__dirname, '../..');
const template = yamlParse(readFileSync(join(root, 'template.yaml'), 'utf8')) as {
  Resources: Record<
    string,
    { Type: string; Metadata?: { BuildProperties?: { EntryPoints?: string[]; External?: string[] } } }
  >;
};
const functions = Object.entries(template.Resources).filter(
  ([, r]) => r.Type === 'AWS::Serverless::Function',
);

describe('Lambda bundles', () => {
  it('the template declares the nine functions', () => {
    expect(functions.map(([name]) => name).sort()).toEqual([
      'AlertFunction',
      'EnrichFunction',
      'FileIngestFunction',
      'IngestFunction',
      'PipelineStepsFunction',
      'PrivacyFunction',
      'RealtimeFunction',
      'ScoreFunction',
      'WebhooksFunction',
    ]);
  });

  it.each(functions)('%s bundles without errors and exports handler', async (_name, resource) => {
    const props = resource.Metadata?.BuildProperties ?? {};
    const result = await build({ ...samBuildOptions(root, props), write: false });
    expect(result.errors).toEqual([]);
    const out = Object.values(result.metafile.outputs)[0];
    expect(out?.exports).toContain('handler');
    // The AWS SDK stays external (it is in the Lambda runtime); the bundle stays small.
    expect(Object.keys(result.metafile.inputs).some((i) => i.includes('node_modules/@aws-sdk/'))).toBe(false);
    expect(out?.bytes ?? Number.POSITIVE_INFINITY).toBeLessThan(1_500_000);
  });
});
