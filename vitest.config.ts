import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["functions/test/**/*.test.ts", "test/**/*.test.ts"],
    globalSetup: ["test/support/global-setup.ts"],
    // kustomize, kubectl and kpt are real processes; a cold CI machine can be slow to start them.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // vitest's summary for people, then one plain "Tests: N passed, N failed, N skipped" line for CI.
    reporters: ["default", "./test/support/summary-reporter.ts"],
  },
});
