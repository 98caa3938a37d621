/**
 * The function's core as a module: `respond` for whoever runs it in-process, the process entry
 * (cli.ts) with the process's own stdin and stdout, and `npm run render`'s judge with a build.
 */
export { respond } from "./run.ts";
