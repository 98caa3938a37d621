#!/usr/bin/env node
// Runs the ecom-deploy function over the package from the local bundle, the
// way `kpt fn render` runs the published image: derived values are written
// into the overlays in place. kpt leaves every file untouched when it fails.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const target = resolve(process.argv[2] ?? repo);
const bundle = join(repo, "functions", "dist", "ecom-fn.mjs");
if (!existsSync(bundle)) {
  console.error(`render: ${bundle} is missing; run \`npm run build\` first`);
  process.exit(2);
}
// kpt splits --exec on spaces and resolves relative paths from the current
// directory, so both paths are absolute and the node binary is this one (Node 24).
const run = spawnSync(
  "kpt",
  ["fn", "eval", target, "--truncate-output=false", "--exec", `${process.execPath} ${bundle}`],
  { stdio: "inherit" },
);
if (run.error) {
  console.error(`render: cannot run kpt: ${run.error.message}`);
  process.exit(2);
}
process.exit(run.status ?? 1);
