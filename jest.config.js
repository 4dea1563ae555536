/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // Type-checking is done once by `npm run typecheck`; tests only transpile, which keeps them fast.
  transform: { '^.+\\.ts$': ['ts-jest', { isolatedModules: true, diagnostics: false }] },
  // generous: a busy 2-core machine can take a minute to set up a suite; a hung test still fails
  testTimeout: 180_000,
  maxWorkers: 2,
  // compiles the schema validator once into its disk cache; each suite then loads it (see schema-cache.ts)
  globalSetup: '<rootDir>/test/global-setup.ts',
};
