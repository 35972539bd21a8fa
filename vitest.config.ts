import { fileURLToPath } from 'node:url';
import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';

/** The projects on the real services: one file at a time each, on services started once for the run. */
const integration: TestProjectInlineConfiguration['test'] = {
  environment: 'node',
  globalSetup: ['test/support/package-build.ts', 'test/integration/global-setup.ts'],
  testTimeout: 180_000,
  hookTimeout: 180_000,
  // Two cores: the broker, LocalStack and moto need one of them.
  maxWorkers: 1,
};

export default defineConfig({
  resolve: {
    // The package's own name means its sources inside the repository (as tsconfig.json's paths say),
    // so tests and the example import it exactly as a user's app does.
    alias: [{ find: /^kafka-lag-autoscaler$/, replacement: fileURLToPath(new URL('./lib/index.ts', import.meta.url)) }],
  },
  test: {
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], environment: 'node' },
      },
      {
        extends: true,
        test: {
          name: 'infra',
          include: ['test/infra/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          // The construct ships the prebuilt handler: build it (cached by input hash) before synthesizing.
          globalSetup: ['test/support/package-build.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          exclude: ['test/integration/e2e/**'],
          ...integration,
        },
      },
      {
        // The deployed stacks mostly wait (the one-minute schedule, LocalStack's alarm evaluation):
        // their own project runs beside the integration project on the same services.
        extends: true,
        test: { name: 'e2e', include: ['test/integration/e2e/**/*.test.ts'], ...integration },
      },
    ],
  },
});
