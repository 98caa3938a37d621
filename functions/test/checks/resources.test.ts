import { describe, expect, test } from "vitest";
import type { KubeObject } from "../../src/core/kube.ts";
import { boundsFor, checkResources } from "../../src/checks/resources.ts";
import { RESOURCES, container, deployment, policy, view } from "../support/hand-built-overlay.ts";

const res = (requests: Record<string, unknown>, limits: Record<string, unknown>) => ({ requests, limits });
const check = (objects: KubeObject[], p = policy(), opts = {}) => checkResources(view(objects, opts), p);
const medusa = (resources: unknown, init?: unknown[]) => deployment("medusa", "medusa", [container("medusa", "m:1", resources)], init);
const fields = (objects: KubeObject[], p = policy()) => check(objects, p).map((r) => r.field?.path);

describe("checkResources", () => {
  test("a workload inside its bounds passes", () => {
    expect(check([medusa(RESOURCES)])).toEqual([]);
  });

  test("each missing request and limit is its own error", () => {
    const out = check([medusa({ requests: { cpu: "250m" } })]);
    expect(out.map((r) => r.field?.path)).toEqual([
      "spec.template.spec.containers[0].resources.limits.cpu",
      "spec.template.spec.containers[0].resources.requests.memory",
      "spec.template.spec.containers[0].resources.limits.memory",
    ]);
    expect(out[0]).toMatchObject({
      severity: "error",
      message: 'container "medusa": no cpu limit; every container needs CPU and memory requests and limits',
      resourceRef: { apiVersion: "apps/v1", kind: "Deployment", name: "medusa" },
    });
  });

  test("a container with no resources at all gets four errors", () => {
    expect(check([deployment("medusa", "medusa", [{ name: "medusa", image: "m:1" }])])).toHaveLength(4);
  });

  test.each(["1Gb", "-1", "500mi", "", "1 Gi"])("the memory limit %j is not a quantity", (q) => {
    const out = check([medusa(res(RESOURCES.requests, { cpu: "1", memory: q }))]);
    expect(out).toEqual([expect.objectContaining({
      message: expect.stringContaining(`memory limits "${q}" is not a valid Kubernetes quantity`),
      field: { path: "spec.template.spec.containers[0].resources.limits.memory" },
    })]);
  });

  test("a request above its limit is an error on the request, compared as quantities", () => {
    expect(fields([medusa(res({ cpu: "600m", memory: "1Gi" }, { cpu: "0.5", memory: "1024Mi" }))], policy({ resources: { workloads: { medusa: {} } } })))
      .toEqual(["spec.template.spec.containers[0].resources.requests.cpu"]);
  });

  test("a 700m request under a 0.7 limit is equal, not above: quantities compare exactly", () => {
    const p = policy({ resources: { workloads: { medusa: {} } } });
    expect(fields([medusa(res({ cpu: "700m", memory: "1073741824" }, { cpu: "0.7", memory: "1Gi" }))], p)).toEqual([]);
    expect(fields([medusa(res({ cpu: "700m", memory: "1Gi" }, { cpu: 0.7, memory: "1Gi" }))], p)).toEqual([]);
    expect(fields([medusa(res({ cpu: "700000001n", memory: "1Gi" }, { cpu: "0.7", memory: "1Gi" }))], p))
      .toEqual(["spec.template.spec.containers[0].resources.requests.cpu"]);
  });

  test("below the minimum request or above the maximum limit is an error", () => {
    const out = check([medusa(res({ cpu: "100m", memory: "512Mi" }, { cpu: "1", memory: "2Gi" }))]);
    expect(out.map((r) => r.message)).toEqual([
      'container "medusa": cpu request 100m is below the policy minimum 250m',
      'container "medusa": memory limit 2Gi is above the policy maximum 1Gi',
    ]);
  });

  test("bounds are the policy's when it sets them for a workload", () => {
    const p = policy({ resources: { workloads: { medusa: { cpu: { min: "500m", max: 2 } } } } });
    expect(check([medusa(res({ cpu: "250m", memory: "4Gi" }, { cpu: "2", memory: "8Gi" }))], p).map((r) => r.message))
      .toEqual(['container "medusa": cpu request 250m is below the policy minimum 500m']);
  });

  test("a workload with no bounds only needs valid, consistent values", () => {
    expect(check([deployment("grafana", "grafana", [container("grafana", "g:1", res({ cpu: "1m", memory: "1Mi" }, { cpu: "64", memory: "1Ti" }))])])).toEqual([]);
  });

  test("init containers get the init-container bounds, not the workload's", () => {
    const init = container("wait", "busybox:1.36", res({ cpu: "5m", memory: "16Mi" }, { cpu: "200m", memory: "32Mi" }));
    const out = check([medusa(RESOURCES, [init])]);
    expect(out.map((r) => [r.field?.path, r.message])).toEqual([
      ["spec.template.spec.initContainers[0].resources.requests.cpu", 'container "wait": cpu request 5m is below the policy minimum 10m'],
      ["spec.template.spec.initContainers[0].resources.limits.cpu", 'container "wait": cpu limit 200m is above the policy maximum 100m'],
    ]);
    const relaxed = policy({ resources: { initContainers: { cpu: { max: "250m" } } } });
    expect(check([medusa(RESOURCES, [init])], relaxed)).toEqual([]);
  });

  const bad = container("app", "a:1", res({ cpu: "2", memory: "16Mi" }, { cpu: "1", memory: "32Mi" }));
  const template = { metadata: { labels: { app: "x" } }, spec: { containers: [bad] } };
  test.each<[string, KubeObject, string]>([
    ["Pod", { apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { containers: [bad] } }, "spec"],
    ["Deployment", { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d" }, spec: { template } }, "spec.template.spec"],
    ["StatefulSet", { apiVersion: "apps/v1", kind: "StatefulSet", metadata: { name: "s" }, spec: { template } }, "spec.template.spec"],
    ["DaemonSet", { apiVersion: "apps/v1", kind: "DaemonSet", metadata: { name: "d" }, spec: { template } }, "spec.template.spec"],
    ["ReplicaSet", { apiVersion: "apps/v1", kind: "ReplicaSet", metadata: { name: "r" }, spec: { template } }, "spec.template.spec"],
    ["ReplicationController", { apiVersion: "v1", kind: "ReplicationController", metadata: { name: "r" }, spec: { template } }, "spec.template.spec"],
    ["Job", { apiVersion: "batch/v1", kind: "Job", metadata: { name: "j" }, spec: { template } }, "spec.template.spec"],
    ["CronJob", { apiVersion: "batch/v1", kind: "CronJob", metadata: { name: "c" }, spec: { jobTemplate: { spec: { template } } } }, "spec.jobTemplate.spec.template.spec"],
  ])("a %s's containers are checked", (kind, obj, path) => {
    const out = check([obj]);
    expect(out).toEqual([expect.objectContaining({ field: { path: `${path}.containers[0].resources.requests.cpu` }, resourceRef: expect.objectContaining({ kind }) })]);
  });

  test("objects that run no containers are ignored", () => {
    expect(check([{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: {} }, { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d" } }])).toEqual([]);
  });

  test("a finding names the file of the container when the view knows it", () => {
    const c = container("medusa", "m:1", res({ cpu: "250m" }, {}));
    const obj = deployment("medusa", "medusa", [c]);
    const out = checkResources(view([obj], { files: new Map<object, string>([[obj, "base/deployment.yaml"], [c, "overlays/prod/resources.yaml"]]) }), policy());
    expect(new Set(out.map((r) => r.file?.path))).toEqual(new Set(["overlays/prod/resources.yaml"]));
  });
});

describe("checkResources: messages and where they point", () => {
  const P = "spec.template.spec.containers[0].resources";

  test("missing, null and invalid values each say which and what a valid one looks like", () => {
    const out = check([medusa(res({ cpu: null, memory: "lots" }, { cpu: "1 core", memory: "1Gi" }))]);
    expect(out.map((r) => [r.field?.path, r.message])).toEqual([
      [`${P}.requests.cpu`, 'container "medusa": no cpu request; every container needs CPU and memory requests and limits'],
      [`${P}.limits.cpu`, 'container "medusa": cpu limits "1 core" is not a valid Kubernetes quantity (e.g. 250m or 1)'],
      [`${P}.requests.memory`, 'container "medusa": memory requests "lots" is not a valid Kubernetes quantity (e.g. 512Mi or 1Gi)'],
    ]);
    expect(out.map((r) => r.tags.code)).toEqual(["resources-missing", "resources-invalid", "resources-invalid"]);
  });

  test("a request above its limit says both values", () => {
    const out = check([medusa(res({ cpu: "250m", memory: "1Gi" }, { cpu: "1", memory: "768Mi" }))], policy({ resources: { workloads: { medusa: {} } } }));
    expect(out).toEqual([expect.objectContaining({
      message: 'container "medusa": memory request 1Gi is above its limit 768Mi', field: { path: `${P}.requests.memory` }, tags: { code: "resources-request-above-limit" },
    })]);
  });

  test("a finding names the file of the most specific patch that set the value", () => {
    const resources = res({ cpu: "100m", memory: "512Mi" }, { cpu: "2", memory: "2Gi" });
    const c = container("medusa", "m:1", resources);
    const obj = deployment("medusa", "medusa", [c]);
    const patches = new Map<object, Map<string, string>>([
      [c, new Map([["resources", "overlays/prod/resources.yaml"]])],
      [resources, new Map([["limits", "overlays/prod/limits.yaml"]])],
      [resources.limits, new Map([["memory", "overlays/prod/memory.yaml"]])],
    ]);
    const v = view([obj]);
    v.fileOf = (node, field) => (field === undefined ? undefined : patches.get(node)?.get(field));
    expect(checkResources(v, policy()).map((r) => [r.field?.path, r.file?.path])).toEqual([
      [`${P}.requests.cpu`, "overlays/prod/resources.yaml"],
      [`${P}.limits.cpu`, "overlays/prod/limits.yaml"],
      [`${P}.limits.memory`, "overlays/prod/memory.yaml"],
    ]);
  });

  test("a null container lacks every request and limit", () => {
    expect(check([deployment("medusa", "medusa", [null])]).map((r) => r.message)).toEqual([
      'container "undefined": no cpu request; every container needs CPU and memory requests and limits',
      'container "undefined": no cpu limit; every container needs CPU and memory requests and limits',
      'container "undefined": no memory request; every container needs CPU and memory requests and limits',
      'container "undefined": no memory limit; every container needs CPU and memory requests and limits',
    ]);
  });

  test("a workload without a name is still checked, against no workload's bounds", () => {
    const pod: KubeObject = { apiVersion: "v1", kind: "Pod", metadata: {}, spec: { containers: [container("app", "a:1", res({ cpu: "1m", memory: "1Mi" }, {}))] } };
    expect(check([pod]).map((r) => r.field?.path)).toEqual(["spec.containers[0].resources.limits.cpu", "spec.containers[0].resources.limits.memory"]);
  });
});

describe("boundsFor", () => {
  // Each key its own bounds, so the test tells which key was chosen (in the default table several share one).
  const table = Object.fromEntries(
    ["medusa", "medusa-worker", "medusa-migrate", "storefront", "redis"].map((key, i) => [key, { cpu: { max: `${i + 1}` } }]),
  );
  const b = (name: string, namePrefix = "") => boundsFor(name, view([], { namePrefix }), table);

  test.each([
    ["medusa", "medusa"],
    ["medusa-worker", "medusa-worker"],
    ["medusa-migrate-b60245b", "medusa-migrate"],
    ["shop-medusa", "medusa"],
    ["ecom-storefront", "storefront"],
    ["redis-0", "redis"],
  ])("%s takes the bounds of %s", (name, key) => {
    expect(b(name)).toEqual(table[key]);
  });

  test("the longest matching key wins, so medusa-worker is not medusa", () => {
    expect(b("medusa-worker-abc")).toEqual(table["medusa-worker"]);
    expect(b("shop-medusa-worker")).toEqual(table["medusa-worker"]);
  });

  test("a pending namePrefix is taken off first", () => {
    expect(b("prod-medusa-migrate-b60245b", "prod-")).toEqual(table["medusa-migrate"]);
    // A name that does not carry the prefix keeps all its characters.
    expect(b("redis-0", "prod-")).toEqual(table.redis);
  });

  test("a name that only contains a key in the middle has no bounds", () => {
    expect(b("my-medusa-thing")).toBeUndefined();
    expect(b("medusajs")).toBeUndefined();
  });
});
