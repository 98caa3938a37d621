import { describe, expect, test } from "vitest";
import { containersOf, isMigrationJob, podReferences, podSpecOf, SHORT_SHA, unreadVolumes } from "../../src/shop-objects.ts";

const podSpec = {
  imagePullSecrets: [{ name: "pull" }],
  initContainers: [{ name: "wait", envFrom: [{ configMapRef: { name: "init-config" } }] }],
  containers: [{
    name: "app",
    envFrom: [{ configMapRef: { name: "app-config" } }, { secretRef: { name: "app-secret" } }],
    env: [
      { name: "A", valueFrom: { configMapKeyRef: { name: "one-key-config", key: "a" } } },
      { name: "B", valueFrom: { secretKeyRef: { name: "one-key-secret", key: "b" } } },
      { name: "C", value: "plain" },
    ],
  }],
  volumes: [
    { name: "v1", configMap: { name: "volume-config" } },
    { name: "v2", secret: { secretName: "volume-secret" } },
    { name: "v3", projected: { sources: [{ configMap: { name: "projected-config" } }, { secret: { name: "projected-secret" } }] } },
  ],
};
const deployment = { kind: "Deployment", metadata: { name: "d" }, spec: { template: { spec: podSpec } } };

describe("pod specs", () => {
  test.each([
    ["Pod", { kind: "Pod", spec: podSpec }, "spec"],
    ["Deployment", deployment, "spec.template.spec"],
    ["Job", { kind: "Job", spec: { template: { spec: podSpec } } }, "spec.template.spec"],
    ["CronJob", { kind: "CronJob", spec: { jobTemplate: { spec: { template: { spec: podSpec } } } } }, "spec.jobTemplate.spec.template.spec"],
  ])("a %s keeps its pod spec at %s", (_kind, o, path) => {
    expect(podSpecOf(o)).toEqual({ spec: podSpec, path });
  });

  test("objects that run no containers have none", () => {
    expect(podSpecOf({ kind: "ConfigMap" })).toBeUndefined();
    expect(podSpecOf({ kind: "Deployment", spec: {} })).toBeUndefined();
    expect(containersOf({ kind: "Service", spec: {} })).toEqual([]);
  });

  test("init containers come first, each with its field path", () => {
    expect(containersOf(deployment).map((c) => [c.container.name, c.init, c.path])).toEqual([
      ["wait", true, "spec.template.spec.initContainers[0]"],
      ["app", false, "spec.template.spec.containers[0]"],
    ]);
  });

  test("every object a pod spec names: pull secrets, volumes, then envFrom and env, init containers first", () => {
    expect(podReferences(deployment).map((r) => `${r.kind} ${r.name} ${r.via} ${r.field}`)).toEqual([
      "Secret pull imagePullSecrets spec.template.spec.imagePullSecrets[0].name",
      "ConfigMap volume-config volume spec.template.spec.volumes[0].configMap.name",
      "Secret volume-secret volume spec.template.spec.volumes[1].secret.secretName",
      "ConfigMap projected-config volume spec.template.spec.volumes[2].projected.sources[0].configMap.name",
      "Secret projected-secret volume spec.template.spec.volumes[2].projected.sources[1].secret.name",
      "ConfigMap init-config envFrom spec.template.spec.initContainers[0].envFrom[0].configMapRef.name",
      "ConfigMap app-config envFrom spec.template.spec.containers[0].envFrom[0].configMapRef.name",
      "Secret app-secret envFrom spec.template.spec.containers[0].envFrom[1].secretRef.name",
      "ConfigMap one-key-config env spec.template.spec.containers[0].env[0].valueFrom.configMapKeyRef.name",
      "Secret one-key-secret env spec.template.spec.containers[0].env[1].valueFrom.secretKeyRef.name",
    ]);
    expect(podReferences(deployment).find((r) => r.name === "one-key-secret")).toMatchObject({ from: "container app env B", key: "b", optional: false });
  });

  test("the ServiceAccount, claims, optional references, and volumes it cannot read", () => {
    const pod = {
      kind: "Pod",
      spec: {
        serviceAccountName: "runner",
        containers: [{ name: "c", envFrom: [{ secretRef: { name: "maybe", optional: true } }] }],
        volumes: [{ name: "data", persistentVolumeClaim: { claimName: "data" } }, { name: "tmp", emptyDir: {} }, { name: "nfs", nfs: { server: "s", path: "/" } }],
      },
    };
    expect(podReferences(pod).map((r) => `${r.kind} ${r.name} ${r.from} optional=${r.optional}`)).toEqual([
      "ServiceAccount runner serviceAccountName optional=false",
      "PersistentVolumeClaim data volume data optional=false",
      "Secret maybe container c envFrom optional=true",
    ]);
    expect(unreadVolumes(pod)).toEqual([{ name: "nfs", type: "nfs" }]);
  });
});

describe("the migration Job", () => {
  test.each(["medusa-migrate", "medusa-migrate-b60245b", "shop-medusa-migrate-b60245b", "medusa-migrate-latest"])("%s is it", (name) => {
    expect(isMigrationJob({ kind: "Job", metadata: { name } })).toBe(true);
  });
  test.each(["medusa-migrated", "premedusa-migrate", "medusa-seed"])("%s is not", (name) => {
    expect(isMigrationJob({ kind: "Job", metadata: { name } })).toBe(false);
  });
  test("only a Job is", () => {
    expect(isMigrationJob({ kind: "CronJob", metadata: { name: "medusa-migrate" } })).toBe(false);
  });
});

test("a pinned tag is a 7-character lower-case hex short SHA", () => {
  expect(["b60245b", "0000000"].every((t) => SHORT_SHA.test(t))).toBe(true);
  expect(["B60245B", "b60245", "b60245b0", "latest", "20250101-120000"].some((t) => SHORT_SHA.test(t))).toBe(false);
});
