/**
 * The plugin keeps the core's compiled code in the user's cache directory, and only there: built with
 * an empty cache, a filled one and one it cannot write, the prod build is the same, byte for byte, with
 * nothing said about the cache, and nothing is ever written next to the bundle (a checkout may be
 * read-only, or another user's).
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RepoCopy, runCommandAsync } from "../support/repo-copy.ts";
import { tool } from "../support/tools.ts";

let repo: RepoCopy;
let scratch: string;
beforeAll(() => {
  repo = new RepoCopy({ overlays: ["prod"] });
  scratch = mkdtempSync(join(tmpdir(), "ecom-code-cache-e2e-"));
});
afterAll(() => {
  repo.remove();
  rmSync(scratch, { recursive: true, force: true });
});

const build = (dir: string, env: NodeJS.ProcessEnv = {}) =>
  runCommandAsync(tool("kustomize"), ["build", "--enable-alpha-plugins", "--enable-exec", join(repo.root, dir)], { env: { ...process.env, ...env } });

describe("the plugin's code cache", () => {
  it("changes nothing of the build, whether empty, filled or unwritable, and lives only in the cache directory", async () => {
    const plain = await build("overlays/prod");
    const cache = join(scratch, "cache");
    const blocked = join(scratch, "a-file");
    writeFileSync(blocked, "");
    const empty = await build("plugin/prod", { XDG_CACHE_HOME: cache });
    const filled = await build("plugin/prod", { XDG_CACHE_HOME: cache });
    const unwritable = await build("plugin/prod", { XDG_CACHE_HOME: join(blocked, "cache") });
    for (const run of [empty, filled, unwritable]) {
      expect([run.status, run.stderr]).toEqual([0, ""]);
      expect(run.stdout).toBe(plain.stdout);
    }
    expect(readdirSync(join(cache, "ecom-deploy"))).toEqual([`fn-code-${process.version}-${process.arch}`]);
    expect(readdirSync(join(repo.root, "functions/dist")).sort()).toEqual(["ecom-fn-core.cjs", "ecom-fn-core.mjs", "ecom-fn.mjs"]);
  });
});
