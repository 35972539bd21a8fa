import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

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
          environment: 'node',
          globalSetup: ['test/support/package-build.ts', 'test/integration/global-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          // Two cores: the broker, LocalStack and moto need one of them.
          maxWorkers: 1,
        },
      },
    ],
  },
});
