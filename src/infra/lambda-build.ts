import { join } from 'node:path';
import type { BuildOptions } from 'esbuild';

/**
 * How `sam build` bundles a function of template.yaml (its esbuild BuildProperties: format,
 * target, minification, source maps, the main fields it resolves packages by), as esbuild options: the bundle
 * test and the Lambda benchmark build exactly what SAM builds.
 */
export interface SamBuildProperties {
  EntryPoints?: string[];
  External?: string[];
  /** SAM's comma-separated list, e.g. "module,main": ESM builds first, so they tree-shake. */
  MainFields?: string;
  Sourcemap?: boolean;
  /** esbuild's target, e.g. es2022: what SAM passes (the template's Target, not the runtime's). */
  Target?: string;
  Minify?: boolean;
  Format?: string;
}

export function samBuildOptions(root: string, props: SamBuildProperties): BuildOptions & { metafile: true } {
  return {
    entryPoints: (props.EntryPoints ?? []).map((e) => join(root, e)),
    bundle: true,
    format: props.Format === 'cjs' ? 'cjs' : 'esm',
    platform: 'node',
    // SAM builds with the template's Target (its default is es2020) and minifies only when told.
    target: props.Target ?? 'es2020',
    minify: props.Minify === true,
    external: props.External ?? [],
    ...(props.MainFields ? { mainFields: props.MainFields.split(',').map((f) => f.trim()) } : {}),
    ...(props.Sourcemap ? { sourcemap: true } : {}),
    metafile: true,
    logLevel: 'silent',
  };
}
