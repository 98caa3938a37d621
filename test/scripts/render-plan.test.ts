/** What `npm run render` renders and reads (scripts/lib/render.ts), decided from the files alone. */
import { mkdirSync, mkdtempSync, readlinkSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { bundleStale, filesOf, linkHint, linkOnTheWay, planRender, renderTarget, stagePackage, USAGE } from "../../scripts/lib/render.ts";

const scratch = mkdtempSync(join(tmpdir(), "render-plan-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let trees = 0;
function tree(files: Record<string, string>): string {
  const root = join(scratch, `tree-${trees++}`);
  mkdirSync(root);
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), text);
  }
  return root;
}

const POLICY = "apiVersion: fn.ecom.ekenheim.dev/v1alpha1\nkind: DeployPolicy\nmetadata:\n  name: p\n";
const OVERLAY = "resources:\n  - ../../base\ncomponents:\n  - derived\n";
const BASE = { "base/kustomization.yaml": "resources:\n  - a.yaml\n", "base/a.yaml": "kind: ConfigMap\n" };
const FIX = "it must hold the overlay's DeployPolicy (functions/README.md, \"Configuration\"), or its derived values are never checked against its Ingress";
const problems = (root: string, only?: string) => planRender({ root, only }).problems.map((p) => `${p.code}: ${p.message}`);

describe("renderTarget", () => {
  const root = tree({ Kptfile: "", "overlays/prod/kustomization.yaml": OVERLAY, "loose/kustomization.yaml": "", "notes.txt": "" });

  it("no directory: the default package; the package's root, or a directory in no package: that package", () => {
    expect(renderTarget(undefined, "/", root)).toEqual({ root });
    expect(renderTarget(".", root, "/elsewhere")).toEqual({ root });
    const loose = tree({ "o/kustomization.yaml": "" });
    expect(renderTarget(loose, "/", "/elsewhere")).toEqual({ root: loose });
  });

  it("a directory of overlays: those in it, in the package around it", () => {
    expect(renderTarget("overlays", root, "/elsewhere")).toEqual({ root, only: "overlays" });
  });

  it("a directory with a kustomization: that overlay, in the package of the nearest Kptfile or .git above it", () => {
    expect(renderTarget("overlays/prod", root, "/elsewhere")).toEqual({ root, only: "overlays/prod" });
    expect(renderTarget(".", join(root, "overlays/prod"), "/elsewhere")).toEqual({ root, only: "overlays/prod" });
    const git = tree({ ".git/HEAD": "", "deep/env/kustomization.yaml": "" });
    expect(renderTarget(join(git, "deep/env"), "/", "/elsewhere")).toEqual({ root: git, only: "deep/env" });
  });

  it.each([
    ["no-such-dir", "no-such-dir is not a directory: name a package (the repository by default), or a directory of overlays or one overlay in it"],
    ["notes.txt", "notes.txt is not a directory: name a package (the repository by default), or a directory of overlays or one overlay in it"],
  ])("%s: a usage error", (arg, message) => {
    expect(() => renderTarget(arg, root, root)).toThrow(`${message}\n${USAGE}`);
  });

  it("a kustomization in no package: a usage error", () => {
    const bare = mkdtempSync(join(tmpdir(), "render-bare-"));
    try {
      writeFileSync(join(bare, "kustomization.yaml"), "");
      expect(() => renderTarget(bare, "/", "/")).toThrow(`${bare} holds a kustomization but no directory above it holds a Kptfile or .git: name the package it belongs to\n${USAGE}`);
    } finally {
      rmSync(bare, { recursive: true });
    }
  });
});

