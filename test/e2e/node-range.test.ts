/**
 * The function's executable runs on whatever `node` a user's PATH holds, outside npm: as Kustomize's
 * exec plugin and under `kpt fn eval --exec`. Under the oldest Node.js it supports it answers as under
 * the repository's own; under an older one it stops the build with a message naming the version it
 * needs, never empty output with exit 0 (which `kubectl apply --prune` would read as "delete the shop").
 */
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RepoCopy, requireBundle, runCommandAsync } from "../support/repo-copy.ts";
import { OLDEST_SUPPORTED_NODE, nodeRuntime, tool } from "../support/tools.ts";
import { toolVersion } from "../../scripts/lib/tool-versions.ts";

const UNSUPPORTED_NODE = toolVersion("NODE_UNSUPPORTED_VERSION");
let repo: RepoCopy;
let violating: RepoCopy;
beforeAll(() => {
  requireBundle();
  repo = new RepoCopy({ overlays: ["prod"] });
  violating = new RepoCopy({ overlays: ["prod"] });
  violating.edit("base/storefront/deployment.yaml", /cpu: 500m/, "cpu: 4");
});
afterAll(() => {
  repo.remove();
  violating.remove();
});

/** The environment a user's shell gives the tools: the given Node.js first on PATH, nothing of npm's. */
const withNode = (version: string): NodeJS.ProcessEnv => ({
  ...process.env,
  PATH: `${dirname(nodeRuntime(version))}:${process.env.PATH}`,
  NODE_OPTIONS: "",
});
const pluginBuild = (root: string, version: string) =>
  runCommandAsync(tool("kustomize"), ["build", "--enable-alpha-plugins", "--enable-exec", join(root, "plugin", "prod")], { env: withNode(version) });
const kptEval = (root: string, version: string) =>
  runCommandAsync(tool("kpt"), ["fn", "eval", root, "--truncate-output=false", "--exec", join(root, "functions/dist/ecom-fn.mjs")], { env: withNode(version) });

describe("the range of Node.js the function runs on", () => {
  it("the runtimes under test are the ones named", async () => {
    const oldest = await runCommandAsync(nodeRuntime(OLDEST_SUPPORTED_NODE), ["--version"]);
    const older = await runCommandAsync(nodeRuntime(UNSUPPORTED_NODE), ["--version"]);
    expect([oldest.stdout.trim(), older.stdout.trim()]).toEqual([`v${OLDEST_SUPPORTED_NODE}`, `v${UNSUPPORTED_NODE}`]);
    expect(Number(UNSUPPORTED_NODE.split(".")[0])).toBeLessThan(Number(OLDEST_SUPPORTED_NODE.split(".")[0]));
  });

  it(`plugin mode under the oldest supported Node.js builds what the plain build deploys`, async () => {
    const [plugin, plain] = await Promise.all([
      pluginBuild(repo.root, OLDEST_SUPPORTED_NODE),
      runCommandAsync(tool("kustomize"), ["build", join(repo.root, "overlays", "prod")]),
    ]);
    expect(plugin.status, plugin.stderr).toBe(0);
    expect(plugin.stdout.length).toBeGreaterThan(1000);
    expect(plugin.stdout).toBe(plain.stdout);
  });

  it("plugin mode under the oldest supported Node.js fails a build that breaks the policy, with the function's message", async () => {
    const plugin = await pluginBuild(violating.root, OLDEST_SUPPORTED_NODE);
    expect(plugin.status).not.toBe(0);
    expect(plugin.stdout).toBe("");
    expect(plugin.stderr).toMatch(/Deployment ecom-prod\/storefront: .*cpu limit 4 is above the policy maximum 500m/);
  });

  it("plugin mode under an older Node.js stops the build, naming the version it needs", async () => {
    const plugin = await pluginBuild(repo.root, UNSUPPORTED_NODE);
    expect(plugin.status).not.toBe(0);
    expect(plugin.stdout).toBe("");
    expect(plugin.stderr).toContain(`ecom-fn: needs Node.js ${OLDEST_SUPPORTED_NODE} or later`);
    expect(plugin.stderr).toContain(`is v${UNSUPPORTED_NODE}`);
  });

  it("kpt fn eval --exec under the oldest supported Node.js answers and changes nothing of a rendered package", async () => {
    const out = await kptEval(repo.root, OLDEST_SUPPORTED_NODE);
    expect(out.status, out.stderr).toBe(0);
    expect(out.stderr).toContain("[PASS]");
    expect(repo.changedFiles()).toEqual([]);
  });

  it("kpt fn eval --exec under an older Node.js fails with the message and leaves every file as it was", async () => {
    const out = await kptEval(repo.root, UNSUPPORTED_NODE);
    expect(out.status).not.toBe(0);
    expect(out.stderr).toContain(`ecom-fn: needs Node.js ${OLDEST_SUPPORTED_NODE} or later`);
    expect(repo.changedFiles()).toEqual([]);
  });
});
