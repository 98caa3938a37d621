/**
 * The two-phase Flux install on an empty cluster: every object the pre-deploy phase's Job needs must
 * come with that phase (the app phase dependsOn it, so it cannot bring them). Phases are built with
 * Flux's own code; Secrets the overlay's DeployPolicy declares as provisioned count as present.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkFirstInstall, formatFinding, type Phase } from "../../scripts/lib/first-install.ts";
import { provisionedSecretsOf } from "../../scripts/lib/overlay.ts";
import { REPO_ROOT, type K8sObject } from "../support/tools.js";
import { buildFluxTool, fluxKustomizations, fluxObjects, type FluxTool } from "./flux-build.js";

const TWO_PHASE = "flux/two-phase/ks.yaml";
const POLICY = "overlays/prod/policy/policy.yaml";
const provisioned = provisionedSecretsOf(readFileSync(join(REPO_ROOT, POLICY), "utf8"), POLICY);

let tool: FluxTool;
let phases: Phase[];
beforeAll(() => {
  tool = buildFluxTool();
  // In dependsOn order: a Kustomization applies only after the ones it depends on are ready.
  const order = fluxKustomizations([TWO_PHASE]).map((k) => k.object);
  const rank = (name: string): number => {
    const ks = order.find((k) => k.metadata.name === name)!;
    return 1 + Math.max(-1, ...((ks.spec.dependsOn ?? []) as Array<{ name: string }>).map((d) => rank(d.name)));
  };
  phases = order
    .map((k) => k.metadata.name)
    .sort((a, b) => rank(a) - rank(b))
    .map((name) => ({ name, objects: fluxObjects(tool, TWO_PHASE, { name }) as K8sObject[] as Phase["objects"] }));
});
afterAll(() => tool?.cleanup());

const check = (ps: Phase[]) => checkFirstInstall(ps, provisioned).problems.map(formatFinding);

describe("two-phase Flux on an empty cluster", () => {
  it("applies the pre-deploy phase first", () => {
    expect(phases.map((p) => p.name)).toEqual(["ecom-pre-deploy", "ecom"]);
  });

  it("every object a pod of either phase needs is in its phase or the one before", () => {
    expect(check(phases)).toEqual([]);
  });

  it("only the provisioned Secrets go unread (their contents live in the cluster)", () => {
    expect(checkFirstInstall(phases, provisioned).unread).toEqual(["Secret medusa-secret", "Secret storefront-secret"]);
  });

  it("the split as it was, with the datastore Services left to the app phase, deadlocks: the check says so", () => {
    const datastore = (o: { kind: string; metadata: { name: string } }) => o.kind === "Service" && ["postgres", "redis"].includes(o.metadata.name);
    const [pre, app] = phases as [Phase, Phase];
    const old: Phase[] = [
      { name: pre.name, objects: pre.objects.filter((o) => !datastore(o)) },
      { name: app.name, objects: [...app.objects, ...pre.objects.filter(datastore)] },
    ];
    expect(check(old)).toEqual([
      expect.stringMatching(/^phase "ecom-pre-deploy": Job\/medusa-migrate-\w+: initContainer wait-for-postgres nc -z needs Service postgres, but it comes only in the later phase "ecom"$/),
    ]);
  });
});
