/**
 * The Flux examples under flux/, built with Flux's own code (tools/flux-build): kustomize as
 * kustomize-controller runs it, then postBuild substitution in strict mode with stand-in cluster
 * variables (cluster-vars.yaml).
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { built } from "../support/builds.ts";
import { migrationJobs } from "../support/invariants.ts";
import { all, find, ingressRules, podRefs } from "../support/k8s.ts";
import { APPS } from "../support/reference.ts";
import { validateAll } from "../support/schema.ts";
import { objectId, parseAll, REPO_ROOT, tool as tool_ } from "../support/tools.ts";
import type { BuiltObject } from "../../scripts/lib/built-object.ts";
import { fluxBuild, fluxTool, fluxKustomizations, fluxObjects, SOURCE, type FluxTool } from "./flux-build.ts";

const PHASE_LABEL = "ecom.ekenheim.dev/phase";
const TWO_PHASE = "flux/rollout/two-phase/ks.yaml";
const SINGLE_PHASE = "flux/rollout/single-phase/ks.yaml";
const HOME_OPS = "flux/clusters/home-ops/ks.yaml";

const ksFiles = readdirSync(resolve(REPO_ROOT, "flux"), { recursive: true, encoding: "utf8" })
  .filter((f) => /(^|\/)ks\.yaml$/.test(f))
  .map((f) => `flux/${f}`)
  .sort();
const kustomizations = fluxKustomizations(ksFiles);

let tool: FluxTool;
const cache = new Map<string, BuiltObject[]>();
/** Flux build of the Kustomization `name` in `file`, substituted with the stand-in cluster variables. */
function flux(file: string, name?: string): BuiltObject[] {
  const key = `${file}#${name ?? ""}`;
  if (!cache.has(key)) cache.set(key, fluxObjects(tool, file, { name }));
  return cache.get(key)!;
}

beforeAll(() => {
  tool = fluxTool();
});

const byId = (objects: BuiltObject[]): Map<string, BuiltObject> => new Map(objects.map((o) => [objectId(o), o]));
const ids = (objects: BuiltObject[]): string[] => objects.map(objectId).sort();

describe("flux/ examples", () => {
  it("has the single-phase, two-phase and variable-host examples", () => {
    expect(ksFiles).toEqual(expect.arrayContaining([SINGLE_PHASE, TWO_PHASE, HOME_OPS]));
  });

  it("the GitRepository every Kustomization uses is in flux/source/", () => {
    const sources = parseAll(readFileSync(resolve(REPO_ROOT, SOURCE), "utf8"), SOURCE);
    expect(sources.map(objectId)).toEqual(["source.toolkit.fluxcd.io/v1/GitRepository flux-system/ecom-deploy"]);
    for (const { file, object } of kustomizations) {
      expect(object.spec.sourceRef, `${file} ${object.metadata.name} sourceRef`).toEqual({ kind: "GitRepository", name: "ecom-deploy" });
    }
  });
});

/** The one directory a cluster applies (`kubectl apply -k flux/clusters/<name>`), as in Flux's example repositories. */
const clusterEntries = readdirSync(resolve(REPO_ROOT, "flux/clusters")).map((d) => `flux/clusters/${d}`).sort();
const kustomizeBuild = (dir: string) => spawnSync(tool_("kustomize"), ["build", dir], { cwd: REPO_ROOT, encoding: "utf8" });

