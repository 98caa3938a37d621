/**
 * Every Flux entry under flux/ on an empty cluster: a Kustomization applies only once those it
 * dependsOn are ready, so every object a pod of one needs must come with it or with one it depends
 * on. Phases are built with Flux's own code; the Secrets the overlay's DeployPolicy declares as
 * provisioned count as present.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { checkFirstInstall, formatFinding, type Phase } from "../../scripts/lib/first-install.ts";
import { provisionedSecretsOf } from "../../scripts/lib/overlay.ts";
import { REPO_ROOT } from "../support/tools.ts";
import { fluxTool, fluxKustomizations, fluxObjects, type FluxKustomization, type FluxTool } from "./flux-build.ts";

const TWO_PHASE = "flux/rollout/two-phase/ks.yaml";
const ksFiles = readdirSync(resolve(REPO_ROOT, "flux"), { recursive: true, encoding: "utf8" })
  .filter((f) => /(^|\/)ks\.yaml$/.test(f))
  .map((f) => `flux/${f}`)
  .sort();

/** The DeployPolicy of the overlay a Kustomization builds: its own, or that of the overlay its kustomization includes. */
function provisionedFor(path: string): string[] {
  const dir = resolve(REPO_ROOT, path);
  const policy = join(dir, "policy", "policy.yaml");
  if (existsSync(policy)) return provisionedSecretsOf(readFileSync(policy, "utf8"), policy);
  const k = parse(readFileSync(join(dir, "kustomization.yaml"), "utf8")) as { resources?: string[] };
  const overlays = (k.resources ?? []).map((r) => join(dir, r)).filter((r) => existsSync(join(r, "policy", "policy.yaml")));
  if (overlays.length !== 1) throw new Error(`${path}: cannot tell which overlay's DeployPolicy applies (found ${overlays.length})`);
  return provisionedSecretsOf(readFileSync(join(overlays[0]!, "policy", "policy.yaml"), "utf8"), overlays[0]!);
}

/**
 * A file's Kustomizations in the order Flux can apply them (dependsOn first). A dependency the file
 * does not define is one of the cluster's own (home-ops waits for the owner's database), ready before.
 */
function inOrder(list: FluxKustomization[]): FluxKustomization[] {
  const rank = (k: FluxKustomization): number =>
    1 +
    Math.max(
      -1,
      ...((k.object.spec.dependsOn ?? []) as Array<{ name: string }>).flatMap((d) => {
        const dependency = list.find((x) => x.object.metadata.name === d.name);
        return dependency ? [rank(dependency)] : [];
      }),
    );
  return [...list].sort((a, b) => rank(a) - rank(b));
}

let tool: FluxTool;
const phasesOf = new Map<string, { phases: Phase[]; provisioned: string[] }>();
beforeAll(() => {
  tool = fluxTool();
  for (const file of ksFiles) {
    const list = inOrder(fluxKustomizations([file]));
    const provisioned = [...new Set(list.flatMap((k) => provisionedFor(k.object.spec.path)))];
    const phases = list.map((k) => ({ name: k.object.metadata.name, objects: fluxObjects(tool, file, { name: k.object.metadata.name }) as unknown as Phase["objects"] }));
    phasesOf.set(file, { phases, provisioned });
  }
});

describe("Flux entries on an empty cluster", () => {
  it("finds the single-phase, two-phase and home-ops entries", () => {
    expect(ksFiles).toEqual(expect.arrayContaining(["flux/rollout/single-phase/ks.yaml", TWO_PHASE, "flux/clusters/home-ops/ks.yaml"]));
  });

  for (const file of ksFiles) {
    it(`${file}: every object a pod needs comes with its Kustomization or one it depends on`, () => {
      const { phases, provisioned } = phasesOf.get(file)!;
      expect(checkFirstInstall(phases, provisioned).problems.map(formatFinding)).toEqual([]);
    });
  }

  it("two phases: the pre-deploy phase comes first and only the provisioned Secrets go unread", () => {
    const { phases, provisioned } = phasesOf.get(TWO_PHASE)!;
    expect(phases.map((p) => p.name)).toEqual(["ecom-pre-deploy", "ecom"]);
    expect(checkFirstInstall(phases, provisioned).unread).toEqual(["Secret medusa-secret", "Secret storefront-secret"]);
  });

  it("two phases as they were, with the datastore Services left to the app phase, deadlock: the check says so", () => {
    const { phases, provisioned } = phasesOf.get(TWO_PHASE)!;
    const datastore = (o: { kind: string; metadata: { name: string } }) => o.kind === "Service" && ["postgres", "redis"].includes(o.metadata.name);
    const [pre, app] = phases as [Phase, Phase];
    const old: Phase[] = [
      { name: pre.name, objects: pre.objects.filter((o) => !datastore(o)) },
      { name: app.name, objects: [...app.objects, ...pre.objects.filter(datastore)] },
    ];
    expect(checkFirstInstall(old, provisioned).problems.map(formatFinding)).toEqual([
      expect.stringMatching(/^phase "ecom-pre-deploy": Job\/medusa-migrate-\w+: initContainer wait-for-postgres nc -z needs Service postgres, but it comes only in the later phase "ecom"$/),
    ]);
  });
});
