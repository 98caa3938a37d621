/**
 * Scenario tests in the style of the kpt functions catalog: each directory
 * under fixtures/ is one run of the function with its expected outcome in
 * `.expected/`. Layout and how to add or regenerate a scenario: fixtures/README.md.
 */
import { spawnSync } from "node:child_process";
import {
  cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, test, type ExpectStatic } from "vitest";
import { parse, stringify } from "yaml";
import { BUNDLE, runCommandAsync, type Outcome } from "../../test/support/repo-copy.ts";
import { REPO_ROOT } from "../../test/support/tools.ts";
import { FIXTURES } from "./support/resource-lists.ts";

const SHARED_PACKAGE = join(FIXTURES, "_package");
const RENDER = join(REPO_ROOT, "scripts", "render.ts");
const UPDATE = process.env.UPDATE_FIXTURES === "1";

interface ScenarioConfig {
  exitCode: number;
  notes?: string;
  /** Package paths deleted from the shared package before the scenario's own files are copied on top. */
  remove?: string[];
  /** Plugin mode: the output items must be the input items, byte for byte. */
  itemsUnchanged?: boolean;
}

interface NormalizedResult {
  message: string;
  severity: string;
  resourceRef?: Record<string, string>;
  field?: { path: string };
  file?: { path: string };
}

const scenarios = readdirSync(FIXTURES)
  .filter((name) => !name.startsWith("_") && statSync(join(FIXTURES, name)).isDirectory())
  .sort();
const pluginScenarios = scenarios.filter((s) => existsSync(join(FIXTURES, s, "input.yaml")));
const packageScenarios = scenarios.filter((s) => !pluginScenarios.includes(s));

let work: string;

