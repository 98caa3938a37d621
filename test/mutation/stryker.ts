/**
 * `stryker run`, then the incremental state rewritten in its canonical form (state-core.ts), so
 * the committed file holds no machine's paths and changes only when a result does. Stryker's exit
 * status is passed on; the state is normalised even after a failed run, which still writes it.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { stateText } from "./state-core.ts";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const config = JSON.parse(readFileSync(join(REPO, "stryker.config.json"), "utf8"));
const statePath = join(REPO, config.incrementalFile);

const run = spawnSync(process.execPath, [join(REPO, "node_modules", ".bin", "stryker"), "run", ...process.argv.slice(2)], { cwd: REPO, stdio: "inherit" });
if (run.error) {
  console.error(`test:mutation: cannot run stryker: ${run.error.message}`);
  process.exit(2);
}
if (existsSync(statePath)) {
  const before = readFileSync(statePath, "utf8");
  const after = stateText(JSON.parse(before));
  if (after !== before) writeFileSync(statePath, after);
}
process.exit(run.status ?? 1);
