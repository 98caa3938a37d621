/**
 * The GitHub workflows: actionlint passes on every one of them (syntax, expressions, contexts,
 * runner labels, action inputs), and every workflow runs third-party actions only at a full commit
 * SHA, with the version as a comment for Renovate and for review: a moved tag cannot change what
 * runs with the repository's token or signs its image.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { goInstalledTool, SETUP_HINT } from "../../scripts/lib/find-tool.ts";
import { DISPATCH_EVENT } from "../../scripts/lib/release.ts";
import { parseVersions, VERSIONS_FILE } from "../../scripts/lib/tool-versions.ts";
import { REPO_ROOT } from "../support/tools.ts";

const WORKFLOWS = join(REPO_ROOT, ".github", "workflows");
const files = readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f)).sort();
/** They push branches and open pull requests with the repository's token. */
const WRITING = ["release.yml", "rerender-bot-prs.yml"];

function actionlint(): string {
  const found = goInstalledTool("actionlint", "ACTIONLINT");
  // Never a skip: a lint that silently does not run looks exactly like one that passed.
  if (!("path" in found)) throw new Error(`\n\n*** actionlint not found (${found.missing}).\n*** ${SETUP_HINT}, or set ACTIONLINT=/path/to/actionlint\n`);
  return found.path;
}

describe(".github/workflows", () => {
  it("has the ci, function image, release and re-render workflows", () => {
    expect(files).toEqual(expect.arrayContaining(["ci.yml", "krm-fn-image.yml", ...WRITING]));
  });

  it("runs the actionlint that tools/versions.env pins", () => {
    const pinned = parseVersions(readFileSync(VERSIONS_FILE, "utf8")).ACTIONLINT_VERSION;
    expect(execFileSync(actionlint(), ["-version"], { encoding: "utf8" }).split("\n")[0]).toBe(pinned);
  });

  it("passes actionlint, every workflow", () => {
    // shellcheck and pyflakes are left out: actionlint uses them only when the machine has them, and
    // a lint must give one answer everywhere.
    const r = spawnSync(actionlint(), ["-no-color", "-shellcheck=", "-pyflakes=", ...files.map((f) => join(WORKFLOWS, f))], { cwd: REPO_ROOT, encoding: "utf8" });
    expect(r.error).toBeUndefined();
    expect(`${r.stdout}${r.stderr}`).toBe("");
    expect(r.status).toBe(0);
  });

  it("fails a workflow actionlint finds wrong (the lint really runs)", () => {
    const broken = "on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.evnt.name }}\n";
    const r = spawnSync(actionlint(), ["-no-color", "-shellcheck=", "-pyflakes=", "-"], { input: broken, encoding: "utf8" });
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/property "evnt" is not defined/);
  });

  for (const file of files) {
    it(`${file}: every action is pinned by full commit SHA with its version as a comment`, () => {
      const uses = [...readFileSync(join(WORKFLOWS, file), "utf8").matchAll(/^\s*(?:-\s+)?uses:\s*(.+)$/gm)].map((m) => m[1]!.trim());
      expect(uses.length).toBeGreaterThan(0);
      for (const u of uses) expect(u, file).toMatch(/^[\w.-]+\/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
    });
  }
});

describe("the dispatch step docs/operations.md gives the app repository", () => {
  const docs = readFileSync(join(REPO_ROOT, "docs/operations.md"), "utf8");
  const section = docs.slice(docs.indexOf("### The one step in the app repository"));
  const snippet = /```yaml\n([\s\S]*?)```/.exec(section)?.[1] ?? "";

  it("sends the event the release workflow listens to, with the image and the pushed commit", () => {
    expect(snippet).toContain("/repos/ekenheim/ecom-deploy/dispatches");
    const payload = /-d "(.*)"$/m.exec(snippet)![1]!.replaceAll('\\"', '"').replace("$GITHUB_SHA", "0123456789abcdef0123456789abcdef01234567");
    expect(JSON.parse(payload)).toEqual({ event_type: DISPATCH_EVENT, client_payload: { image: "medusa", sha: "0123456789abcdef0123456789abcdef01234567" } });
    expect(readFileSync(join(WORKFLOWS, "release.yml"), "utf8")).toContain(`types: [${DISPATCH_EVENT}]`);
  });

  it("is a step actionlint accepts", () => {
    const workflow = `on:\n  push:\n    branches: [main]\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n${snippet}`;
    const r = spawnSync(actionlint(), ["-no-color", "-shellcheck=", "-pyflakes=", "-"], { input: workflow, encoding: "utf8" });
    expect(`${r.stdout}${r.stderr}`).toBe("");
    expect(r.status).toBe(0);
  });
});
