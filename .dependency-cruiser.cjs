/**
 * The import rules of c360, written down once and checked in CI (`npm run lint:imports`).
 *
 * Layers, lowest first; a module may import its own layer and the ones below, never above:
 *
 *   domain      pure logic and types (src/domain, src/sources: one folder per webhook source,
 *               src/failpoint.ts, src/paths.ts)
 *   ports       interfaces the domain needs from the world (src/ports)
 *   adapters    ports implemented for AWS and for the embedded run (src/adapters, src/config)
 *   engines     the embedded engines and the IaC model: etl, warehouse, models, dashboards,
 *               sample data, infra (src/etl, src/warehouse, src/models, src/dashboards,
 *               src/sample, src/infra)
 *   handlers    the Lambda handlers (src/handlers): deployed, so they never reach the embedded
 *               runtime or the CLI
 *   runtime     embedded wiring (src/runtime)
 *   cli         the c360 command (src/cli)
 *
 * The domain may name a port's interface (a type-only import: the port is the interface the
 * domain needs), never import code from it. Entry points (functions/, scripts/, bench/, test/)
 * may import anything. No cycles anywhere.
 */
const layer = (name, path) => ({ name, path });
const layers = [
  layer('domain', '^src/(domain/|sources/|failpoint\\.ts$|paths\\.ts$)'),
  layer('ports', '^src/ports/'),
  layer('adapters', '^src/(adapters|config)/'),
  layer('engines', '^src/(etl|warehouse|models|dashboards|sample|infra)/'),
  layer('handlers', '^src/handlers/'),
  layer('runtime', '^src/runtime/'),
  layer('cli', '^src/cli/'),
];

const upward = layers.flatMap((lower, i) =>
  layers.slice(i + 1).map((higher) => ({
    name: `${lower.name}-imports-${higher.name}`,
    comment: `${lower.name} sits below ${higher.name}: move the shared code down, or invert the dependency through a port`,
    severity: 'error',
    from: { path: lower.path },
    to: {
      path: higher.path,
      ...(lower.name === 'domain' && higher.name === 'ports' ? { dependencyTypesNot: ['type-only'] } : {}),
    },
  })),
);

module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      comment: 'an import cycle: split the shared part into a module both can import',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    ...upward,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.generated\\.ts$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
    },
  },
};
