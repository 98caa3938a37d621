/**
 * The rendered overlays against a real kube-apiserver (with kube-controller-manager, no kubelet):
 * admission defaults, strict field validation, Pod Security warnings, immutable fields and pruning are
 * what the offline schema checks cannot see.
 */
import { describe, expect, it } from "vitest";
import { RepoCopy, render } from "../support/repo-copy.ts";
import { REQUIRED_OVERLAYS } from "../support/targets.ts";
import { kustomizeBuild, parseAll, run, tool } from "../support/tools.ts";
import type { BuiltObject } from "../../scripts/lib/built-object.ts";
import { namespaceOf } from "../../scripts/lib/overlay.ts";
import { ensureNamespaces, eventually, FIELD_MANAGER, getObjects, kubectl, serverSideApply, toYaml } from "./kube.ts";

const MEDUSA_IMAGE = "ghcr.io/ekenheim/ecom/medusa";
const NEW_SHA = "5e1f0a7";
// kubectl (v1.32, v1.33) refuses plain `--prune` together with `--server-side`; an ApplySet is how it prunes
// server-side-applied objects, and it is still behind this switch there.
const APPLYSET = { env: { KUBECTL_APPLYSET: "true" }, parent: "ecom-deploy" };

/** overlays/prod's medusa Deployment with its first container changed by `change`, its Namespace in place. */
function prodMedusaWith(change: (container: Record<string, unknown>) => void): string {
  const objects = parseAll(kustomizeBuild("overlays/prod"), "overlays/prod");
  ensureNamespaces(objects);
  const deployment = structuredClone(objects.find((o) => o.kind === "Deployment" && o.metadata.name === "medusa"));
  expect(deployment, "medusa Deployment in overlays/prod").toBeDefined();
  const spec = deployment!.spec as { template: { spec: { containers: Array<Record<string, unknown>> } } };
  change(spec.template.spec.containers[0]!);
  return toYaml([deployment!]);
}

/** Applies as a member of the ApplySet, deleting the members of its previous apply that left the build. */
function applyAndPrune(yamlText: string, ns: string) {
  return kubectl(
    ["apply", "--server-side", "--validate=strict", `--field-manager=${FIELD_MANAGER}`, "--prune", `--applyset=${APPLYSET.parent}`, "--namespace", ns, "-f", "-"],
    yamlText,
    APPLYSET.env,
  );
}

const namesOf = (objects: BuiltObject[], kind: string) =>
  objects
    .filter((o) => o.kind === kind)
    .map((o) => o.metadata.name)
    .sort();

const jobNames = (ns: string) =>
  getObjects(["jobs", "--namespace", ns])
    .map((j) => j.metadata.name)
    .sort();

describe("server-side dry run with strict field validation", () => {
  // Overlays with Flux variables (${...}) are only valid after Flux substitutes them: dry-run.test.ts covers those.
  it.each(REQUIRED_OVERLAYS)("%s is accepted with no warning (Pod Security included)", (overlay) => {
    const text = kustomizeBuild(overlay);
    const objects = parseAll(text, overlay);
    ensureNamespaces(objects);
    const out = serverSideApply(text, ["--dry-run=server"]);
    expect(out.status, `${out.command}:\n${out.stderr}`).toBe(0);
    // kubectl prints every API warning (Pod Security's among them) on stderr and still exits 0.
    expect(out.stderr.trim(), "warnings from the API server").toBe("");
    expect(out.stdout.trim().split("\n")).toHaveLength(objects.length);
  });

  it("rejects a manifest with an unknown field, so the server really validates", () => {
    const out = serverSideApply(prodMedusaWith((c) => (c.imagePullPolicyy = "Always")), ["--dry-run=server"]);
    expect(out.status).not.toBe(0);
    expect(out.stderr).toMatch(/imagePullPolicyy: field not declared in schema/);
  });

  it("shows Pod Security warnings on stderr, so the no-warning checks above can fail", () => {
    const out = serverSideApply(prodMedusaWith((c) => (c.securityContext = { privileged: true })), ["--dry-run=server"]);
    expect(out.status, out.stderr).toBe(0);
    expect(out.stderr).toMatch(/Warning: would violate PodSecurity "restricted:latest": .*privileged/);
  });
});

