/**
 * Pod Security admission judges Pods, not the Deployments, StatefulSets and Jobs that make them: each
 * overlay is applied for real into a namespace that keeps its `restricted` enforcement, and the
 * controllers must create every Pod they own (a Pod the admission rejects leaves a FailedCreate event
 * and no Pod). A privileged Deployment in the same namespace shows that the enforcement is live.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REQUIRED_OVERLAYS } from "../support/targets.ts";
import { parseAll, REPO_ROOT } from "../support/tools.ts";
import type { BuiltObject } from "../../scripts/lib/built-object.ts";
import { buildInNamespace, eventually, getObjects, serverSideApply, toYaml } from "./kube.ts";

const scratch = mkdtempSync(join(tmpdir(), "ecom-pss-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const OWNERS = ["Deployment", "StatefulSet", "Job"];

/** How many Pods each workload's controller creates with no kubelet: all replicas, a StatefulSet's first, a Job's one. */
function expectedPods(o: BuiltObject): number {
  if (o.kind === "Deployment") return ((o.spec as { replicas?: number }).replicas ?? 1);
  return 1;
}

const templateLabels = (o: BuiltObject) => ((o.spec as any).template.metadata.labels ?? {}) as Record<string, string>;
const matches = (pod: BuiltObject, labels: Record<string, string>) =>
  Object.entries(labels).every(([k, v]) => (pod.metadata.labels as Record<string, string> | undefined)?.[k] === v);

const failedCreates = (ns: string) =>
  getObjects(["events", "--namespace", ns, "--field-selector", "reason=FailedCreate"]).map((e) => String((e as any).message));

describe.each(REQUIRED_OVERLAYS)("%s applied under restricted Pod Security", (overlay) => {
  const ns = `pss-${overlay.split("/").pop()}`;
  let workloads: BuiltObject[] = [];

  it("the Namespace enforces restricted and the apply raises no warning", () => {
    const text = buildInNamespace(join(REPO_ROOT, overlay), ns, scratch);
    const objects = parseAll(text, overlay);
    workloads = objects.filter((o) => OWNERS.includes(o.kind));
    expect(workloads.length, "workloads in the build").toBeGreaterThan(0);
    const namespaces = objects.filter((o) => o.kind === "Namespace");
    expect(serverSideApply(toYaml(namespaces)).status).toBe(0);
    const out = serverSideApply(text);
    expect(out.status, `${out.command}:\n${out.stderr}`).toBe(0);
    expect(out.stderr.trim(), "warnings from the API server").toBe("");
    const live = getObjects(["namespaces", "--field-selector", `metadata.name=${ns}`])[0];
    expect(live?.metadata.labels ?? {}).toMatchObject({ "pod-security.kubernetes.io/enforce": "restricted" });
  });

  it("the controllers create every Pod, none rejected", async () => {
    expect(workloads.length, "the apply ran").toBeGreaterThan(0);
    const missing = await eventually(
      "every workload's Pods",
      () => {
        const pods = getObjects(["pods", "--namespace", ns]);
        const short = workloads
          .map((w) => ({ w, have: pods.filter((p) => matches(p, templateLabels(w))).length }))
          .filter(({ w, have }) => have < expectedPods(w));
        if (short.length === 0) return [];
        // A rejection will not heal: report it at once instead of waiting for the timeout.
        const rejected = failedCreates(ns);
        return rejected.length ? short.map(({ w }) => `${w.kind} ${w.metadata.name}`).concat(rejected) : undefined;
      },
      90_000,
    );
    expect(missing).toEqual([]);
    expect(failedCreates(ns), "FailedCreate events").toEqual([]);
  });

  it("a privileged pod in the same namespace is refused, so the enforcement is live", async () => {
    const deployment = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "privileged-probe", namespace: ns },
      spec: {
        selector: { matchLabels: { app: "privileged-probe" } },
        template: {
          metadata: { labels: { app: "privileged-probe" } },
          spec: { containers: [{ name: "c", image: "busybox:1.36", securityContext: { privileged: true } }] },
        },
      },
    };
    const out = serverSideApply(toYaml([deployment as unknown as BuiltObject]));
    expect(out.status, out.stderr).toBe(0);
    expect(out.stderr).toMatch(/would violate PodSecurity "restricted:latest"/);
    const message = await eventually("a FailedCreate event", () => failedCreates(ns).find((m) => /violates PodSecurity "restricted:latest"/.test(m)), 90_000);
    expect(message).toMatch(/privileged/);
  });
});
