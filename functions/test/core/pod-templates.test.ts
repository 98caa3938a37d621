import { describe, expect, test } from "vitest";
import { configReferences, podTemplates, sameNamespace } from "../../src/core/pod-templates.ts";
import { container, deployment } from "../support/hand-built-overlay.ts";

describe("pod templates", () => {
  test("each workload's template, with its owner's namespace, its labels, spec and where the spec sits; other objects have none", () => {
    const d = { ...deployment("medusa", "medusa", [container("medusa", "m:1")]), metadata: { name: "medusa", namespace: "shop" } };
    const cronJob = { kind: "CronJob", metadata: { name: "c" }, spec: { jobTemplate: { spec: { template: { spec: { containers: [] } } } } } };
    expect(podTemplates([d, { kind: "Service", metadata: { name: "medusa" }, spec: {} }, cronJob])).toEqual([
      { owner: d, namespace: "shop", labels: { app: "medusa" }, spec: d.spec.template.spec, path: "spec.template.spec" },
      { owner: cronJob, namespace: undefined, labels: {}, spec: { containers: [] }, path: "spec.jobTemplate.spec.template.spec" },
    ]);
  });

  test("the config a pod reads is its ConfigMaps and Secrets, not its pull secrets, ServiceAccount or claims", () => {
    const pod = {
      kind: "Pod", metadata: { name: "p" },
      spec: {
        serviceAccountName: "runner", imagePullSecrets: [{ name: "pull" }],
        volumes: [{ name: "data", persistentVolumeClaim: { claimName: "data" } }, { name: "certs", secret: { secretName: "certs" } }],
        containers: [{ name: "app", envFrom: [{ configMapRef: { name: "app-config" } }] }],
      },
    };
    expect(configReferences(pod).map((r) => `${r.kind} ${r.name}`)).toEqual(["Secret certs", "ConfigMap app-config"]);
  });

  test.each([
    ["shop", "shop", true],
    ["shop", "ops", false],
    [undefined, "ops", true],
    ["shop", undefined, true],
    [undefined, undefined, true],
  ])("namespaces %s and %s are the same: %s", (a, b, same) => {
    expect(sameNamespace(a, b)).toBe(same);
  });
});