describe("planRender: which overlays", () => {
  it("every directory whose kustomization lists derived (any spelling) or that has a policy, sorted, each with its policy", () => {
    const root = tree({
      ...BASE,
      "overlays/b/kustomization.yaml": "components:\n  - ./derived\n",
      "overlays/b/policy/policy.yaml": POLICY,
      "overlays/a/kustomization.yml": "components:\n  - derived/\n",
      "overlays/a/policy/policy.yaml": POLICY,
      "overlays/c/Kustomization": "resources: []\n",
      "overlays/c/policy/policy.yaml": POLICY,
      "overlays/plain/kustomization.yaml": "components:\n  - other\n",
    });
    const { plans, problems: found } = planRender({ root });
    expect(found).toEqual([]);
    expect(plans.map((p) => [p.overlay, p.policy.path, p.policy.object.kind])).toEqual([
      ["overlays/a", "overlays/a/policy/policy.yaml", "DeployPolicy"],
      ["overlays/b", "overlays/b/policy/policy.yaml", "DeployPolicy"],
      ["overlays/c", "overlays/c/policy/policy.yaml", "DeployPolicy"],
    ]);
    expect(plans[0]!.policy.text).toBe(POLICY);
  });

  it("one overlay named: that one alone; a directory of overlays: those in it; a kustomization that is none, or a directory without one, is refused", () => {
    const root = tree({
      "overlays/a/kustomization.yaml": OVERLAY, "overlays/b/kustomization.yaml": OVERLAY, "overlays/b/policy/policy.yaml": POLICY,
      "overlays/bb/kustomization.yaml": OVERLAY, "overlays/bb/policy/policy.yaml": POLICY, "base/kustomization.yaml": "", "docs/x.md": "",
    });
    expect(planRender({ root, only: "overlays/b" })).toMatchObject({ plans: [{ overlay: "overlays/b" }], problems: [] });
    expect(planRender({ root, only: "overlays" }).plans.map((p) => p.overlay)).toEqual(["overlays/b", "overlays/bb"]);
    expect(problems(root, "overlays")).toEqual([`render-policy-missing: overlays/a: overlays/a/policy/policy.yaml is missing: ${FIX}`]);
    expect(() => planRender({ root, only: "base" })).toThrow("base is not an overlay the function renders: its kustomization lists no `derived` component and it has no policy/policy.yaml");
    expect(() => planRender({ root, only: "docs" })).toThrow("no overlay in docs: no kustomization lists the `derived` component and no directory has a policy/policy.yaml");
  });

  it("a package without overlays is refused", () => {
    const root = tree(BASE);
    expect(() => planRender({ root })).toThrow(`no overlay in ${root}: no kustomization lists the \`derived\` component and no directory has a policy/policy.yaml`);
  });

  it("a kustomization that is not YAML lists nothing", () => {
    const root = tree({ "x/kustomization.yaml": "components: [derived\n", "y/kustomization.yaml": OVERLAY, "y/policy/policy.yaml": POLICY });
    expect(planRender({ root }).plans.map((p) => p.overlay)).toEqual(["y"]);
  });
});

