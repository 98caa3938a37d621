#!/usr/bin/env node
// Runs the ecom-deploy function over the package from the local bundle, the
// way `kpt fn render` runs the published image, handing it each overlay's
// real `kustomize build` for what its own composition does not model, then
// lets the real kustomize judge the result (scripts/lib/render-check.ts).
// Everything happens in a staging copy; the overlays are only written when
// kpt and the judge agree, so a failed render leaves every file as it was.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { goInstalledTool, onPath, SETUP_HINT } from "./lib/find-tool.ts";
import { buildOverlay, judgeOverlay, overlayBuildsConfig, policiesOf } from "./lib/render-check.ts";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const target = resolve(process.argv[2] ?? repo);
const bundle = join(repo, "functions", "dist", "ecom-fn.mjs");
const core = join(repo, "functions", "dist", "ecom-fn-core.mjs");
const fail = (message, code = "tool-missing") => {
  console.error(`render: ${code}: ${message}`);
  process.exit(2);
};
if (process.argv.length > 3 || !existsSync(target) || !statSync(target).isDirectory()) {
  fail(`expected at most one argument, an existing package directory (the repository by default); got ${process.argv.slice(2).join(" ")}`, "usage");
}
for (const file of [bundle, core]) if (!existsSync(file)) fail(`${relative(process.cwd(), file)} is missing; run \`npm run build\` first`);
// The judge runs the same core kpt runs, in this process: one node start fewer per overlay.
const { respond } = await import(pathToFileURL(core).href).catch((err) => fail(`cannot load ${relative(process.cwd(), core)}: ${err.message}`, "internal"));
const kpt = onPath("kpt") ?? fail("kpt is not on PATH; `npm run setup` says how to install it");
const found = goInstalledTool("kustomize", "KUSTOMIZE");
const kustomize = "path" in found ? found.path : fail(`the standalone kustomize is ${found.missing}; ${SETUP_HINT}`);

// Dependencies and history, wherever they are, and the checkout's local state at its top (.cache/:
// control-plane data, sockets; mutation testing's sandbox and reports) are not part of the package;
// everything else is copied so overlays build.
const SKIP_ANYWHERE = new Set(["node_modules", ".git"]);
const SKIP_AT_TOP = new Set([".cache", ".stryker-tmp", "reports"]);
const scratch = mkdtempSync(join(tmpdir(), "ecom-render-"));
const stage = join(scratch, "package");
let status = 1;
try {
  status = render();
} catch (err) {
  console.error(`render: internal: ${err instanceof Error ? err.message : String(err)}`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
process.exit(status);

/** The render in the staging copy; the target is written only when kpt and the judge agree. */
function render() {
  cpSync(target, stage, { recursive: true, filter: (src) => !SKIP_ANYWHERE.has(basename(src)) && !SKIP_AT_TOP.has(relative(target, src)) });
  const overlays = policiesOf(kpt, stage);
  if (typeof overlays === "string") {
    console.error(`render: render-failed: ${overlays.replaceAll(stage, target)}`);
    return 2;
  }
  // An overlay that does not build gets no entry; the judge reports the failure after the render.
  const builds = Object.fromEntries(overlays.flatMap(({ overlay }) => {
    const built = buildOverlay(kustomize, stage, overlay);
    return "text" in built ? [[overlay, built.text]] : [];
  }));
  const fnConfig = join(scratch, "overlay-builds.json");
  writeFileSync(fnConfig, overlayBuildsConfig(builds));
  // kpt splits --exec on spaces and resolves relative paths from the current
  // directory, so both paths are absolute and the node binary is this one (Node 24).
  const run = spawnSync(kpt, ["fn", "eval", stage, "--truncate-output=false", "--fn-config", fnConfig, "--exec", `${process.execPath} ${bundle}`], {
    stdio: ["ignore", "inherit", "pipe"],
    encoding: "utf8",
  });
  process.stderr.write((run.stderr ?? "").replaceAll(stage, target));
  if (run.error) {
    console.error(`render: tool-missing: cannot run kpt: ${run.error.message}`);
    return 2;
  }
  if (run.status !== 0) return run.status ?? 1;
  const changed = changedFiles(stage, target);
  // A render that changed no file leaves every overlay building as before: the judge reuses those builds.
  const judged = judge(overlays, changed.length ? {} : builds);
  if (judged === 0) for (const file of changed) copyFile(join(stage, file), join(target, file));
  return judged;
}

function judge(overlays, builds) {
  const tools = { kustomize, respond };
  const disagreements = overlays.flatMap(({ overlay, policy }) => judgeOverlay(tools, stage, overlay, policy, builds[overlay]));
  for (const d of disagreements) console.error(`render: ${d.code}: ${d.overlay}: ${d.message.replaceAll(stage, target)}`);
  if (disagreements.length) console.error("render: nothing was written");
  return disagreements.length ? 1 : 0;
}

/** Files under `from` (relative paths) that `to` lacks or holds with other bytes. */
function changedFiles(from, to, dir = "") {
  return readdirSync(join(from, dir), { withFileTypes: true }).flatMap((entry) => {
    const file = join(dir, entry.name);
    if (entry.isDirectory()) return changedFiles(from, to, file);
    const dst = join(to, file);
    return existsSync(dst) && readFileSync(join(from, file)).equals(readFileSync(dst)) ? [] : [file];
  });
}

function copyFile(src, dst) {
  mkdirSync(dirname(dst), { recursive: true });
  writeFileSync(dst, readFileSync(src));
}
