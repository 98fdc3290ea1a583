import { createDefaultEsmPreset } from 'ts-jest';

const preset = createDefaultEsmPreset({ tsconfig: 'tsconfig.json', diagnostics: false });

/** What every project shares. */
const common = {
  ...preset,
  testEnvironment: 'node',
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  // middy v7 ships ESM only; ts-jest's ESM preset loads it natively.
  transformIgnorePatterns: ['/node_modules/'],
  testTimeout: 30000,
};

/**
 * Two projects: unit and infrastructure tests need nothing running, so `jest test/unit` starts no
 * Java; the data, end-to-end, reliability and browser tests share one DynamoDB Local, which jest starts only
 * when a test of that project is selected.
 */
/** @type {import('jest').Config} */
export default {
  testTimeout: 30000,
  projects: [
    {
      ...common,
      displayName: 'unit+infra',
      roots: ['<rootDir>/test/unit', '<rootDir>/test/infra'],
      testMatch: ['**/*.test.ts'],
    },
    {
      ...common,
      displayName: 'stack',
      roots: ['<rootDir>/test/data', '<rootDir>/test/e2e', '<rootDir>/test/reliability', '<rootDir>/test/browser'],
      testMatch: ['**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  ],
};
