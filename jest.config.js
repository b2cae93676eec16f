/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.(t|j)sx?$|^.+\\.mjs$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  // ESM-only packages (ml-kmeans and its mljs helpers, hyparquet-writer) are compiled to CommonJS for jest; Node
  // itself loads them natively (require(esm) in Node 20.19+, and the CLI bundle is ESM).
  transformIgnorePatterns: [
    '/node_modules/(?!(hyparquet|hyparquet-writer|dt-sql-parser|antlr4ng|antlr4-c3|ml-kmeans|ml-distance-euclidean|ml-nearest-vector|ml-random|ml-xsadd|ml-array-[a-z]+|ml-spectra-processing|is-any-array|cheminfo-types|fft\\.js|spline-interpolator|binary-search|num-sort)/)',
  ],
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  setupFilesAfterEnv: ['<rootDir>/test/setup.ts'],
  // A guard against hangs, not a speed goal: on a 2-core machine with the other core busy (the
  // emulator suite runs beside the e2e demo) a whole-pipeline test can take minutes.
  testTimeout: 600000,
  maxWorkers: 2,
};
