import { defineConfig } from 'vitest/config';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

// One run covers every layer; integration suites start their own emulators and simulators in-process,
// so the only global service is DynamoDB Local (see test/support/global-setup.ts).
export default defineConfig({
  test: {
    include: ['test/{unit,integration,infra,e2e}/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    setupFiles: ['test/support/setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    env: {
      // The SDK's Node 20 end-of-support notice says nothing about the code under test.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      // The Qlik simulators listen on loopback, which the destination policy refuses unless this is set (local
      // development and tests only; the stack never sets it). Suites that test the policy itself unset it.
      KPIMAILER_ALLOW_LOOPBACK_QLIK: 'true',
    },
    pool: 'forks',
    maxWorkers: 2,
  },
});
