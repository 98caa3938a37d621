import { describe, expect, test } from "vitest";
import { containersOf, isMigrationJob, podLabels, podReferences, podSpecOf, SHORT_SHA, unreadVolumes } from "../../src/core/shop-objects.ts";

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
    ["StatefulSet", { kind: "StatefulSet", spec: { template: { spec: podSpec } } }, "spec.template.spec"],
    ["DaemonSet", { kind: "DaemonSet", spec: { template: { spec: podSpec } } }, "spec.template.spec"],
    ["ReplicaSet", { kind: "ReplicaSet", spec: { template: { spec: podSpec } } }, "spec.template.spec"],
    ["ReplicationController", { kind: "ReplicationController", spec: { template: { spec: podSpec } } }, "spec.template.spec"],
    ["Job", { kind: "Job", spec: { template: { spec: podSpec } } }, "spec.template.spec"],
    ["CronJob", { kind: "CronJob", spec: { jobTemplate: { spec: { template: { spec: podSpec } } } } }, "spec.jobTemplate.spec.template.spec"],
  ])("a %s keeps its pod spec at %s", (_kind, o, path) => {
    expect(podSpecOf(o)).toEqual({ spec: podSpec, path });
  });

  test("objects that run no containers have none", () => {
    expect(podSpecOf({ kind: "ConfigMap" })).toBeUndefined();
    expect(podSpecOf({ kind: "Deployment", spec: {} })).toBeUndefined();
    expect(podSpecOf({ kind: "Deployment", spec: { template: { metadata: { labels: { app: "a" } } } } })).toBeUndefined();
    expect(podSpecOf({ kind: "CronJob", spec: { jobTemplate: { spec: {} } } })).toBeUndefined();
    expect(podSpecOf({ kind: "CronJob", spec: { template: { spec: podSpec } } })).toBeUndefined();
    expect(containersOf({ kind: "Service", spec: {} })).toEqual([]);
  });

  test("a workload's pod labels are its template's; objects without a template have none", () => {
    const labels = { app: "medusa", tier: "api" };
    expect(podLabels({ kind: "Deployment", spec: { template: { metadata: { labels }, spec: podSpec } } })).toEqual(labels);
    expect(podLabels({ kind: "CronJob", spec: { jobTemplate: { spec: { template: { metadata: { labels }, spec: podSpec } } } } })).toEqual(labels);
    expect(podLabels({ kind: "Deployment", spec: { template: { spec: podSpec } } })).toEqual({});
    expect(podLabels({ kind: "Service", spec: { selector: labels } })).toEqual({});
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

describe("what a pod names, in detail", () => {
  const refs = (spec: object) => podReferences({ kind: "Pod", spec });

  test("the deprecated serviceAccount counts when serviceAccountName is unset", () => {
    expect(refs({ serviceAccount: "legacy", containers: [] })).toEqual([
      { kind: "ServiceAccount", name: "legacy", via: "serviceAccountName", from: "serviceAccount", field: "spec.serviceAccount", optional: false },
    ]);
    expect(refs({ serviceAccountName: "runner", serviceAccount: "legacy", containers: [] }).map((r) => r.name)).toEqual(["runner"]);
  });

  test("optional volume sources and env keys are marked, each with the field of its name", () => {
    expect(refs({
      volumes: [
        { name: "a", configMap: { name: "cm", optional: true } },
        { name: "b", secret: { secretName: "sec", optional: true } },
        { name: "c", projected: { sources: [{ configMap: { name: "pcm", optional: true } }, { secret: { name: "psec", optional: true } }] } },
      ],
      initContainers: [{ name: "init", env: [
        { name: "X", valueFrom: { configMapKeyRef: { name: "xcm", key: "x", optional: true } } },
        { name: "Y", valueFrom: { secretKeyRef: { name: "ysec", key: "y", optional: true } } },
      ] }],
      containers: [{ name: "app", envFrom: [{ configMapRef: { name: "efcm", optional: true } }] }],
    })).toEqual([
      { kind: "ConfigMap", name: "cm", via: "volume", from: "volume a", field: "spec.volumes[0].configMap.name", optional: true },
      { kind: "Secret", name: "sec", via: "volume", from: "volume b", field: "spec.volumes[1].secret.secretName", optional: true },
      { kind: "ConfigMap", name: "pcm", via: "volume", from: "volume c", field: "spec.volumes[2].projected.sources[0].configMap.name", optional: true },
      { kind: "Secret", name: "psec", via: "volume", from: "volume c", field: "spec.volumes[2].projected.sources[1].secret.name", optional: true },
      { kind: "ConfigMap", name: "xcm", via: "env", from: "initContainer init env X", field: "spec.initContainers[0].env[0].valueFrom.configMapKeyRef.name", optional: true, key: "x" },
      { kind: "Secret", name: "ysec", via: "env", from: "initContainer init env Y", field: "spec.initContainers[0].env[1].valueFrom.secretKeyRef.name", optional: true, key: "y" },
      { kind: "ConfigMap", name: "efcm", via: "envFrom", from: "container app envFrom", field: "spec.containers[0].envFrom[0].configMapRef.name", optional: true },
    ]);
  });

  test("a reference without a name names nothing", () => {
    expect(refs({
      imagePullSecrets: [{}],
      volumes: [{ name: "a", configMap: {} }],
      containers: [{ name: "app", envFrom: [{ configMapRef: {} }], env: [{ name: "X", valueFrom: { secretKeyRef: { key: "x" } } }] }],
    })).toEqual([]);
  });
});
