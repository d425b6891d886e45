// Jest runs the TypeScript sources as ES modules through ts-jest in transpile-only
// mode (isolatedModules); type-checking is `npm run typecheck`.
// Two projects: unit tests need no database; integration tests share one throwaway
// cluster per PostgreSQL major, started once by the integration project's globalSetup
// (Jest runs a project's globalSetup only when one of its tests is selected).
const common = {
  // Node's environment, failing a file that leaves a timer, socket or child process behind.
  testEnvironment: '<rootDir>/tests/support/leak-guard-environment.js',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.test.json' }],
  },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
};

/** @type {import('jest').Config} */
export default {
  maxWorkers: 2,
  // Only the top-level value reaches jest-circus; a per-project one is ignored.
  testTimeout: 120_000,
  // Every test and child process gets a private TMPDIR; anything left in it fails the run.
  globalSetup: '<rootDir>/tests/support/temp-guard-setup.js',
  globalTeardown: '<rootDir>/tests/support/temp-guard-teardown.js',
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/tests/unit/**/*.test.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/tests/integration/**/*.test.ts'],
      globalSetup: '<rootDir>/tests/support/global-setup.ts',
      globalTeardown: '<rootDir>/tests/support/global-teardown.ts',
    },
  ],
};