describe("prod applied for real, then a new medusa SHA", () => {
  // The steps build on each other's cluster state, in order.
  let ns = "";
  let firstJobs: string[] = [];
  let next: BuiltObject[] = [];
  let nextText = "";
  const newJob = `medusa-migrate-${NEW_SHA}`;

  it("applies, and the controllers act on it (Deployments get ReplicaSets, the migration Job a Pod)", async () => {
    const text = kustomizeBuild("overlays/prod");
    const prod = parseAll(text, "overlays/prod");
    ns = namespaceOf(prod);
    // The ApplySet's parent Secret lives in the namespace, which must therefore exist first.
    ensureNamespaces(prod);
    const out = applyAndPrune(text, ns);
    expect(out.status, `${out.command}:\n${out.stderr}`).toBe(0);
    expect(out.stderr.trim(), "warnings from the API server").toBe("");

    firstJobs = jobNames(ns);
    expect(firstJobs).toEqual(namesOf(prod, "Job"));
    const deployments = namesOf(prod, "Deployment");
    await eventually("a ReplicaSet for every Deployment", () => {
      const owners = new Set(
        getObjects(["replicasets", "--namespace", ns]).flatMap((rs) =>
          ((rs.metadata.ownerReferences ?? []) as Array<{ name: string }>).map((r) => r.name),
        ),
      );
      return deployments.every((d) => owners.has(d)) ? true : undefined;
    });
    const migration = firstJobs.find((j) => j.startsWith("medusa-migrate-"));
    expect(migration, `a medusa-migrate-<sha> Job among ${firstJobs.join(", ")}`).toBeDefined();
    expect(migration).not.toBe(newJob);
    await eventually(`a Pod of Job ${migration}`, () =>
      getObjects(["pods", "--namespace", ns, "--selector", `job-name=${migration}`]).length > 0 ? true : undefined,
    );
  });

  it("re-applies a new medusa tag after render: the new migration Job is created beside the old one, no immutable-field error", () => {
    expect(ns, "the first apply ran").not.toBe("");
    const repo = new RepoCopy();
    try {
      repo.edit(
        "overlays/prod/kustomization.yaml",
        new RegExp(`(- name: ${MEDUSA_IMAGE.replace(/[./]/g, "\\$&")}\\s+newTag: )"?[0-9a-f]+"?`),
        `$1"${NEW_SHA}"`,
      );
      const rendered = render(repo.root);
      expect(rendered.status, rendered.stderr).toBe(0);
      const text = run(tool("kustomize"), ["build", `${repo.root}/overlays/prod`], repo.root);
      next = parseAll(text, "re-rendered overlays/prod");
      nextText = text;
      expect(namesOf(next, "Job")).toContain(newJob);

      // A plain apply, as a deploy that does not prune would: nothing is deleted.
      const out = serverSideApply(text);
      expect(out.status, `${out.command}:\n${out.stderr}`).toBe(0);
      expect(out.stderr).not.toMatch(/immutable/i);
      expect(jobNames(ns)).toEqual([...new Set([...firstJobs, newJob])].sort());
      const images = getObjects(["deployments", "--namespace", ns]).flatMap((d) =>
        (d.spec as { template: { spec: { containers: Array<{ image: string }> } } }).template.spec.containers.map((c) => c.image),
      );
      expect(images).toContain(`${MEDUSA_IMAGE}:${NEW_SHA}`);
    } finally {
      repo.remove();
    }
  });

  it("pruning (kubectl apply --prune with an ApplySet) removes the old migration Job and nothing else", () => {
    expect(next.length, "the re-render ran").toBeGreaterThan(0);
    const stale = firstJobs.filter((j) => !namesOf(next, "Job").includes(j));
    expect(stale.length, "a Job that left the build").toBeGreaterThan(0);
    const out = applyAndPrune(nextText, ns);
    expect(out.status, `${out.command}:\n${out.stderr}`).toBe(0);
    for (const j of stale) expect(out.stdout).toContain(`job.batch/${j} pruned`);
    expect(jobNames(ns)).toEqual(namesOf(next, "Job"));
    const live = getObjects(["deployments,statefulsets,services,configmaps,ingresses", "--namespace", ns])
      .map((o) => `${o.kind}/${o.metadata.name}`)
      .filter((id) => !id.startsWith("ConfigMap/kube-root-ca.crt"))
      .sort();
    const kept = next
      .filter((o) => ["Deployment", "StatefulSet", "Service", "ConfigMap", "Ingress"].includes(o.kind))
      .map((o) => `${o.kind}/${o.metadata.name}`)
      .sort();
    expect(live).toEqual(kept);
  });
});
