import { join } from 'node:path';
import type { BuildOptions } from 'esbuild';

/**
 * How `sam build` bundles a function of template.yaml (its esbuild BuildProperties: ESM, node22,
 * minified, the AWS SDK external), as esbuild options: the bundle test and the Lambda benchmark
 * build exactly what SAM builds.
 */
export interface SamBuildProperties {
  EntryPoints?: string[];
  External?: string[];
}

export function samBuildOptions(root: string, props: SamBuildProperties): BuildOptions & { metafile: true } {
  return {
    entryPoints: (props.EntryPoints ?? []).map((e) => join(root, e)),
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    minify: true,
    external: props.External ?? [],
    metafile: true,
    logLevel: 'silent',
  };
}
