import { availableParallelism } from "node:os";
import { configDefaults, defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // kustomize, kubectl and kpt are real processes; a cold CI machine can be slow to start them.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // A test file spends most of its time waiting for kustomize, kpt or node children, not in its
    // own worker, so one worker per core (vitest leaves one core free) keeps both cores of a small machine busy.
    maxWorkers: availableParallelism(),
    // vitest's summary for people, then one plain "Tests: N passed, N failed, N skipped" line for CI.
    reporters: ["default", "./test/support/summary-reporter.ts"],
    // Two projects so that each global setup runs only when one of its tests is selected: the
    // cluster one starts a real control plane, which the fast tier (`npm run test:fast`) should not wait for.
    projects: [
      {
        extends: true,
        test: {
          name: "fast",
          include: ["functions/test/**/*.test.ts", "test/**/*.test.ts"],
          exclude: [...configDefaults.exclude, "test/cluster/**"],
          globalSetup: ["test/support/global-setup.ts"],
        },
      },
      {
        extends: true,
        test: {
          name: "cluster",
          include: ["test/cluster/**/*.test.ts"],
          globalSetup: ["test/cluster/global-setup.ts"],
        },
      },
    ],
  },
});
