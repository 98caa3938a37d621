/**
 * `npm run test:mutation`'s verdict: scores the report Stryker just wrote per mutated folder,
 * with the mutants listed in equivalent-mutants.yaml left out, and fails when a folder is under
 * the config's `thresholds.break` or the list has entries that no longer match.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { score, type Equivalent, type Report } from "./score-core.ts";
import { REPO_ROOT } from "../../scripts/lib/repo-root.ts";
import { STRYKER_CONFIG } from "./stryker-config.ts";

const reportPath = join(REPO_ROOT, STRYKER_CONFIG.jsonReporter.fileName);
const listPath = join(REPO_ROOT, "test", "mutation", "equivalent-mutants.yaml");

if (!existsSync(reportPath)) fail(`${STRYKER_CONFIG.jsonReporter.fileName} is missing: run \`npm run test:mutation\`, which writes it`);
const report = JSON.parse(readFileSync(reportPath, "utf8")) as Report;
const list = parse(readFileSync(listPath, "utf8")) ?? [];
if (!Array.isArray(list)) fail("test/mutation/equivalent-mutants.yaml must be a YAML list");

// "functions/src/**/*.ts" -> "functions/src": the folders the issue of record scores separately.
// A `!` pattern leaves a file out of a folder; it is no folder of its own.
const folders = (STRYKER_CONFIG.mutate as string[]).filter((glob) => !glob.startsWith("!")).map((glob) => glob.replace(/\/\*\*.*$/, ""));
const bar = Number(STRYKER_CONFIG.thresholds.break);
const { folders: scores, problems } = score(report, list as Equivalent[], folders);

console.log("\nmutation score per folder (equivalent mutants left out, see test/mutation/equivalent-mutants.yaml)");
console.log(`${"folder".padEnd(16)} ${"score".padStart(7)} ${"detected".padStart(9)} ${"undetected".padStart(11)} ${"equivalent".padStart(11)}`);
for (const s of scores) {
  const pct = s.score === null ? "n/a" : `${s.score.toFixed(2)}%`;
  console.log(`${s.folder.padEnd(16)} ${pct.padStart(7)} ${String(s.detected).padStart(9)} ${String(s.undetected).padStart(11)} ${String(s.equivalent).padStart(11)}`);
}
const under = scores.filter((s) => s.score === null || s.score < bar);
for (const s of under) problems.push(`${s.folder}: score ${s.score === null ? "n/a" : s.score.toFixed(2)}% is under the break threshold ${bar}% (stryker.config.json)`);
if (problems.length) fail(problems.join("\n"));
console.log(`every folder is at or above the break threshold ${bar}%`);

function fail(message: string): never {
  console.error(`\ntest:mutation: ${message}`);
  process.exit(1);
}
