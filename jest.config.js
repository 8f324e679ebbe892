/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' } }],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  // One Azurite for the whole run; its endpoints reach the workers through the environment.
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  // Outside the Functions host every registration warns "test mode"; tests import the app too.
  setupFiles: ['<rootDir>/local/quiet-functions.ts'],
  testTimeout: 60_000,
  maxWorkers: 2,
};
