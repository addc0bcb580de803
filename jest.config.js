/** @type {import('jest').Config} */
// Fast, typecheck-free transform (swc); `npm run typecheck` is the type gate.
module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } } }],
    // PGlite's CommonJS build loads node builtins with import(), which jest's module VM refuses
    // without --experimental-vm-modules; swc rewrites those calls to require() (cached after one run).
    '@electric-sql/pglite/dist/.+\\.cjs$': [
      '@swc/jest',
      { jsc: { target: 'es2022', parser: { syntax: 'ecmascript' } }, module: { type: 'commonjs', ignoreDynamic: false } },
    ],
  },
  transformIgnorePatterns: ['/node_modules/(?!@electric-sql/pglite/)'],
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  // The slow fault tests run with `npm run test:chaos` (jest.chaos.config.js).
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/chaos-slow/'],
  setupFiles: ['<rootDir>/test/support/no-network.ts'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  // Jest 30's default "soft" cleanup wraps every global it deletes in a new accessor; modules that
  // keep re-setting the same global across the files of one worker overflowed the stack.
  testEnvironmentOptions: { globalsCleanup: 'off' },
  // Recycle a worker that has grown (PGlite's WASM heap, the e2e browser client) between files.
  workerIdleMemoryLimit: '1500MB',
  maxWorkers: 2,
  testTimeout: 30000,
};