describe("cluster entries", () => {
  it("one per cluster: prod and home-ops", () => {
    expect(clusterEntries).toEqual(["flux/clusters/home-ops", "flux/clusters/prod"]);
  });

  for (const entry of clusterEntries) {
    it(`${entry} builds with plain kustomize into the Git source and Flux Kustomizations found above`, () => {
      const r = kustomizeBuild(entry);
      expect(r.status, r.stderr).toBe(0);
      const objects = parseAll(r.stdout, entry);
      expect(objects.filter((o) => o.kind === "GitRepository").map(objectId)).toEqual(["source.toolkit.fluxcd.io/v1/GitRepository flux-system/ecom-deploy"]);
      const flux = objects.filter((o) => o.kind === "Kustomization");
      expect(flux.length, `${entry} Flux Kustomizations`).toBeGreaterThan(0);
      for (const ks of flux) expect(kustomizations.map((k) => k.object), `${entry}: ${objectId(ks)} is one of the ks.yaml files`).toContainEqual(ks);
    });
  }

  it("prod runs the two-phase rollout", () => {
    const names = parseAll(kustomizeBuild("flux/clusters/prod").stdout, "prod").filter((o) => o.kind === "Kustomization").map((o) => o.metadata.name);
    expect(names.sort()).toEqual(["ecom", "ecom-pre-deploy"]);
  });

  it("an entry that lists both rollouts does not build: single- and two-phase cannot be applied together", () => {
    const dir = mkdtempSync(join(tmpdir(), "ecom-flux-both-"));
    try {
      // kustomize refuses absolute paths here
      const at = (p: string) => JSON.stringify(relative(dir, resolve(REPO_ROOT, p)));
      writeFileSync(join(dir, "kustomization.yaml"),
        `resources:\n  - ${at("flux/source")}\ncomponents:\n  - ${at("flux/rollout/two-phase")}\n  - ${at("flux/rollout/single-phase")}\n`);
      const r = kustomizeBuild(dir);
      expect(r.status).not.toBe(0);
      expect(r.stderr).toContain("may not add resource with an already registered id: Kustomization.v1.kustomize.toolkit.fluxcd.io/ecom.flux-system");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

for (const { file, object: ks } of kustomizations) {
  const name = ks.metadata.name;
  describe(`${file}: Kustomization ${name}`, () => {
    it("follows the owner's conventions (kustomize.toolkit.fluxcd.io/v1, 30m/1m/5m, prune, wait, targetNamespace, cluster variables)", () => {
      expect(ks.apiVersion).toBe("kustomize.toolkit.fluxcd.io/v1");
      expect(ks.spec).toMatchObject({ interval: "30m", retryInterval: "1m", timeout: "5m", prune: true, wait: true });
      expect(ks.spec.targetNamespace, "targetNamespace").toEqual(expect.any(String));
      expect(ks.spec.postBuild?.substituteFrom).toEqual([
        { kind: "ConfigMap", name: "cluster-settings" },
        { kind: "Secret", name: "cluster-secrets" },
      ]);
    });

    it("builds with Flux's kustomize and strict postBuild substitution", () => {
      const r = fluxBuild(tool, file, { name });
      if (!r.ok) expect.fail(`flux-build failed:\n${r.stderr}`);
      expect(flux(file, name).length).toBeGreaterThan(0);
    });

    it("substituted output passes strict schema validation", async () => {
      const problems = await validateAll(flux(file, name));
      expect(problems, problems.join("\n")).toEqual([]);
    });

    it("leaves no `${` behind and puts every object in targetNamespace", () => {
      const objects = flux(file, name);
      expect(JSON.stringify(objects).match(/\$\{[^}]*\}/g) ?? []).toEqual([]);
      const stray = objects.filter((o) => o.kind !== "Namespace" && o.metadata.namespace !== ks.spec.targetNamespace).map(objectId);
      expect(stray).toEqual([]);
      for (const ns of all(objects, "Namespace")) expect(ns.metadata.name).toBe(ks.spec.targetNamespace);
    });
  });
}

describe("single phase", () => {
  it("is exactly `kustomize build overlays/prod`", () => {
    const fluxBuilt = flux(SINGLE_PHASE);
    expect(ids(fluxBuilt)).toEqual(ids(built("overlays/prod").objects));
    expect(byId(fluxBuilt)).toEqual(byId(built("overlays/prod").objects));
  });
});

describe("two phases", () => {
  const pre = () => flux(TWO_PHASE, "ecom-pre-deploy");
  const app = () => flux(TWO_PHASE, "ecom");
  const ks = (name: string) => kustomizations.find((k) => k.file === TWO_PHASE && k.object.metadata.name === name)!.object;

  it("pre-deploy waits for its Job, recreates it when immutable fields change and prunes the old one", () => {
    expect(ks("ecom-pre-deploy").spec).toMatchObject({ wait: true, force: true, prune: true });
  });

  it("the app phase depends on the pre-deploy phase", () => {
    expect(ks("ecom").spec.dependsOn).toEqual([{ name: "ecom-pre-deploy" }]);
  });

  it("no object belongs to both phases", () => {
    const appIds = new Set(ids(app()));
    expect(ids(pre()).filter((id) => appIds.has(id))).toEqual([]);
  });

  it("together they are exactly `kustomize build overlays/prod`", () => {
    const union = [...pre(), ...app()];
    expect(ids(union)).toEqual(ids(built("overlays/prod").objects));
    expect(byId(union)).toEqual(byId(built("overlays/prod").objects));
  });

  it("pre-deploy holds the migration Job and the objects it needs on a first install, and only those", () => {
    const objects = pre();
    expect(migrationJobs(objects).map(objectId), "one migration Job").toHaveLength(1);
    expect(all(objects, "Job").map(objectId), "no other Job").toHaveLength(1);
    expect(all(objects, "Namespace").map(objectId), "its Namespace").toHaveLength(1);
    for (const o of objects) expect(o.metadata.labels?.[PHASE_LABEL], `${objectId(o)} ${PHASE_LABEL}`).toBe("pre-deploy");
  });

  it("every ConfigMap and Secret the Job reads that the overlay ships is in pre-deploy (else the Job never starts)", () => {
    const job = migrationJobs(pre())[0]!;
    const refs = podRefs(job);
    const full = built("overlays/prod").objects;
    const provides = (o: BuiltObject, name: string, kinds: string[]) =>
      kinds.includes(o.kind) && (o.metadata.name === name || (o.spec as any)?.target?.name === name);
    const missing: string[] = [];
    for (const [name] of refs.configMaps) {
      if (full.some((o) => provides(o, name, ["ConfigMap"])) && !pre().some((o) => provides(o, name, ["ConfigMap"]))) missing.push(`ConfigMap ${name}`);
    }
    for (const [name] of refs.secrets) {
      const kinds = ["Secret", "ExternalSecret", "SealedSecret"];
      if (full.some((o) => provides(o, name, kinds)) && !pre().some((o) => provides(o, name, kinds))) missing.push(`Secret ${name}`);
    }
    expect(refs.configMaps.has(APPS.medusa.configMap)).toBe(true);
    expect(missing).toEqual([]);
  });

  it("the app phase holds the workloads and the Ingress", () => {
    for (const [kind, name] of [["Deployment", "medusa"], ["Deployment", "storefront"], ["Ingress", "ecom-ingress"]] as const) {
      find(app(), kind, name);
    }
  });
});

const PACKAGE_ENTRIES = ["Kptfile", ".krmignore", "base", "components", "overlays", "plugin", "flux"];
const filesUnder = (root: string, entry: string): string[] =>
  statSync(join(root, entry)).isDirectory()
    ? readdirSync(join(root, entry), { recursive: true, encoding: "utf8" })
        .map((f) => join(entry, f))
        .filter((f) => statSync(join(root, f)).isFile())
    : [entry];

describe("variable hosts (overlays/home-ops)", () => {
  const MISSING_VARS = resolve(REPO_ROOT, "test/flux/cluster-vars-without-domain.yaml");
  // home-ops applies its overlay in phases (flux/clusters/home-ops/ks.yaml): the whole overlay is their union.
  const phases = kustomizations.filter((k) => k.file === HOME_OPS).map((k) => k.object.metadata.name);
  const homeOps = (root?: string): BuiltObject[] => phases.flatMap((name) => fluxObjects(tool, HOME_OPS, { root, name }));

  it("render changes no committed file; render → Flux build: every derived CORS/URL value carries the substituted domain", () => {
    // A throwaway copy of the package with home-ops' derived files removed: render must write them
    // from the `shop.${SECRET_DOMAIN}` hosts, and Flux must substitute them.
    const tmp = mkdtempSync(join(tmpdir(), "ecom-flux-e2e-"));
    try {
      for (const entry of PACKAGE_ENTRIES) {
        cpSync(resolve(REPO_ROOT, entry), join(tmp, entry), { recursive: true });
      }
      const render = () => {
        const r = spawnSync(process.execPath, [resolve(REPO_ROOT, "scripts/render.ts"), tmp], { encoding: "utf8" });
        expect(r.status, `render failed:\n${r.stdout}\n${r.stderr}`).toBe(0);
      };
      // A committed file render would change is a render that dirties git.
      render();
      const changed = PACKAGE_ENTRIES.flatMap((entry) => filesUnder(tmp, entry)).filter(
        (f) => readFileSync(join(tmp, f), "utf8") !== readFileSync(resolve(REPO_ROOT, f), "utf8"),
      );
      expect(changed, "files render rewrote").toEqual([]);

      rmSync(join(tmp, "overlays/home-ops/derived"), { recursive: true });
      render();
      const rendered = readFileSync(join(tmp, "overlays/home-ops/derived/medusa-config.yaml"), "utf8");
      expect(rendered).toContain("https://storefront.${SECRET_DOMAIN}");

      const objects = homeOps(tmp);
      const medusa = find(objects, "ConfigMap", APPS.medusa.configMap).data as Record<string, string>;
      const storefront = find(objects, "ConfigMap", APPS.storefront.configMap).data as Record<string, string>;
      expect(medusa.STORE_CORS).toBe("https://storefront.example.net");
      expect(medusa.ADMIN_CORS).toBe("https://medusa.example.net,https://storefront.example.net");
      expect(medusa.AUTH_CORS).toBe("https://medusa.example.net,https://storefront.example.net");
      expect(medusa.BACKEND_URL).toBe("https://medusa.example.net");
      expect(medusa.STOREFRONT_URL).toBe("https://storefront.example.net");
      expect(storefront.NEXT_PUBLIC_BASE_URL).toBe("https://storefront.example.net");
      expect(storefront.STRAPI_PUBLIC_URL).toBe("https://strapi-ecom.example.net");
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it("the committed derived values are the ones render writes (variable kept verbatim)", () => {
    const cfg = find(built("overlays/home-ops").objects, "ConfigMap", APPS.medusa.configMap).data as Record<string, string>;
    expect(cfg.STORE_CORS).toBe("https://storefront.${SECRET_DOMAIN}");
    expect(cfg.ADMIN_CORS).toBe("https://medusa.${SECRET_DOMAIN},https://storefront.${SECRET_DOMAIN}");
  });

  it("the Ingress is the owner's: class external, external-dns target, its hosts medusa (API and admin) and storefront", () => {
    const ing = find(homeOps(), "Ingress", "ecom-ingress");
    expect((ing.spec as { ingressClassName?: string }).ingressClassName).toBe("external");
    expect(ing.metadata.annotations?.["external-dns.alpha.kubernetes.io/target"]).toBe("external.example.net");
    expect(ingressRules(ing).map((r) => r.host).sort()).toEqual(["medusa.example.net", "storefront.example.net"]);
  });

  it("strict substitution fails when SECRET_DOMAIN is not defined (the tool really substitutes)", () => {
    const r = fluxBuild(tool, HOME_OPS, { vars: [MISSING_VARS], name: phases[0] });
    expect(r.ok, r.stdout.slice(0, 200)).toBe(false);
    expect(r.stderr).toMatch(/SECRET_DOMAIN/);
    expect(r.stderr).toMatch(/strict/);
  });

  it("a substituteFrom source that is missing fails the build, as in the controller", () => {
    const r = fluxBuild(tool, HOME_OPS, { vars: [], name: phases[0] });
    expect(r.ok).toBe(false);
    expect(r.stderr).toMatch(/ConfigMap\/cluster-settings/);
  });
});
