import { readFileSync } from "node:fs";
import { readResourceList, writeResourceList } from "./resource-list.ts";
import { error, formatResult, hasErrors } from "./results.ts";
import { run } from "./run.ts";

/**
 * KRM function entry: ResourceList on stdin, ResourceList (with results) on
 * stdout, one line per finding on stderr, exit 1 on any error. kpt writes no
 * file when a function exits non-zero.
 */
function main(): number {
  let output;
  try {
    const input = readResourceList(readFileSync(0, "utf8"));
    output = run(input);
  } catch (e) {
    const result = error("input-invalid", `ecom-fn: ${(e as Error).message}`);
    process.stderr.write(`${formatResult(result)}\n`);
    process.stdout.write(writeResourceList([], [result]));
    return 1;
  }
  process.stdout.write(writeResourceList(output.items, output.results));
  for (const r of output.results) process.stderr.write(`${formatResult(r)}\n`);
  return hasErrors(output.results) ? 1 : 0;
}

process.exitCode = main();