beforeAll(() => {
  // The bundle targets Node 24, and render runs it in its own process.
  const major = Number(process.versions.node.split(".")[0]);
  if (major < 24) throw new Error(`fixtures need Node >= 24, running ${process.version}: run vitest through npx so the repo's node is used`);
  if (!existsSync(BUNDLE)) throw new Error("functions/dist/ecom-fn.mjs is missing: run `npm run build` first");
  // A stale bundle would make every scenario fail (or pass) for reasons the sources no longer have.
  const built = statSync(BUNDLE).mtimeMs;
  const src = join(REPO_ROOT, "functions", "src");
  const newer = readdirSync(src).filter((f) => statSync(join(src, f)).mtimeMs > built);
  if (newer.length) throw new Error(`functions/dist/ecom-fn.mjs is older than ${newer.join(", ")}: run \`npm run build\``);

  work = mkdtempSync(join(tmpdir(), "ecom-fn-fixtures-"));
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

test("the fixture set is complete", () => {
  expect(packageScenarios.length).toBeGreaterThan(0);
  expect(pluginScenarios.length).toBeGreaterThan(0);
  for (const s of scenarios) {
    expect(existsSync(join(FIXTURES, s, ".expected", "config.yaml")), `${s}/.expected/config.yaml`).toBe(true);
  }
});

// Each scenario waits on kpt, kustomize and node children most of the time, so they run side by side.
describe.concurrent("package mode: the package's files through scripts/render.ts", () => {
  test.for(packageScenarios)("%s", async (scenario, { expect }) => {
    const dir = join(FIXTURES, scenario);
    const config = readConfig(dir, expect);
    const pkg = preparePackage(scenario, config);

    const first = await render(pkg, "first", expect);
    const patch = stagedDiff(pkg);
    const results = first.results;

    const expected = join(dir, ".expected");
    if (UPDATE) {
      writeFileSync(join(expected, "diff.patch"), patch);
      writeFileSync(join(expected, "results.yaml"), resultsFile(first.exitCode, results));
    }
    expect(first.exitCode, `exit code; kpt said:\n${first.output}`).toBe(config.exitCode);
    // Soft, so a scenario that differs from its expectation still gets the invariants below checked.
    expect.soft(patch).toBe(readFileSync(join(expected, "diff.patch"), "utf8"));
    expect.soft(resultsFile(first.exitCode, results)).toBe(readFileSync(join(expected, "results.yaml"), "utf8"));

    if (config.exitCode !== 0) {
      expect(patch, "a failing function must leave every file as it was").toBe("");
      expect(results.some((r) => r.severity === "error"), "a failure must say why").toBe(true);
    }
    // The function owns only the overlays' derived/ files; anything else changing means it re-serialised input.
    for (const file of changedFiles(patch)) expect(file).toMatch(/^overlays\/[^/]+\/derived\/[^/]+\.yaml$/);

    git(pkg, "add", "-A");
    git(pkg, "commit", "-q", "--allow-empty", "-m", "first render");
    const second = await render(pkg, "second", expect);
    expect(second.exitCode, "second run exit code").toBe(first.exitCode);
    expect(stagedDiff(pkg), "a second render must change nothing").toBe("");
    expect(second.results, "a second render must report the same").toEqual(results);
  });
});

describe.concurrent("plugin mode: a DeployPolicy as functionConfig over a built overlay", () => {
  test.for(pluginScenarios)("%s", async (scenario, { expect }) => {
    const dir = join(FIXTURES, scenario);
    const config = readConfig(dir, expect);
    const input = readFileSync(join(dir, "input.yaml"), "utf8");

    const first = await runBundle(input);
    const expectedOutput = join(dir, ".expected", "output.yaml");
    if (UPDATE) writeFileSync(expectedOutput, first.stdout);
    expect(first.status, `exit code; stderr:\n${first.stderr}`).toBe(config.exitCode);
    expect.soft(first.stdout).toBe(readFileSync(expectedOutput, "utf8"));
    if (config.itemsUnchanged) expect(itemsOf(first.stdout), "items must pass through byte for byte").toBe(itemsOf(input));

    const out = parse(first.stdout);
    for (const r of out.results ?? []) expect(first.stderr, "every result is also printed for people").toContain(r.message);
    if (config.exitCode !== 0) expect((out.results ?? []).some((r: any) => r.severity === "error")).toBe(true);

    // Feeding the output back, as a second kustomize build of a rendered overlay would, converges.
    const again = await runBundle(withFunctionConfig(withoutResults(first.stdout), input));
    expect(again.status).toBe(first.status);
    expect(itemsOf(again.stdout)).toBe(itemsOf(first.stdout));
    if (config.exitCode === 0) expect(parse(again.stdout).results, "nothing left to correct").toBeUndefined();
    else expect(parse(again.stdout).results).toEqual(out.results);
  });
});

function readConfig(dir: string, expect: ExpectStatic): ScenarioConfig {
  const config = parse(readFileSync(join(dir, ".expected", "config.yaml"), "utf8")) as ScenarioConfig;
  expect(typeof config?.exitCode, `${relative(REPO_ROOT, dir)}/.expected/config.yaml needs an exitCode`).toBe("number");
  return config;
}

function preparePackage(scenario: string, config: ScenarioConfig): string {
  const pkg = join(work, scenario);
  cpSync(SHARED_PACKAGE, pkg, { recursive: true });
  for (const path of config.remove ?? []) {
    const target = join(pkg, path);
    if (!existsSync(target)) throw new Error(`${scenario}: remove lists ${path}, which the shared package does not have`);
    rmSync(target, { recursive: true });
  }
  const own = join(FIXTURES, scenario);
  cpSync(own, pkg, {
    recursive: true,
    filter: (src) => !relative(own, src).split(/[\\/]/).includes(".expected") && relative(own, src) !== "README.md",
  });
  git(pkg, "init", "-q");
  git(pkg, "add", "-A");
  git(pkg, "commit", "-q", "-m", "scenario");
  return pkg;
}

async function render(pkg: string, run: string, expect: ExpectStatic): Promise<{ exitCode: number; results: NormalizedResult[]; output: string }> {
  const file = join(work, `${relative(work, pkg)}.${run}.results.yaml`);
  const proc = await runCommandAsync(process.execPath, [RENDER, pkg, "--results", file]);
  const output = `${proc.stdout}${proc.stderr}`;
  if (!existsSync(file)) throw new Error(`render wrote no results (exit ${proc.status}):\n${output}`);
  const list = parse(readFileSync(file, "utf8"));
  expect(list.exitCode, "the recorded exit code and the process's agree").toBe(proc.status);
  return { exitCode: proc.status, results: (list.results ?? []).map(normalize), output };
}

/** Only what a finding means: its code stays out of the fixtures, which predate it. */
function normalize(r: any): NormalizedResult {
  const out: NormalizedResult = { message: r.message, severity: r.severity };
  if (r.resourceRef) out.resourceRef = r.resourceRef;
  if (r.field?.path) out.field = { path: r.field.path };
  if (r.file?.path) out.file = { path: r.file.path };
  return out;
}

function resultsFile(exitCode: number, results: NormalizedResult[]): string {
  return stringify({ exitCode, results }, { lineWidth: 0 });
}

function stagedDiff(pkg: string): string {
  git(pkg, "add", "-A");
  return git(pkg, "diff", "--cached", "--no-color", "--no-ext-diff", "--no-renames");
}

function changedFiles(patch: string): string[] {
  return [...patch.matchAll(/^diff --git a\/(\S+) b\//gm)].map((m) => m[1]!);
}

function git(cwd: string, ...args: string[]): string {
  const proc = spawnSync("git", ["-c", "user.name=fixture", "-c", "user.email=fixture@example.invalid", "-c", "commit.gpgsign=false", ...args], {
    cwd,
    encoding: "utf8",
    // Whatever the developer's git config says, the diff must look the same everywhere.
    env: { ...process.env, GIT_CONFIG_GLOBAL: "/dev/null", GIT_CONFIG_NOSYSTEM: "1" },
  });
  if (proc.status !== 0) throw new Error(`git ${args.join(" ")} failed: ${proc.stderr}`);
  return proc.stdout;
}

function runBundle(input: string): Promise<Outcome> {
  return runCommandAsync(process.execPath, [BUNDLE], { input });
}

/** The `items:` block as written, up to the next top-level key. */
function itemsOf(list: string): string {
  const lines = list.split("\n");
  const start = lines.findIndex((l) => /^items:/.test(l));
  if (start < 0) throw new Error("no items: in the ResourceList");
  const end = lines.findIndex((l, i) => i > start && /^[A-Za-z]/.test(l));
  return lines.slice(start, end < 0 ? undefined : end).join("\n").trimEnd();
}

function withoutResults(list: string): string {
  const at = list.search(/^results:/m);
  return at < 0 ? list : list.slice(0, at);
}

function withFunctionConfig(list: string, input: string): string {
  const at = input.search(/^functionConfig:/m);
  return `${list.trimEnd()}\n${input.slice(at)}`;
}
