import { readFileSync } from "node:fs";
import { respond } from "./run.ts";

// The judge of `npm run render` imports the bundle to run it in its own process; it lends respond.
export { respond };

// Only the process's input and output live here, so tests run every answer in-process (run.ts).
// import.meta.main (Node.js 24.2 and later) is true only when the bundle is the process's entry point.
if (import.meta.main) process.exitCode = respond(() => readFileSync(0, "utf8"), process.stdout, process.stderr);
