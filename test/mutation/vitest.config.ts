import { defineConfig } from "vitest/config";

/**
 * The tests mutation testing runs: those that import functions/src or scripts/lib and run their
 * code in the test process. The fixture, e2e and cluster tests run the built bundle or the
 * scripts in child processes, where a mutant is never active, so they would only cost time.
 * Left out too: tests that need what Stryker's sandbox lacks (a git repository, the tools cached
 * under .cache/ with their modification times), whose folders the tests here cover as well.
 */
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    include: [
      "functions/test/{core,checks,package,plugin,entry}/**/*.test.ts",
      "test/scripts/**/*.test.ts",
      "test/secrets/**/*.test.ts",
      "test/manifests/published-images.test.ts",
    ],
    // Runs each command in a copy of the repository made with git; Stryker's sandbox is no git repository.
    exclude: ["test/scripts/user-errors.test.ts"],
    globalSetup: ["test/support/global-setup.ts"],
  },
});
