/** stryker.config.json, as the mutation scripts and tests read them. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "../../scripts/lib/repo-root.ts";

export const STRYKER_CONFIG = JSON.parse(readFileSync(join(REPO_ROOT, "stryker.config.json"), "utf8"));
/** The committed incremental state, absolute. */
export const STATE_FILE = join(REPO_ROOT, STRYKER_CONFIG.incrementalFile);
