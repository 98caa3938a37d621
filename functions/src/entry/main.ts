/**
 * The function's core as a module: `respond` for whoever runs it in-process, the process entry
 * (cli.ts) with the process's own stdin and stdout, and `npm run render`, which reads the package
 * files itself (`fileItems`), runs the package mode over them (`run`), writes what it edited
 * (`fileText`) and judges each overlay's build with `respond`.
 */
export { respond, run } from "./run.ts";
export { fileItems, fileText } from "../core/resource-list.ts";
export { formatResult, hasErrors } from "../core/results.ts";
