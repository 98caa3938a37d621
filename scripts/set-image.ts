// npm run set-image -- <env> <medusa|storefront> <short-sha>
// Pins the image tag in overlays/<env>/kustomization.yaml, re-renders the derived files (the
// migration Job is named after the medusa tag) and shows what changed, for review and commit.
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { CommandError, main } from "./lib/command.ts";
import { overlayDir, readText } from "./lib/repo.ts";
import { REPO_ROOT } from "./lib/repo-root.ts";
import { readPublishedImages, unpublishedProblem } from "./lib/published-images.ts";
import { APP_IMAGES, isApp, setImageTag, shaProblem, unexpectedChanges } from "./lib/set-image.ts";

const USAGE = "usage: npm run set-image -- <env> <medusa|storefront> <short-sha>";
const MANIFEST_DIRS = ["base", "components", "overlays"];

function snapshot(): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.ya?ml$/.test(entry.name)) files.set(relative(REPO_ROOT, path), readFileSync(path, "utf8"));
    }
  };
  for (const d of MANIFEST_DIRS) walk(join(REPO_ROOT, d));
  return files;
}

function git(args: string[]): void {
  spawnSync("git", ["--no-pager", ...args], { cwd: REPO_ROOT, stdio: "inherit" });
}

await main(() => {
  const [env, app, sha, ...rest] = process.argv.slice(2);
  if (!env || !app || !sha || rest.length > 0) throw new CommandError("usage", USAGE);
  if (!isApp(app)) throw new CommandError("usage", `'${app}' is not medusa or storefront\n${USAGE}`);
  const problem = shaProblem(sha);
  if (problem) throw new CommandError("sha-invalid", problem);
  // Pinned all the same (the table may lag a fresh build), but the tests refuse it until it is listed.
  const unpublished = unpublishedProblem(readPublishedImages(REPO_ROOT), APP_IMAGES[app], sha);
  if (unpublished) console.error(`warning: ${unpublished}`);
  const file = join(overlayDir(env), "kustomization.yaml");
  const original = readText(file);
  let edit;
  try {
    edit = setImageTag(original, APP_IMAGES[app], sha);
  } catch (err) {
    throw new CommandError("image-edit", `${relative(REPO_ROOT, file)}: ${(err as Error).message}`);
  }

  const before = snapshot();
  writeFileSync(file, edit.text);
  const render = spawnSync(process.execPath, [join(REPO_ROOT, "scripts", "render.ts")], { cwd: REPO_ROOT, stdio: "inherit" });
  if (render.status !== 0) {
    writeFileSync(file, original);
    throw new CommandError("render-failed", `render failed; ${relative(REPO_ROOT, file)} is back to ${edit.previous}`);
  }
  const ownDir = `${relative(REPO_ROOT, overlayDir(env))}/`;
  const stray = unexpectedChanges(before, snapshot(), (p) => p === relative(REPO_ROOT, file) || p.startsWith(`${ownDir}derived/`));
  console.log(`\n${app} in overlays/${env}: ${edit.previous} → ${sha}\n`);
  git(["diff", "--stat", "--", ownDir]);
  git(["diff", "--", ownDir]);
  if (stray.length > 0) {
    throw new CommandError(
      "render-stray-changes",
      `render also changed files outside overlays/${env}: ${stray.join(", ")}.\n` +
        "They were stale before this command (someone edited without rendering): review them and commit them separately.",
    );
  }
}, USAGE);
