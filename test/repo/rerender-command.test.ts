/**
 * `npm run rerender` end to end on a scratch copy: a bot's pull request that bumped the medusa tag
 * without rendering is re-rendered (the migration Job gets the new tag's name), and the result is
 * pushed to the branch, or refused with the drift when it cannot be pushed.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { RepoCopy, runCommand } from "../support/repo-copy.ts";

const BOT = { GIT_AUTHOR_NAME: "github-actions[bot]", GIT_AUTHOR_EMAIL: "41898282+github-actions[bot]@users.noreply.github.com" };
const JOB = "overlays/prod/derived/migration-job.yaml";
let copy: RepoCopy;
let scratch: string;
let remote: string;
let staleJob: string;

const jobName = (text: string) => (parse(text) as { metadata: { name: string } }).metadata.name;
const remoteGit = (...args: string[]) => runCommand("git", ["--git-dir", remote, ...args], scratch).stdout;

function rerender(...args: string[]) {
  return runCommand("env", [...Object.entries({ ...BOT, GIT_COMMITTER_NAME: BOT.GIT_AUTHOR_NAME, GIT_COMMITTER_EMAIL: BOT.GIT_AUTHOR_EMAIL }).map(([k, v]) => `${k}=${v}`), process.execPath, join(copy.root, "scripts/rerender.ts"), ...args], copy.root);
}

beforeAll(() => {
  copy = new RepoCopy({ overlays: ["prod"] });
  copy.linkNodeModules();
  scratch = mkdtempSync(join(tmpdir(), "ecom-rerender-"));
  remote = join(scratch, "remote.git");
  runCommand("git", ["init", "--quiet", "--bare", remote], scratch);
  copy.git("remote", "add", "origin", remote);
  staleJob = jobName(copy.read(JOB));
  // What a bot's pull request does: the tag bumped, nothing rendered, committed and pushed.
  copy.edit("overlays/prod/kustomization.yaml", /(name: ghcr\.io\/ekenheim\/ecom\/medusa\n\s+newTag: )"[0-9a-f]{7}"/, '$1"1234567"');
  copy.commit("Update ghcr.io/ekenheim/ecom/medusa to 1234567");
  copy.git("push", "--quiet", "origin", "HEAD:refs/heads/bot/medusa");
});
afterAll(() => {
  copy?.remove();
  rmSync(scratch, { recursive: true, force: true });
});

describe("npm run rerender", () => {
  it("re-renders a bot pull request with stale derived values, and without --push fails with the drift", () => {
    expect(staleJob).not.toBe("medusa-migrate-1234567");
    const r = rerender();
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/error: render-drift: the pull request's derived files are stale: npm run render changes overlays\/prod\/derived\/migration-job\.yaml \(the diff is above\)\. Not pushed: no --push branch/);
    expect(r.stdout).toMatch(new RegExp(`^-  name: ${staleJob}$\\n^\\+  name: medusa-migrate-1234567$`, "m"));
    expect(jobName(copy.read(JOB))).toBe("medusa-migrate-1234567");
    expect(copy.changedFiles()).toEqual([JOB]);
    copy.git("checkout", "--", ".");
  });

  it("refuses a --push that is no plain branch name before rendering", () => {
    const r = rerender("--push", "+main");
    expect([r.status, r.stderr]).toEqual([1, "error: usage: --push '+main' is not a plain branch name\nusage: npm run rerender -- [--push <branch>]\n"]);
    expect(copy.changedFiles()).toEqual([]);
  });

  it("fails with the drift when the branch cannot be pushed to", () => {
    copy.git("remote", "set-url", "origin", join(scratch, "missing.git"));
    const r = rerender("--push", "bot/medusa");
    copy.git("remote", "set-url", "origin", remote);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/error: render-drift: .*changes overlays\/prod\/derived\/migration-job\.yaml .*Pushing to bot\/medusa failed: .+\./);
    // The commit stays local; the branch on the remote is as the bot left it.
    expect(remoteGit("log", "-1", "--format=%s", "bot/medusa").trim()).toBe("Update ghcr.io/ekenheim/ecom/medusa to 1234567");
    copy.git("reset", "--quiet", "--hard", "HEAD~1");
  });

  it("pushes the rendered files to the branch as one commit of the bot's author, then finds nothing more to do", () => {
    const r = rerender("--push", "bot/medusa");
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^rerender: pushed [0-9a-f]{7,} to bot\/medusa: overlays\/prod\/derived\/migration-job\.yaml$/m);
    expect(remoteGit("log", "-2", "--format=%s|%an|%ae", "bot/medusa").trim().split("\n")).toEqual([
      `Re-render the derived files|${BOT.GIT_AUTHOR_NAME}|${BOT.GIT_AUTHOR_EMAIL}`,
      `Update ghcr.io/ekenheim/ecom/medusa to 1234567|test|test@localhost`,
    ]);
    expect(remoteGit("diff", "--name-only", "bot/medusa~1", "bot/medusa").trim()).toBe(JOB);
    expect(jobName(remoteGit("show", `bot/medusa:${JOB}`))).toBe("medusa-migrate-1234567");

    const again = rerender("--push", "bot/medusa");
    expect([again.status, again.stdout.trim().split("\n").at(-1)]).toEqual([0, "rerender: the derived files are current; nothing to push"]);
    expect(remoteGit("rev-parse", "bot/medusa")).toBe(copy.git("rev-parse", "HEAD"));
  });
});
