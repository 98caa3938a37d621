/**
 * `stryker run`, then the incremental state rewritten in its canonical form (state-core.ts), so
 * the committed file holds no machine's paths and changes only when a result does. Stryker's exit
 * status is passed on; the state is normalised even after a failed run, which still writes it.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stateText } from "./state-core.ts";
import { REPO_ROOT } from "../../scripts/lib/repo-root.ts";
import { STATE_FILE } from "./stryker-config.ts";

const run = spawnSync(process.execPath, [join(REPO_ROOT, "node_modules", ".bin", "stryker"), "run", ...process.argv.slice(2)], { cwd: REPO_ROOT, stdio: "inherit" });
if (run.error) {
  console.error(`test:mutation: cannot run stryker: ${run.error.message}`);
  process.exit(2);
}
if (existsSync(STATE_FILE)) {
  const before = readFileSync(STATE_FILE, "utf8");
  const after = stateText(JSON.parse(before));
  if (after !== before) writeFileSync(STATE_FILE, after);
}
process.exit(run.status ?? 1);
