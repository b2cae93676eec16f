import { join } from 'node:path';
import type { BuildOptions } from 'esbuild';

/**
 * How `sam build` bundles a function of template.yaml (its esbuild BuildProperties: ESM, node22,
 * minified, source maps, the main fields it resolves packages by), as esbuild options: the bundle
 * test and the Lambda benchmark build exactly what SAM builds.
 */
export interface SamBuildProperties {
  EntryPoints?: string[];
  External?: string[];
  /** SAM's comma-separated list, e.g. "module,main": ESM builds first, so they tree-shake. */
  MainFields?: string;
  Sourcemap?: boolean;
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
    ...(props.MainFields ? { mainFields: props.MainFields.split(',').map((f) => f.trim()) } : {}),
    ...(props.Sourcemap ? { sourcemap: true } : {}),
    metafile: true,
    logLevel: 'silent',
  };
}
