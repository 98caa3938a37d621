import { readFileSync } from "node:fs";
import { respond } from "./run.ts";

// Only the process's input and output live here, so tests run every answer in-process (run.ts).
process.exitCode = respond(() => readFileSync(0, "utf8"), process.stdout, process.stderr);
