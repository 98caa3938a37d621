/** The repository root and stryker.config.json, as the mutation scripts and tests read them. */
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const STRYKER_CONFIG = JSON.parse(readFileSync(join(REPO, "stryker.config.json"), "utf8"));
/** The committed incremental state, absolute. */
export const STATE_FILE = join(REPO, STRYKER_CONFIG.incrementalFile);
