/** The named test tiers run vitest projects that exist, and together they are everything `npm test` runs. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import config from "../../vitest.config.ts";
import { onPath } from "../../scripts/lib/find-tool.ts";
import { REPO_ROOT } from "../support/tools.ts";

const scripts: Record<string, string> = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")).scripts;
const projects = ((config.test?.projects ?? []) as Array<{ test?: { name?: string } }>).map((p) => p.test?.name);
const projectOf = (script: string) => /vitest run --project (\S+)/.exec(scripts[script] ?? "")?.[1];

describe("test tiers", () => {
  it("test:fast and test:cluster each run one existing vitest project, and between them every project", () => {
    const tiers = [projectOf("test:fast"), projectOf("test:cluster")];
    expect(tiers.every((t) => t !== undefined && projects.includes(t)), `${tiers.join(", ")} among ${projects.join(", ")}`).toBe(true);
    expect([...tiers].sort()).toEqual([...projects].sort());
  });

  it("npm test runs every project, the mutation run and the shop rehearsal, and the fast tier never sets up the control plane", () => {
    expect(scripts.test).toMatch(/ vitest run && node test\/mutation\/stryker\.ts && node test\/mutation\/score\.ts && node test\/rehearsal\/rehearse\.ts && node test\/rehearsal\/regressions\.ts$/);
    expect(scripts["test:mutation"]).toMatch(/ node test\/mutation\/stryker\.ts && node test\/mutation\/score\.ts$/);
    expect(scripts["test:fast"]).toContain("tools/setup.sh --no-control-plane");
  });

  it("the commands that run kustomize install it on first use, so `npm ci && npm run render` works on a fresh machine", () => {
    for (const name of ["render", "set-image", "bench"]) expect(scripts[name], name).toMatch(/^bash tools\/setup\.sh --render && /);
  });

  it("setup --render needs only Go and kpt (kustomize is already installed here): no kubectl, Python or test tools, and says nothing", () => {
    // A PATH with Go, kpt and the few utilities the script uses, but no kubectl.
    const bin = mkdtempSync(join(tmpdir(), "ecom-setup-path-"));
    try {
      for (const name of ["kpt", "awk", "cut", "dirname"]) symlinkSync(onPath(name)!, join(bin, name));
      const env = { ...process.env, PATH: [bin, dirname(onPath("go")!)].join(delimiter) };
      const setup = (args: string[]) => spawnSync("/bin/bash", [join(REPO_ROOT, "tools/setup.sh"), ...args], { env, encoding: "utf8" });
      const render = setup(["--render"]);
      expect([render.status, render.stderr]).toEqual([0, ""]);
      const fast = setup(["--no-control-plane"]);
      expect(fast.status).toBe(1);
      expect(fast.stderr).toContain("kubectl not found on PATH");
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });
});
