/**
 * The pre-deploy phase of two-phase Flux, applied alone to the control plane as Flux would on an
 * empty cluster (with the Secrets the DeployPolicy declares provisioned created beforehand): every
 * object the migration Job's pod refers to must then exist, or the Job would wait for ever.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { podNeeds } from "../../scripts/lib/first-install.ts";
import type { BuiltObject } from "../../scripts/lib/built-object.ts";
import { provisionedSecretsOf } from "../../scripts/lib/overlay.ts";
import { migrationJobs } from "../support/invariants.ts";
import { REPO_ROOT } from "../support/tools.ts";
import { fluxTool, fluxObjects, type FluxTool } from "../flux/flux-build.ts";
import { eventually, kubectl, kubectlOk, retargetFluxKustomizations, serverSideApply, toYaml } from "./kube.ts";

const NS = "ecom-first-install";
const POLICY = "overlays/prod/policy/policy.yaml";

let tool: FluxTool;
let scratch = "";
let pre: BuiltObject[] = [];
beforeAll(() => {
  tool = fluxTool();
  scratch = mkdtempSync(join(tmpdir(), "ecom-first-install-"));
  pre = fluxObjects(tool, retargetFluxKustomizations("flux/rollout/two-phase/ks.yaml", NS, scratch), { name: "ecom-pre-deploy" });
});
afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe("two-phase Flux: the pre-deploy phase alone on an empty cluster", () => {
  it("applies, and every object its Job refers to then exists", async () => {
    const namespaces = pre.filter((o) => o.kind === "Namespace");
    expect(namespaces.map((o) => o.metadata.name)).toEqual([NS]);
    kubectlOk(["apply", "--server-side", "-f", "-"], toYaml(namespaces));
    for (const name of provisionedSecretsOf(readFileSync(join(REPO_ROOT, POLICY), "utf8"), POLICY)) {
      kubectlOk(["create", "secret", "generic", name, "--namespace", NS, "--from-literal=placeholder=test-only"]);
    }
    const applied = serverSideApply(toYaml(pre));
    expect(applied.status, applied.stderr).toBe(0);

    const job = migrationJobs(pre)[0]!;
    const refs = podNeeds(job as BuiltObject, NS, { byKey: new Map(), provisioned: new Set(), unread: new Set() });
    expect(refs.unreadable).toEqual([]);
    const kinds = new Set(refs.refs.map((r) => r.kind));
    // Worth checking only if the Job really needs each kind of object.
    expect([...kinds].sort()).toEqual(["ConfigMap", "Secret", "Service", "ServiceAccount"]);
    for (const ref of refs.refs) {
      // The controller manager creates the namespace's default ServiceAccount shortly after the Namespace.
      await eventually(`${ref.kind} ${ref.name} (${ref.from})`, () =>
        kubectl(["get", ref.kind.toLowerCase(), ref.name, "--namespace", ref.namespace, "-o", "name"]).status === 0 ? true : undefined, 30_000);
    }
  });

  it("holds nothing of the app phase (the Deployments come only after the Job)", () => {
    expect(pre.filter((o) => o.kind === "Deployment" || o.kind === "Ingress").map((o) => o.metadata.name)).toEqual([]);
  });
});
