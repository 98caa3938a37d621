import { describe, expect, test } from "vitest";
import type { KubeObject } from "../../src/core/kube.ts";
import { checkShapes } from "../../src/checks/shapes.ts";
import { container, deployment } from "../support/hand-built-overlay.ts";

/** Each finding as field: message, for the one object given. */
const problems = (o: KubeObject) =>
  checkShapes([o]).map((r) => {
    expect(r).toMatchObject({ severity: "error", tags: { code: "field-shape" }, resourceRef: { apiVersion: o.apiVersion, kind: o.kind } });
    return `${r.field?.path}: ${r.message}`;
  });

const withPod = (kind: string, podSpec: unknown): KubeObject => {
  const template = { metadata: { labels: { app: "a" } }, spec: podSpec };
  if (kind === "Pod") return { apiVersion: "v1", kind, metadata: { name: "p" }, spec: podSpec };
  if (kind === "CronJob") return { apiVersion: "batch/v1", kind, metadata: { name: "c" }, spec: { schedule: "@daily", jobTemplate: { spec: { template } } } };
  return { apiVersion: "apps/v1", kind, metadata: { name: "w" }, spec: { template } };
};

describe("checkShapes: the fields the function reads have the types Kubernetes gives them", () => {
  test("well-shaped objects, and absent or null fields, are fine", () => {
    expect(checkShapes([
      deployment("medusa", "medusa", [container("medusa", "img:1")], [container("init", "img:1")]),
      { apiVersion: "v1", kind: "Service", metadata: { name: "s" }, spec: { selector: { app: "a" }, ports: [{ port: 80 }] } },
      { apiVersion: "v1", kind: "Service", metadata: { name: "s" }, spec: { selector: null, ports: null } },
      { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: { A: "1" } },
      { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "no-spec" } },
      withPod("Deployment", { containers: [{ name: "a", image: null, envFrom: [{ configMapRef: { name: "c" } }], resources: { requests: null } }] }),
      withPod("Job", null),
      withPod("Deployment", { containers: [{ name: "no-resources" }] }),
      { apiVersion: "v1", kind: "Service", metadata: { name: "no-spec" } },
      { apiVersion: "batch/v1", kind: "CronJob", metadata: { name: "no-spec" } },
      { apiVersion: "batch/v1", kind: "CronJob", metadata: { name: "no-job-template" }, spec: {} },
      { apiVersion: "batch/v1", kind: "CronJob", metadata: { name: "no-job-spec" }, spec: { jobTemplate: {} } },
    ])).toEqual([]);
  });

  test("kinds the function does not read are not checked", () => {
    expect(checkShapes([{ apiVersion: "example.com/v1", kind: "Widget", metadata: { name: 7 as any }, spec: "anything" }])).toEqual([]);
  });

  test("a name that is not a string is the only finding about its object", () => {
    expect(problems({ apiVersion: "v1", kind: "Service", metadata: { name: 7 as any }, spec: "x" })).toEqual(["metadata.name: must be a string, got 7"]);
  });

  test("a spec that is not a mapping is the only finding about its object", () => {
    expect(problems({ apiVersion: "v1", kind: "Service", metadata: { name: "s" }, spec: ["x"] })).toEqual(['spec: must be a mapping, got ["x"]']);
    expect(problems({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d" }, spec: "x" })).toEqual(['spec: must be a mapping, got "x"']);
  });

  test("a Service's selector is a mapping and its ports a list of mappings", () => {
    expect(problems({ apiVersion: "v1", kind: "Service", metadata: { name: "s" }, spec: { selector: ["app=a"], ports: [80] } }))
      .toEqual(['spec.selector: must be a mapping, got ["app=a"]', "spec.ports: must be a list of mappings, got [80]"]);
    expect(problems({ apiVersion: "v1", kind: "Service", metadata: { name: "s" }, spec: { ports: { port: 80 } } }))
      .toEqual(['spec.ports: must be a list of mappings, got {"port":80}']);
  });

  test("only a Service's selector and ports are read as a Service's", () => {
    expect(problems({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, spec: { selector: ["x"], ports: "x" } })).toEqual([]);
  });

  test.each([
    ["Deployment", "spec.template"],
    ["StatefulSet", "spec.template"],
    ["Job", "spec.template"],
    ["CronJob", "spec.jobTemplate.spec.template"],
  ])("a %s's pod template is a mapping, and so is its spec", (kind, at) => {
    const o = withPod(kind, "x");
    expect(problems(o)).toEqual([`${at}.spec: must be a mapping, got "x"`]);
    const noTemplate = structuredClone(o);
    if (kind === "CronJob") noTemplate.spec.jobTemplate.spec.template = [1];
    else noTemplate.spec.template = [1];
    expect(problems(noTemplate)).toEqual([`${at}: must be a mapping, got [1]`]);
  });

  test("a Pod's spec is its pod spec; it has no template", () => {
    expect(problems({ apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { template: "x", containers: "x" } }))
      .toEqual(['spec.containers: must be a list of mappings, got "x"']);
  });

  test.each([
    ["Deployment", "spec.template.spec"],
    ["CronJob", "spec.jobTemplate.spec.template.spec"],
    ["Pod", "spec"],
  ])("%s: both container lists are lists of mappings, each checked", (kind, at) => {
    expect(problems(withPod(kind, { initContainers: "x", containers: [{ name: "a" }, "b"] }))).toEqual([
      `${at}.initContainers: must be a list of mappings, got "x"`,
      `${at}.containers: must be a list of mappings, got [{"name":"a"},"b"]`,
    ]);
  });

  test("each container's name, image, envFrom, resources and its requests and limits have their types", () => {
    const bad = { name: 1, image: ["img"], envFrom: [{ configMapRef: { name: "c" } }, "x"], resources: { requests: "1", limits: ["1"] } };
    expect(problems(withPod("Deployment", { initContainers: [container("init", "img:1")], containers: [container("ok", "img:1"), bad] }))).toEqual([
      "spec.template.spec.containers[1].name: must be a string, got 1",
      'spec.template.spec.containers[1].image: must be a string, got ["img"]',
      'spec.template.spec.containers[1].envFrom: must be a list of mappings, got [{"configMapRef":{"name":"c"}},"x"]',
      'spec.template.spec.containers[1].resources.requests: must be a mapping, got "1"',
      'spec.template.spec.containers[1].resources.limits: must be a mapping, got ["1"]',
    ]);
    expect(problems(withPod("Deployment", { initContainers: [{ name: "i", resources: "small" }] })))
      .toEqual(['spec.template.spec.initContainers[0].resources: must be a mapping, got "small"']);
  });

  test("every object is checked, each finding naming its own", () => {
    const found = checkShapes([
      { apiVersion: "v1", kind: "Service", metadata: { name: "one", namespace: "shop" }, spec: "x" },
      { apiVersion: "v1", kind: "Service", metadata: { name: "two" }, spec: "y" },
    ]);
    expect(found.map((r) => r.resourceRef)).toEqual([
      { apiVersion: "v1", kind: "Service", name: "one", namespace: "shop" },
      { apiVersion: "v1", kind: "Service", name: "two" },
    ]);
  });

  test("the pod lists object references are read from are lists of mappings, a projected volume's sources too", () => {
    expect(problems(withPod("Deployment", { imagePullSecrets: "regcred", volumes: [null], containers: [] })))
      .toEqual(['spec.template.spec.imagePullSecrets: must be a list of mappings, got "regcred"', "spec.template.spec.volumes: must be a list of mappings, got [null]"]);
    expect(problems(withPod("Pod", { imagePullSecrets: [null], containers: [] })))
      .toEqual(["spec.imagePullSecrets: must be a list of mappings, got [null]"]);
    expect(problems(withPod("Deployment", { volumes: [{ name: "a", projected: "x" }, { name: "b", projected: { sources: { secret: { name: "s" } } } }], containers: [] }))).toEqual([
      'spec.template.spec.volumes[0].projected: must be a mapping, got "x"',
      'spec.template.spec.volumes[1].projected.sources: must be a list of mappings, got {"secret":{"name":"s"}}',
    ]);
    expect(problems(withPod("Deployment", { imagePullSecrets: [{ name: "r" }], volumes: [{ name: "a", projected: { sources: [{ secret: { name: "s" } }] } }], containers: [] }))).toEqual([]);
  });

  test("a container's env is a list of mappings", () => {
    expect(problems(withPod("Job", { containers: [{ name: "a", env: { A: "1" } }] })))
      .toEqual(['spec.template.spec.containers[0].env: must be a list of mappings, got {"A":"1"}']);
  });
});
