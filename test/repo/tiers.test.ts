/**
 * The npm scripts that run tests, read as the steps they run (`npm run x` expanded to x's steps), not as
 * their text: the named tiers run vitest projects that exist and together are everything `npm test`
 * runs, and a script may be reworded without this file changing.
 */
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

/** A script's commands in order, each as its words; `npm run <name>` is replaced by that script's commands. */
function steps(name: string): string[][] {
  return scripts[name]!.split(" && ").flatMap((command) => {
    const words = command.trim().split(/\s+/);
    return words[0] === "npm" && words[1] === "run" ? steps(words.find((w, i) => i > 1 && !w.startsWith("-"))!) : [words];
  });
}

const isSetup = (step: string[]) => step[0] === "bash" && step[1] === "tools/setup.sh";
const setupArgs = (name: string) => steps(name).find(isSetup)?.slice(2);
const runsVitest = (step: string[]) => step.includes("vitest");
const projectsOf = (step: string[]) => step.flatMap((w, i) => (step[i - 1] === "--project" ? [w] : []));
/** The steps that test something: everything but setting up, building and type-checking. */
const testSteps = (name: string) => steps(name).filter((s) => !isSetup(s) && !(s[0] === "node" && s[1] === "functions/build.mjs") && !s[0]!.startsWith("tsc"));

describe("test tiers", () => {
  it("test:fast and test:cluster each run existing vitest projects, and between them every project once", () => {
    const tiers = ["test:fast", "test:cluster"].flatMap((t) => steps(t).filter(runsVitest).flatMap(projectsOf));
    expect([...tiers].sort()).toEqual([...projects].sort());
  });

  it("npm test runs every vitest project, and every step of the mutation run and of the rehearsal, in their order", () => {
    const all = testSteps("test").map((s) => s.join(" "));
    expect(testSteps("test").filter(runsVitest).map(projectsOf)).toContainEqual([]);
    for (const part of ["test:mutation", "rehearse"]) {
      const own = testSteps(part).map((s) => s.join(" "));
      expect(own.length, part).toBeGreaterThan(0);
      expect(all.filter((s) => own.includes(s)), part).toEqual(own);
    }
  });

  it("every script that runs vitest or the mutation run is named test or test:*", () => {
    const testing = Object.keys(scripts).filter((name) => steps(name).some((s) => runsVitest(s) || s.join(" ").includes("test/mutation/")));
    expect(testing.filter((name) => name !== "test" && !name.startsWith("test:"))).toEqual([]);
  });

  it("the fast tier sets up everything but the control plane", () => {
    expect(setupArgs("test:fast")).toEqual(["--no-control-plane"]);
  });

  it("the commands that run kustomize set it up first, so `npm ci && npm run render` works on a fresh machine", () => {
    // Every mode of tools/setup.sh installs kustomize before anything else.
    for (const name of ["render", "set-image", "bench", "release", "rerender"]) expect(isSetup(steps(name)[0]!), name).toBe(true);
  });

  it("render's setup needs only Go and kpt (kustomize is already installed here): no kubectl, Python or test tools, and says nothing", () => {
    // A PATH with Go, kpt and the few utilities the script uses, but no kubectl.
    const bin = mkdtempSync(join(tmpdir(), "ecom-setup-path-"));
    try {
      for (const name of ["kpt", "awk", "cut", "dirname"]) symlinkSync(onPath(name)!, join(bin, name));
      const env = { ...process.env, PATH: [bin, dirname(onPath("go")!)].join(delimiter) };
      const setup = (args: string[]) => spawnSync("/bin/bash", [join(REPO_ROOT, "tools/setup.sh"), ...args], { env, encoding: "utf8" });
      const render = setup(setupArgs("render")!);
      expect([render.status, render.stderr]).toEqual([0, ""]);
      const fast = setup(setupArgs("test:fast")!);
      expect(fast.status).toBe(1);
      expect(fast.stderr).toContain("kubectl not found on PATH");
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });
});
