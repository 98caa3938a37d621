// npm run rerender -- [--push <branch>]
// Renders the checkout (scripts/render.ts, as `npm run render`) and, when that changed files,
// commits exactly those and pushes them to <branch>; without --push, or when the push fails,
// exits 1 with the drift. .github/workflows/rerender-bot-prs.yml runs it on bot pull requests;
// the commit's author comes from git's configuration or GIT_AUTHOR_*/GIT_COMMITTER_* variables.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { CommandError, main } from "./lib/command.ts";
import { REPO_ROOT } from "./lib/repo-root.ts";
import { branchProblem, commitMessage, driftMessage, renderedChanges, statusPaths } from "./lib/rerender.ts";

const USAGE = "usage: npm run rerender -- [--push <branch>]";

function git(args: string[], allowFailure = false): { status: number; stdout: string; stderr: string } {
  const r = spawnSync("git", ["--no-pager", ...args], { cwd: REPO_ROOT, encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.error) throw new CommandError("tool-missing", `cannot run git: ${r.error.message}`);
  if (r.status !== 0 && !allowFailure) throw new CommandError("internal", `git ${args[0]} failed (exit ${r.status}): ${r.stderr.trim()}`);
  return { status: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
}

/** Every file git would show as changed, with its content (undefined: deleted). */
function dirtyFiles(): Map<string, string | undefined> {
  const paths = statusPaths(git(["status", "--porcelain", "-z", "--untracked-files=all"]).stdout);
  return new Map(paths.map((p) => [p, existsSync(join(REPO_ROOT, p)) ? readFileSync(join(REPO_ROOT, p), "utf8") : undefined]));
}

await main(() => {
  const { values } = parseArgs({ args: process.argv.slice(2), options: { push: { type: "string" } }, strict: true });
  const branch = values.push;
  const problem = branch === undefined ? undefined : branchProblem(branch);
  if (problem) throw new CommandError("usage", `--push ${problem}\n${USAGE}`);

  const before = dirtyFiles();
  const render = spawnSync(process.execPath, [join(REPO_ROOT, "scripts", "render.ts")], { cwd: REPO_ROOT, stdio: "inherit" });
  if (render.status !== 0) throw new CommandError("render-failed", "npm run render failed (its messages are above); nothing was committed");
  const files = renderedChanges(before, dirtyFiles());
  if (files.length === 0) {
    console.log("rerender: the derived files are current; nothing to push");
    return;
  }
  for (const f of files) {
    // A file git does not track yet has no diff: it is shown whole.
    const tracked = git(["ls-files", "--error-unmatch", "--", f], true).status === 0;
    process.stdout.write(tracked ? git(["diff", "--", f]).stdout : `new file ${f}:\n${readFileSync(join(REPO_ROOT, f), "utf8")}`);
  }
  if (branch === undefined) throw new CommandError("render-drift", driftMessage(files, "Not pushed: no --push branch (a pull request from a fork cannot be pushed to)."));

  git(["add", "--", ...files]);
  git(["commit", "--quiet", "--no-verify", "-m", commitMessage(files), "--", ...files]);
  const pushed = git(["push", "--quiet", "origin", `HEAD:refs/heads/${branch}`], true);
  if (pushed.status !== 0) {
    const why = pushed.stderr.trim().split("\n").filter(Boolean).at(-1) ?? `exit ${pushed.status}`;
    throw new CommandError("render-drift", driftMessage(files, `Pushing to ${branch} failed: ${why}.`));
  }
  console.log(`rerender: pushed ${git(["rev-parse", "--short", "HEAD"]).stdout.trim()} to ${branch}: ${files.join(", ")}`);
}, USAGE);
