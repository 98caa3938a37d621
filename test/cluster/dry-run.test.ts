/**
 * Server-side dry runs, strict field validation, of what apply.test.ts does not cover: every
 * component on its own on top of base, and every Flux Kustomization under flux/ as Flux builds it
 * (tools/flux-build, strict postBuild substitution with SECRET_DOMAIN=example.net). Each build is
 * moved into a namespace of this file's own, so it never meets apply.test.ts's ecom-dev/ecom-prod.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { componentDirs, componentKustomization } from "../support/targets.ts";
import { parseAll, REPO_ROOT } from "../support/tools.ts";
import type { BuiltObject } from "../../scripts/lib/built-object.ts";
import { fluxTool, fluxKustomizations, fluxObjects, type FluxTool } from "../flux/flux-build.ts";
import { buildInNamespace, ensureNamespaces, kubectlOk, retargetFluxKustomizations, serverSideApply, toYaml } from "./kube.ts";

/**
 * CRDs of the operators a component targets, taken from the operator's own Go module at the release
 * whose API version the component uses (external-secrets.io/v1), so the server validates those objects
 * against the real schema instead of accepting anything.
 */
const CRD_SOURCES: Readonly<Record<string, { module: string; dir: string }>> = {
  "external-secrets.io": { module: "github.com/external-secrets/external-secrets@v1.3.2", dir: "config/crds/bases" },
};

let scratch = "";
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), "ecom-dry-run-"));
});
afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

function expectAccepted(text: string, objects: BuiltObject[]): void {
  const out = serverSideApply(text, ["--dry-run=server"]);
  expect(out.status, `${out.command}:\n${out.stderr}`).toBe(0);
  // kubectl prints every API warning (Pod Security's among them) on stderr and still exits 0.
  expect(out.stderr.trim(), "warnings from the API server").toBe("");
  expect(out.stdout.trim().split("\n")).toHaveLength(objects.length);
}

function moduleDir(module: string): string {
  // Outside any Go module, so the repository's tools cannot pin the version instead.
  const out = spawnSync("go", ["mod", "download", "-json", module], { cwd: tmpdir(), encoding: "utf8" });
  if (out.status !== 0) throw new Error(`\`go mod download ${module}\` failed (Go and the module proxy are needed):\n${out.stderr}${out.stdout}`);
  return (JSON.parse(out.stdout) as { Dir: string }).Dir;
}

/** Installs, for real and cluster-wide, the CRD of every custom kind in `objects`; a kind with no known source fails. */
function installCrds(objects: BuiltObject[]): void {
  const kinds = new Map<string, string>();
  for (const o of objects) {
    const group = o.apiVersion.includes("/") ? o.apiVersion.split("/")[0]! : "";
    if (group.includes(".") && !group.endsWith(".k8s.io")) kinds.set(`${group}/${o.kind}`, group);
  }
  for (const [id, group] of kinds) {
    const source = CRD_SOURCES[group];
    if (!source) throw new Error(`no CRD source for ${id}: add the operator's module to CRD_SOURCES`);
    const kind = id.split("/")[1]!;
    const file = join(moduleDir(source.module), source.dir, `${group}_${kind.toLowerCase()}s.yaml`);
    const crd = parseAll(readFileSync(file, "utf8"), file);
    kubectlOk(["apply", "--server-side", "--force-conflicts", "-f", "-"], toYaml(crd));
    kubectlOk(["wait", "--for=condition=Established", "--timeout=60s", ...crd.map((c) => `crd/${c.metadata.name}`)]);
  }
}

describe("every component on base, in a namespace of its own", () => {
  const components = componentDirs();

  it("finds the components", () => {
    expect(components.length).toBeGreaterThan(0);
  });

  it.each(components)("base + %s is accepted with no warning (Pod Security included)", (component) => {
    const ns = `ecom-dry-${basename(component)}`;
    const text = buildInNamespace(componentKustomization(scratch, component), ns, scratch);
    const objects = parseAll(text, `base + ${component} in ${ns}`);
    expect(objects.filter((o) => o.metadata.namespace && o.metadata.namespace !== ns), "objects outside the test namespace").toEqual([]);
    installCrds(objects);
    ensureNamespaces(objects);
    expectAccepted(text, objects);
  });
});

describe("every Flux Kustomization under flux/, after Flux's build and substitution", () => {
  let tool: FluxTool;
  beforeAll(() => {
    tool = fluxTool();
  });

  const ksFiles = readdirSync(resolve(REPO_ROOT, "flux"), { recursive: true, encoding: "utf8" })
    .filter((f) => /(^|\/)ks\.yaml$/.test(f))
    .map((f) => `flux/${f}`)
    .sort();

  it("finds the single-phase, two-phase and home-ops examples", () => {
    expect(ksFiles).toEqual(expect.arrayContaining(["flux/rollout/single-phase/ks.yaml", "flux/rollout/two-phase/ks.yaml", "flux/clusters/home-ops/ks.yaml"]));
  });

  const targets = ksFiles.flatMap((file) => fluxKustomizations([file]).map(({ object }) => ({ file, name: object.metadata.name })));

  /**
   * The file's Kustomizations with targetNamespace moved to a namespace of this test file: one per
   * ks.yaml, shared by its phases, as they share ecom-prod in the example.
   */
  function retargeted(file: string): { path: string; ns: string } {
    const ns = `ecom-flux-${basename(dirname(file))}`;
    return { path: retargetFluxKustomizations(file, ns, scratch), ns };
  }

  it.each(targets)("$file: $name is accepted with no warning (Pod Security included)", ({ file, name }) => {
    const { path, ns } = retargeted(file);
    const objects = fluxObjects(tool, path, { name });
    expect(objects.length).toBeGreaterThan(0);
    expect(JSON.stringify(objects), "a variable Flux did not substitute").not.toMatch(/\$\{/);

    // Flux applies a phase only after the ones it dependsOn are ready: the Namespace one of them
    // brings exists by then, and must come from one of them.
    const inFile = fluxKustomizations([file]);
    const ks = inFile.find((k) => k.object.metadata.name === name)!.object;
    // A dependency the file does not define is the cluster's own (home-ops waits for the owner's database).
    const dependencies = ((ks.spec.dependsOn ?? []) as Array<{ name: string }>)
      .filter((d) => inFile.some((k) => k.object.metadata.name === d.name))
      .map((d) => fluxObjects(tool, path, { name: d.name }));
    const provided = [...objects, ...dependencies.flat()].filter((o) => o.kind === "Namespace");
    const needed = [...new Set(objects.flatMap((o) => (o.metadata.namespace ? [o.metadata.namespace] : [])))];
    expect(needed).toEqual([ns]);
    expect(provided.map((o) => o.metadata.name), `the Namespace ${ns}, from ${name} or what it dependsOn`).toContain(ns);
    ensureNamespaces(provided);

    expectAccepted(toYaml(objects), objects);
  });
});
