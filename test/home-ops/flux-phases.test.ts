/**
 * flux/clusters/home-ops: overlays/home-ops in three Flux Kustomizations (pre-deploy, app,
 * Ingress), built with Flux's own code. Together they are the overlay, no object is in two, each
 * is in the phase its label says, a first install completes in their order, and the cut-over
 * command (scripts/lib/cutover.ts) names the same Kustomizations, namespace and objects.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { checkFirstInstall, formatFinding, type Phase } from "../../scripts/lib/first-install.ts";
import { NEW } from "../../scripts/lib/cutover.ts";
import { built } from "../support/builds.ts";
import { find } from "../support/k8s.ts";
import { objectId } from "../support/tools.ts";
import type { BuiltObject } from "../../scripts/lib/built-object.ts";
import { fluxKustomizations, fluxObjects, fluxTool, type FluxTool } from "../flux/flux-build.ts";

const FILE = "flux/clusters/home-ops/ks.yaml";
const PHASE_LABEL = "ecom.ekenheim.dev/phase";
const kustomizations = fluxKustomizations([FILE]).map((k) => k.object);
const ks = (name: string) => kustomizations.find((k) => k.metadata.name === name)!;

let tool: FluxTool;
const phases = new Map<string, BuiltObject[]>();
beforeAll(() => {
  tool = fluxTool();
  for (const k of kustomizations) phases.set(k.metadata.name, fluxObjects(tool, FILE, { name: k.metadata.name }));
});
const ids = (objects: BuiltObject[]) => objects.map(objectId).sort();

describe("flux/clusters/home-ops", () => {
  it("applies overlays/home-ops as ecom-pre-deploy, then ecom, then ecom-ingress", () => {
    expect(kustomizations.map((k) => k.metadata.name)).toEqual([NEW.preDeploy.name, NEW.app.name, NEW.ingressPhase.name]);
    for (const ref of [NEW.preDeploy, NEW.app, NEW.ingressPhase]) expect(ks(ref.name).metadata.namespace).toBe(ref.namespace);
    expect(ks(NEW.app.name).spec.dependsOn).toEqual([{ name: NEW.preDeploy.name }]);
    expect(ks(NEW.ingressPhase.name).spec.dependsOn).toEqual([{ name: NEW.preDeploy.name }, { name: NEW.app.name }]);
    expect(ks(NEW.preDeploy.name).spec).toMatchObject({ wait: true, force: true, prune: true });
    for (const k of kustomizations) expect(k.spec.targetNamespace, k.metadata.name).toBe(NEW.namespace);
  });

  it("no object is in two phases, and together they are the overlay", () => {
    const all = [...phases.values()].flat();
    expect(new Set(all.map(objectId)).size).toBe(all.length);
    expect(ids(all)).toEqual(ids(built("overlays/home-ops").objects));
  });

  it("each object is in the phase its label names; the Ingress phase is the Ingress alone", () => {
    const labelled = (name: string, want: (label: string | undefined) => boolean) =>
      phases.get(name)!.filter((o) => !want(o.metadata.labels?.[PHASE_LABEL])).map(objectId);
    expect(labelled(NEW.preDeploy.name, (l) => l === "pre-deploy")).toEqual([]);
    expect(labelled(NEW.app.name, (l) => l !== "pre-deploy" && l !== "ingress")).toEqual([]);
    expect(phases.get(NEW.ingressPhase.name)!.map(objectId)).toEqual([`networking.k8s.io/v1/Ingress ${NEW.namespace}/${NEW.ingress}`]);
  });

  it("the pre-deploy phase carries the migration Job and everything it reads", () => {
    const pre = phases.get(NEW.preDeploy.name)!;
    expect(pre.filter((o) => o.kind === "Job").map((o) => o.metadata.name)).toEqual(["medusa-migrate-9496114"]);
    for (const [kind, name] of [["ConfigMap", NEW.config], ["ConfigMap", "medusa-app-config"], ["ExternalSecret", "medusa-secret"], ["ExternalSecret", "medusa-db-secret"], ["ExternalSecret", "medusa-s3-secret"], ["Service", "postgres"], ["Namespace", NEW.namespace]] as const) {
      find(pre, kind, name);
    }
  });

  it("a first install completes in this order: every object a pod needs comes in its phase or an earlier one", () => {
    const order: Phase[] = [NEW.preDeploy, NEW.app, NEW.ingressPhase].map((r) => ({ name: r.name, objects: phases.get(r.name)! as unknown as Phase["objects"] }));
    const report = checkFirstInstall(order, ["ghcr-pull"]);
    expect(report.problems.map(formatFinding)).toEqual([]);
    // Every Secret a pod reads is an ExternalSecret of the build; only the pull secret is provisioned.
    expect(report.unread).toEqual([]);
  });

  it("the cut-over command names the overlay's Ingress and ConfigMap", () => {
    find(built("overlays/home-ops").objects, "Ingress", NEW.ingress);
    find(built("overlays/home-ops").objects, "ConfigMap", NEW.config);
  });
});