describe("planRender: each overlay's policy", () => {
  const withPolicy = (text: string | undefined, more: Record<string, string> = {}) =>
    tree({ "o/kustomization.yaml": OVERLAY, ...(text === undefined ? {} : { "o/policy/policy.yaml": text }), ...more });

  it.each([
    ["missing", undefined, `render-policy-missing: o: o/policy/policy.yaml is missing: ${FIX}`],
    ["empty", "# nothing\n", `render-policy-missing: o/policy/policy.yaml: is empty: ${FIX}`],
    ["another kind", "kind: ConfigMap\n", `render-policy-missing: o/policy/policy.yaml: holds ConfigMap where exactly one DeployPolicy belongs: ${FIX}`],
    ["two policies", `${POLICY}---\n${POLICY}`, `render-policy-missing: o/policy/policy.yaml: holds DeployPolicy, DeployPolicy where exactly one DeployPolicy belongs: ${FIX}`],
    ["a policy and more", `${POLICY}---\n- a list\n`, `render-policy-missing: o/policy/policy.yaml: holds DeployPolicy, no kind where exactly one DeployPolicy belongs: ${FIX}`],
  ])("%s: refused naming the file", (_what, text, message) => {
    expect(problems(withPolicy(text))).toEqual([message]);
  });

  it("not YAML: refused with the parser's first line", () => {
    expect(problems(withPolicy("kind: [DeployPolicy\n"))).toEqual([`render-policy-missing: o/policy/policy.yaml: is not valid YAML (deficient indentation (2:1)): ${FIX}`]);
  });

  it("a DeployPolicy anywhere else in the package is refused with where it belongs; one in an ignored file is not read", () => {
    const root = withPolicy(POLICY, {
      "o/extra/policy.yaml": POLICY,
      "o/policy/more.json": JSON.stringify({ kind: "DeployPolicy" }),
      "elsewhere/policy.yaml": `kind: ConfigMap\n---\n${POLICY}`,
      "notes/DeployPolicy.yaml": "kind: Note\ntext: a DeployPolicy is described here\n",
      "test/fixture.yaml": POLICY,
      "node_modules/x/policy.yaml": POLICY,
      ".krmignore": "# tests\ntest/\n",
    });
    expect(problems(root).sort()).toEqual([
      "render-policy-misplaced: elsewhere/policy.yaml: a DeployPolicy is read only from <overlay>/policy/policy.yaml, so this one configures nothing: move it in the `policy/policy.yaml` of the overlay it configures",
      "render-policy-misplaced: o/extra/policy.yaml: a DeployPolicy is read only from <overlay>/policy/policy.yaml, so this one configures nothing: move it to o/policy/policy.yaml",
      "render-policy-misplaced: o/policy/more.json: a DeployPolicy is read only from <overlay>/policy/policy.yaml, so this one configures nothing: move it to o/policy/policy.yaml",
    ]);
  });

  it("rendering one overlay, only what lies in it is checked for a misplaced policy", () => {
    const root = tree({ "a/kustomization.yaml": OVERLAY, "a/policy/policy.yaml": POLICY, "a/p.yaml": POLICY, "b/kustomization.yaml": OVERLAY, "b/policy/policy.yaml": POLICY, "b/p.yaml": POLICY, Kptfile: "" });
    expect(problems(root, "a")).toEqual([
      "render-policy-misplaced: a/p.yaml: a DeployPolicy is read only from <overlay>/policy/policy.yaml, so this one configures nothing: move it to a/policy/policy.yaml",
    ]);
  });
});

describe("filesOf", () => {
  it("every file the kustomizations name, followed through resources and components; patch files but JSON 6902 ones; each directory named", () => {
    const root = tree({
      ...BASE,
      "o/kustomization.yaml": [
        "resources:", "  - ../base", "  - ns.yaml", "  - missing.yaml", "components:", "  - derived", "  - ../comp",
        "patchesStrategicMerge:", "  - smp.yaml", "patches:", "  - path: p.yaml", "  - path: ops.jsonpatch.yaml", "  - patch: inline", "",
        "configMapGenerator:", "  - name: flags", "    files: [flags.yaml]", "",
      ].join("\n"),
      "o/ns.yaml": "", "o/smp.yaml": "", "o/p.yaml": "", "o/ops.jsonpatch.yaml": "", "o/flags.yaml": "",
      "comp/kustomization.yaml": "resources:\n  - ../o\n  - c.yaml\n", "comp/c.yaml": "",
    });
    const read = filesOf(root, "o");
    expect(read.files.sort()).toEqual(["base/a.yaml", "base/kustomization.yaml", "comp/c.yaml", "comp/kustomization.yaml", "o/kustomization.yaml", "o/ns.yaml", "o/p.yaml", "o/smp.yaml"]);
    expect(read.dirs.sort()).toEqual(["base", "comp", "o", "o/derived", "o/missing.yaml"]);
  });

  it("a kustomization that is not YAML, or has fields of the wrong shape, names nothing more", () => {
    const root = tree({ "o/kustomization.yaml": "resources: a.yaml\npatches: {path: p.yaml}\ncomponents: [1]\n", "o/a.yaml": "", "o/p.yaml": "", "x/kustomization.yaml": "[unclosed\n" });
    expect(filesOf(root, "o")).toEqual({ files: ["o/kustomization.yaml"], dirs: ["o"] });
    expect(filesOf(root, "x")).toEqual({ files: ["x/kustomization.yaml"], dirs: ["x"] });
  });
});

