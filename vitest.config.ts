import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { configDefaults, defineConfig } from "vitest/config";
import { scratchParent } from "./test/support/scratch-dir.ts";

// The Go tools the tests start hundreds of times (kustomize, kpt, kubectl, gitleaks, flux-build) are
// short-lived and small, so collecting garbage before 1 GiB only costs them CPU. Their output does
// not depend on it. Set here, in the process every
// worker and every tool a test starts inherits; the test control plane's servers opt out.
process.env.GOGC ??= "off";
process.env.GOMEMLIMIT ??= "1GiB";
// Hundreds of node children (render, the bundle, the day-2 commands) compile the same modules:
// V8's code cache, kept under the ignored .cache/, spares the fixture runs that work.
process.env.NODE_COMPILE_CACHE ??= fileURLToPath(new URL("./.cache/node-compile-cache", import.meta.url));
const scratch = scratchParent(process.env);
if (scratch) process.env.TMPDIR = scratch;

export default defineConfig({
  test: {
    // kustomize, kubectl and kpt are real processes; a cold CI machine can be slow to start them.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // A worker runs one test file after another in the same process (isolate: false below): spies
    // are put back after each test, and each file that stubs the environment restores it itself
    // (unstubEnvs would also drop the stubs a file sets up once in beforeAll).
    restoreMocks: true,
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
          // The shared modules (yaml, the function's sources, the build results) load once per worker
          // instead of once per file; the files share no state (each makes its own scratch directories).
          isolate: false,
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
