/** The hardening and drift checks catch what they exist for: each mutation of prod's build must fail. */
import { describe, expect, it } from "vitest";
import { built } from "../support/builds.ts";
import { hardeningProblems, medusaDrift } from "../support/hardening.ts";
import { migrationJobs } from "../support/invariants.ts";
import { find, podSpec } from "../support/k8s.ts";
import type { BuiltObject } from "../../scripts/lib/built-object.ts";

/** prod's objects with one pod spec changed; `name` "migration" is the migration Job, whatever its tag. */
function mutated(kind: string, name: string, change: (ps: Record<string, any>) => void): BuiltObject[] {
  const objects = structuredClone(built("overlays/prod").objects);
  const target = name === "migration" ? migrationJobs(objects)[0]! : find(objects, kind, name);
  change(podSpec(target) as Record<string, any>);
  return objects;
}

describe("hardening checks over overlays/prod", () => {
  it("pass on the build as it is", () => {
    expect(hardeningProblems(built("overlays/prod").objects)).toEqual([]);
    expect(medusaDrift(built("overlays/prod").objects)).toEqual([]);
  });

  it.each([
    ["a mounted service-account token", (ps: Record<string, any>) => delete ps.automountServiceAccountToken, /automountServiceAccountToken/],
    ["a writable root filesystem", (ps: Record<string, any>) => (ps.containers[0].securityContext.readOnlyRootFilesystem = false), /readOnlyRootFilesystem/],
    ["an unbounded emptyDir", (ps: Record<string, any>) => (ps.volumes[0].emptyDir = {}), /emptyDir tmp has no sizeLimit/],
    ["no ephemeral-storage limit", (ps: Record<string, any>) => delete ps.initContainers[0].resources.limits["ephemeral-storage"], /no ephemeral-storage limits/],
    ["privilege escalation", (ps: Record<string, any>) => delete ps.containers[0].securityContext.allowPrivilegeEscalation, /allowPrivilegeEscalation/],
    ["an added capability", (ps: Record<string, any>) => (ps.containers[0].securityContext.capabilities.add = ["NET_ADMIN"]), /adds capabilities NET_ADMIN/],
    ["no runAsNonRoot", (ps: Record<string, any>) => delete ps.securityContext.runAsNonRoot, /runAsNonRoot/],
  ])("catch %s", (_what, change, pattern) => {
    expect(hardeningProblems(mutated("Deployment", "storefront", change)).join("\n")).toMatch(pattern);
  });

  it.each([
    ["Deployment", "medusa-worker", "a worker with another security context", (ps: Record<string, any>) => (ps.securityContext.runAsUser = 1001), /pod securityContext differs/],
    ["Deployment", "medusa-worker", "a worker with another secret", (ps: Record<string, any>) => (ps.containers[0].envFrom[1].secretRef.name = "other"), /envFrom differs/],
    ["Deployment", "medusa-worker", "a worker without the redis wait", (ps: Record<string, any>) => ps.initContainers.pop(), /init containers/],
    ["Job", "migration", "a migration Job with another mount", (ps: Record<string, any>) => ps.containers[0].volumeMounts.pop(), /volumeMounts differs/],
    ["Job", "migration", "a migration Job waiting for redis too", (ps: Record<string, any>) => ps.initContainers.push({ ...ps.initContainers[0], name: "wait-for-redis" }), /init containers/],
    ["Job", "migration", "a migration Job with a changed init container", (ps: Record<string, any>) => (ps.initContainers[0].image = "busybox:1.37"), /init containers/],
    ["Job", "migration", "a migration Job without the pull secret", (ps: Record<string, any>) => delete ps.imagePullSecrets, /imagePullSecrets differs/],
  ])("catch drift: %s %s, %s", (kind, name, _what, change, pattern) => {
    expect(medusaDrift(mutated(kind, name, change)).join("\n")).toMatch(pattern);
  });
});
