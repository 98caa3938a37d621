/**
 * How the scan runs gitleaks: over a repository's history, over a folder that is no repository,
 * and what the operator reads when gitleaks cannot run.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { describeFindings, gitleaksBinary, scan, withIgnoredPaths } from "../../scripts/lib/secrets-scan.ts";
import { fakeGithubToken } from "../support/fake-credentials.ts";
import { REPO_ROOT } from "../support/tools.ts";

const CONFIG = join(REPO_ROOT, ".gitleaks.toml");

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "ecom-gitleaks-test-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function tree(name: string, files: Record<string, string>): string {
  const root = join(dir, name);
  mkdirSync(root, { recursive: true });
  for (const [path, text] of Object.entries(files)) writeFileSync(join(root, path), text);
  return root;
}

describe("scan", () => {
  it("in git mode finds a token still in the history of a file git now ignores, naming the commit", () => {
    const repo = tree("history", { "notes.txt": `first line\nT=${fakeGithubToken()}\n` });
    const git = (...args: string[]) => execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.invalid", ...args], { cwd: repo, encoding: "utf8" });
    git("init", "-q");
    git("add", "-A");
    git("commit", "-qm", "leak");
    const leaked = git("rev-parse", "HEAD").trim();
    git("rm", "-q", "--cached", "notes.txt");
    writeFileSync(join(repo, ".gitignore"), "notes.txt\n");
    git("add", ".gitignore");
    git("commit", "-qm", "untrack");
    expect(scan(repo, "dir", CONFIG)).toEqual([]);
    expect(describeFindings(scan(repo, "git", CONFIG))).toEqual([`notes.txt:2 github-pat (commit ${leaked.slice(0, 7)})`]);
  });

  it("in a folder that is no git repository scans every file, .gitignore or not", () => {
    const root = tree("plain", { ".gitignore": "local.env\n", "local.env": `T=${fakeGithubToken()}\n` });
    expect(describeFindings(scan(root, "dir", CONFIG))).toEqual(["local.env:1 github-pat"]);
  });

  it("reports a gitleaks that fails in one line, with its own words and no banner", () => {
    const root = tree("bad-config", { "bad.toml": "not = [valid\n" });
    for (const mode of ["dir", "git"] as const) {
      const message = (() => {
        try {
          scan(root, mode, join(root, "bad.toml"));
        } catch (err) {
          return (err as Error).message;
        }
        throw new Error("expected the scan to fail");
      })();
      expect(message).toMatch(new RegExp(`^gitleaks ${mode} failed \\(exit 1\\): .*unable to load gitleaks config`));
      expect(message.trim().split("\n")).toHaveLength(1);
    }
  });

  it("leaves no copy of the configuration behind", () => {
    const tmp = join(dir, "tmp");
    mkdirSync(tmp);
    vi.stubEnv("TMPDIR", tmp);
    try {
      scan(tree("clean", { "a.txt": "nothing here\n" }), "dir", CONFIG);
      expect(() => scan(REPO_ROOT, "dir", join(dir, "no-such-config.toml"))).toThrow(/ENOENT/);
      expect(readdirSync(tmp)).toEqual([]);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it("reports a GITLEAKS that cannot be run, and one that does not exist", () => {
    vi.stubEnv("GITLEAKS", CONFIG);
    try {
      expect(() => scan(REPO_ROOT, "dir", CONFIG)).toThrow(`gitleaks dir failed (exit null): spawnSync ${CONFIG} EACCES`);
      expect(() => scan(REPO_ROOT, "dir", CONFIG)).toThrow(expect.objectContaining({ code: "internal" }));
      vi.stubEnv("GITLEAKS", join(dir, "no-such-gitleaks"));
      expect(() => gitleaksBinary()).toThrow(
        `gitleaks not found (GITLEAKS=${join(dir, "no-such-gitleaks")} does not exist); \`npm run setup\` (which \`npm test\` runs first) installs it, or set GITLEAKS=/path/to/gitleaks`,
      );
      expect(() => gitleaksBinary()).toThrow(expect.objectContaining({ code: "tool-missing" }));
    } finally {
      vi.unstubAllEnvs();
    }
  });
});

describe("withIgnoredPaths", () => {
  it("adds one allowlist of the ignored paths, each anchored, a directory covering what is under it", () => {
    expect(withIgnoredPaths("[extend]\nuseDefault = true", [".cache/", "a+b.env"])).toBe(
      "[extend]\nuseDefault = true\n[[allowlists]]\ndescription = \"ignored by git\"\npaths = ['''^\\.cache/''', '''^a\\+b\\.env$''']\n",
    );
    expect(withIgnoredPaths("[extend]\nuseDefault = true", [])).toBe("[extend]\nuseDefault = true");
  });
});
