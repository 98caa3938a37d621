/**
 * The committed mutation state stays out of reviews and merges: marked generated, no text diff, and
 * a merge driver (registered by tools/setup.sh) that keeps one side instead of conflicting.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../support/tools.ts";

const STATE = "test/mutation/stryker-incremental.json";
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A directory holding tools/setup.sh, its versions and .gitattributes, outside any git checkout. */
function setupCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), "ecom-mutation-state-"));
  dirs.push(dir);
  for (const path of ["tools/setup.sh", "tools/versions.env", ".gitattributes"]) cpSync(join(REPO_ROOT, path), join(dir, path));
  return dir;
}

const git = (dir: string, ...args: string[]) =>
  execFileSync("git", ["-c", "user.name=test", "-c", "user.email=test@example.com", "-c", "init.defaultBranch=main", ...args], { cwd: dir, encoding: "utf8" });
// The render's setup: kustomize is already installed here, so it only registers the driver.
const setup = (dir: string) => spawnSync("bash", [join(dir, "tools/setup.sh"), "--render"], { encoding: "utf8", env: { ...process.env, GIT_CEILING_DIRECTORIES: dirname(dir) } });

describe("the mutation state", () => {
  it("is marked generated, has no text diff and merges with the mutation-state driver", () => {
    const attributes = git(REPO_ROOT, "check-attr", "linguist-generated", "diff", "merge", "--", STATE);
    expect(attributes.trim().split("\n")).toEqual([`${STATE}: linguist-generated: true`, `${STATE}: diff: unset`, `${STATE}: merge: mutation-state`]);
  });

  it("merges without a conflict once tools/setup.sh has run: the current branch's state is kept", () => {
    const dir = setupCopy();
    git(dir, "init", "-q");
    const ran = setup(dir);
    expect([ran.status, ran.stderr]).toEqual([0, ""]);
    expect(git(dir, "config", "merge.mutation-state.driver").trim()).toBe("true");

    mkdirSync(join(dir, dirname(STATE)), { recursive: true });
    const write = (text: string) => writeFileSync(join(dir, STATE), text);
    write('{"files":{"a.ts":"killed"}}\n');
    git(dir, "add", "-A");
    git(dir, "commit", "-q", "-m", "state");
    git(dir, "checkout", "-q", "-b", "other");
    write('{"files":{"a.ts":"survived"}}\n');
    git(dir, "commit", "-q", "-am", "other state");
    git(dir, "checkout", "-q", "main");
    write('{"files":{"a.ts":"timeout"}}\n');
    git(dir, "commit", "-q", "-am", "main state");

    const merge = spawnSync("git", ["-c", "user.name=test", "-c", "user.email=test@example.com", "merge", "--no-edit", "other"], { cwd: dir, encoding: "utf8" });
    expect(merge.status, merge.stdout + merge.stderr).toBe(0);
    expect(readFileSync(join(dir, STATE), "utf8")).toBe('{"files":{"a.ts":"timeout"}}\n');
  });

  it("tools/setup.sh outside a git checkout registers nothing and says nothing", () => {
    const dir = setupCopy();
    const ran = setup(dir);
    expect([ran.status, ran.stderr]).toEqual([0, ""]);
    expect(existsSync(join(dir, ".git"))).toBe(false);
  });
});
