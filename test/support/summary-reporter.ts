/**
 * Adds one plain closing line, `Tests: N passed, N failed, N skipped`, after vitest's own summary:
 * a CI reader that does not know vitest's layout can still count the tests, and a run that
 * executed none says so instead of looking like a pass.
 */
import type { Reporter, TestModule } from "vitest/node";

export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const m of testModules) {
      let failedHere = 0;
      for (const t of m.children.allTests()) {
        const state = t.result().state;
        if (state === "passed") passed++;
        else if (state === "failed") failedHere++;
        else skipped++;
      }
      // A file that failed to load, or whose beforeAll threw (its tests then count as skipped),
      // has no failed test but must still count as a failure.
      failed += m.state() === "failed" && failedHere === 0 ? 1 : failedHere;
    }
    failed += unhandledErrors.length;
    process.stdout.write(`\nTests: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
