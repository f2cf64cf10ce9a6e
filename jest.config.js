// The SDK's notice that it will drop Node 20 in 2027; our functions run on Node 22.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// Tests assert on behaviour, not on CloudWatch metric lines.
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';

/** Jest: unit tests (pure logic, fixed clock) and integration tests (DynamoDB Local), one run. */
const common = {
  testEnvironment: 'node',
  transform: { '^.+\\.(t|j)sx?$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }] },
  // jose 6, and openid-client 6 with oauth4webapi (the interop tests' OAuth client), ship ESM only; let swc turn them into CommonJS.
  transformIgnorePatterns: ['/node_modules/(?!(jose|openid-client|oauth4webapi)/)'],
};

module.exports = {
  // (A global option: projects cannot set their own.) End-to-end and infra tests start
  // processes and synthesize stacks; unit tests finish in milliseconds anyway.
  testTimeout: 60_000,
  // Two workers even on a 2-core machine (Jest's default there is one): the suites wait on
  // DynamoDB Local, child runtimes and Chromium far more than they compute, so two overlap the
  // waits (measured on the CI machine: 148 s with one, 85 s with two).
  maxWorkers: 2,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    {
      ...common,
      displayName: 'integration',
      // The store contract suite runs on DynamoDB Local too, and on the in-memory stores.
      testMatch: ['<rootDir>/test/integration/**/*.test.ts', '<rootDir>/test/contract/**/*.test.ts'],
      globalSetup: '<rootDir>/test/integration/global-setup.ts',
      globalTeardown: '<rootDir>/test/integration/global-teardown.ts',
    },
    // The real local runtime as a child process, over HTTP: each suite starts its own.
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.test.ts'] },
    // The CDK stack, synthesized offline, and the production bundles, loaded in fresh processes.
    {
      ...common,
      displayName: 'infra',
      testMatch: ['<rootDir>/test/infra/**/*.test.ts'],
      setupFilesAfterEnv: ['aws-cdk-lib/testhelpers/jest-autoclean'],
    },
  ],
};
