import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { yamlParse } from 'yaml-cfn';
import { type SamBuildProperties, samBuildOptions } from '../../../src/infra/lambda-build';

/**
 * Each Lambda bundles as `sam build` will bundle it (esbuild, ESM, node22, the AWS SDK bundled
 * from its ES modules so it tree-shakes and loads as one file: the cold start's main cost).
 */
const root = join(__dirname, '../../..');
const template = yamlParse(readFileSync(join(root, 'template.yaml'), 'utf8')) as {
  Resources: Record<string, { Type: string; Metadata?: { BuildProperties?: SamBuildProperties } }>;
};
const functions = Object.entries(template.Resources).filter(
  ([, r]) => r.Type === 'AWS::Serverless::Function',
);

describe('Lambda bundles', () => {
  it('the template declares the seventeen functions', () => {
    expect(functions.map(([name]) => name).sort()).toEqual([
      'AlertFunction',
      'ArtifactsFunction',
      'AudiencesFunction',
      'EnrichFunction',
      'FileIngestFunction',
      'IngestFunction',
      'PipelineStepsFunction',
      'PrivacyFunction',
      'ProfileApiFunction',
      'ProfileStreamFunction',
      'RealtimeFunction',
      'ReportUnsubscribeFunction',
      'ReportsFunction',
      'ReprocessFunction',
      'ScoreFunction',
      'SubjectAccessFunction',
      'WebhooksFunction',
    ]);
  });

  it.each(functions)('%s bundles without errors and exports handler', async (_name, resource) => {
    const props = resource.Metadata?.BuildProperties ?? {};
    const result = await build({
      ...samBuildOptions(root, props),
      outfile: join(root, 'dist', 'bundle-test', 'index.mjs'),
      write: false,
    });
    expect(result.errors).toEqual([]);
    const [, out] = Object.entries(result.metafile.outputs).find(([f]) => !f.endsWith('.map')) ?? [];
    expect(out?.exports).toContain('handler');
    const inputs = Object.keys(result.metafile.inputs);
    // The SDK clients come from their ES module builds (tree-shaken), never the CommonJS ones.
    expect(inputs.filter((i) => /node_modules\/@aws-sdk\/client-[^/]+\/dist-cjs\//.test(i))).toEqual([]);
    // Schemas are validated by precompiled code: ajv's compiler never enters a bundle (only the
    // small runtime helpers the generated code calls).
    expect(inputs.filter((i) => /node_modules\/ajv\/dist\/(?!runtime\/)/.test(i))).toEqual([]);
    // The geo database package never enters a bundle (a layer carries it where geo is on).
    expect(inputs.filter((i) => i.includes('node_modules/geoip-lite/'))).toEqual([]);
    // Lambda's package goal: 1 MiB minified with every dependency.
    expect(out?.bytes ?? Number.POSITIVE_INFINITY).toBeLessThan(1024 * 1024);
  });
});