describe("links", () => {
  const root = tree({ "o/derived/a.yaml": "", "target/b.yaml": "", "target/dir/c.yaml": "" });
  symlinkSync("../target/b.yaml", join(root, "o/b.yaml"));
  symlinkSync("../target/dir", join(root, "o/linked"));

  it("linkOnTheWay names the first link on the way to a file, which need not exist", () => {
    expect(linkOnTheWay(root, "o/derived/a.yaml")).toBeUndefined();
    expect(linkOnTheWay(root, "o/derived/new.yaml")).toBeUndefined();
    expect(linkOnTheWay(root, "o/new/deeper.yaml")).toBeUndefined();
    expect(linkOnTheWay(root, "o/b.yaml")).toBe("o/b.yaml is a symbolic link (to ../target/b.yaml)");
    expect(linkOnTheWay(root, "o/linked/c.yaml")).toBe("o/linked is a symbolic link (to ../target/dir)");
  });

  it("linkHint explains kustomize's refusal of a linked file, and only that", () => {
    const refusal = (file: string) => `Error: security; file '${join(root, file)}' is not in or below '${join(root, "o")}'`;
    expect(linkHint(root, refusal("o/b.yaml"))).toBe(
      "; o/b.yaml is a symbolic link to ../target/b.yaml, and kustomize reads a file only when what a link leads to is in or below o: move the file there and link to it from elsewhere, or replace the link with a copy",
    );
    expect(linkHint(root, refusal("o/derived/a.yaml"))).toBe("");
    expect(linkHint(root, "Error: accumulating resources")).toBe("");
  });

  it("stagePackage copies links that stay inside as they are, points others at their absolute target, and leaves out what is no part of the package", () => {
    const pkg = tree({ "o/a.yaml": "a\n", "node_modules/m/x.js": "", "o/.git/HEAD": "", ".cache/c": "", "reports/r": "", "deep/reports/kept": "k" });
    const outside = join(scratch, "outside.yaml");
    writeFileSync(outside, "");
    symlinkSync("a.yaml", join(pkg, "o/inside.yaml"));
    symlinkSync("../../outside.yaml", join(pkg, "o/out.yaml"));
    const stage = join(scratch, "stage");
    stagePackage(pkg, stage);
    expect(readFileSync(join(stage, "o/a.yaml"), "utf8")).toBe("a\n");
    expect(readlinkSync(join(stage, "o/inside.yaml"))).toBe("a.yaml");
    expect(readlinkSync(join(stage, "o/out.yaml"))).toBe(outside);
    expect(readFileSync(join(stage, "deep/reports/kept"), "utf8")).toBe("k");
    for (const gone of ["node_modules", "o/.git", ".cache", "reports"]) expect(() => readFileSync(join(stage, gone, "x"))).toThrow(/ENOENT/);
  });
});

describe("bundleStale", () => {
  const repo = tree({
    "functions/src/a.ts": "", "functions/src/core/b.ts": "", "functions/build.mjs": "", "functions/package.json": "", "functions/package-lock.json": "", "package-lock.json": "",
  });
  const at = (file: string, seconds: number) => utimesSync(join(repo, file), seconds, seconds);
  const inputs = ["functions/src/a.ts", "functions/src/core/b.ts", "functions/build.mjs", "functions/package.json", "functions/package-lock.json", "package-lock.json"];

  it("is stale without a bundle, and when any input is newer than the oldest file of it", () => {
    expect(bundleStale(repo)).toBe(true);
    mkdirSync(join(repo, "functions/dist"));
    expect(bundleStale(repo)).toBe(true);
    writeFileSync(join(repo, "functions/dist/x.mjs"), "");
    writeFileSync(join(repo, "functions/dist/y.mjs"), "");
    for (const f of [...inputs, "functions/src/core"]) at(f, 1000);
    at("functions/dist/x.mjs", 2000);
    at("functions/dist/y.mjs", 3000);
    expect(bundleStale(repo)).toBe(false);
    for (const f of inputs) {
      at(f, 2500);
      expect(bundleStale(repo), f).toBe(true);
      at(f, 1000);
    }
  });
});
