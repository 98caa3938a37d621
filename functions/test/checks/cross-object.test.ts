import { describe, expect, test } from "vitest";
import { shopModel } from "../../src/core/shop-model.ts";
import { checkCrossObject } from "../../src/checks/cross-object.ts";
import type { KubeObject } from "../../src/core/kube.ts";
import { container, deployment, policy, view } from "../support/hand-built-overlay.ts";

const MEDUSA_IMAGE = "ghcr.io/ekenheim/ecom/medusa:b60245b";

/** A medusa-image pod template with the given envFrom, a declared port 9000 and a pull secret. */
function medusa(name: string, app: string, envFrom: unknown[] = [{ configMapRef: { name: "medusa-config" } }, { secretRef: { name: "medusa-secret" } }]): KubeObject {
  const d = deployment(name, app, [{ ...container(name, MEDUSA_IMAGE), ports: [{ name: "http", containerPort: 9000 }], envFrom }]);
  d.spec.template.spec.imagePullSecrets = [{ name: "ghcr-credentials" }];
  return d;
}

const configMap = (name: string): KubeObject => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name } });
const svc = (name: string, selector: Record<string, string> | undefined, ports: unknown[]): KubeObject => ({
  apiVersion: "v1", kind: "Service", metadata: { name }, spec: { ...(selector ? { selector } : {}), ports },
});
const pdb = (name: string, selector: unknown): KubeObject => ({ apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: { name }, spec: { maxUnavailable: 1, selector } });
const netpol = (name: string, podSelector: unknown): KubeObject => ({ apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name }, spec: { podSelector } });
const ingressTo = (service: string, port: Record<string, unknown>): KubeObject => ({
  apiVersion: "networking.k8s.io/v1", kind: "Ingress", metadata: { name: "ecom-ingress" },
  spec: { rules: [{ host: "shop.example.com", http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: service, port } } }] } }] },
});

const PROVISIONED = policy({ provisionedSecrets: ["medusa-secret"] });
const check = (objects: KubeObject[], p = PROVISIONED) => checkCrossObject(shopModel(view(objects)), p);
const messages = (objects: KubeObject[], p = PROVISIONED) => check(objects, p).map((r) => `${r.resourceRef?.kind} ${r.resourceRef?.name} ${r.field?.path}: ${r.message}`);
const base = () => [medusa("medusa", "medusa"), configMap("medusa-config")];

describe("cross-object checks", () => {
  test("a consistent overlay passes", () => {
    expect(messages([...base(), svc("medusa", { app: "medusa" }, [{ port: 9000, targetPort: "http" }]), ingressTo("medusa", { number: 9000 })])).toEqual([]);
  });

  describe("Services", () => {
    test("a selector that matches no pod template is an error on spec.selector", () => {
      expect(messages([...base(), svc("medusa", { app: "medusaa" }, [{ port: 9000 }])])).toEqual([
        'Service medusa spec.selector: selector {"app":"medusaa"} matches no pod template in the output',
      ]);
    });

    test("a targetPort no selected container declares is an error, by number and by name", () => {
      expect(messages([...base(), svc("medusa", { app: "medusa" }, [{ port: 80, targetPort: 8080 }, { port: 81, targetPort: "metrics" }])])).toEqual([
        "Service medusa spec.ports[0].targetPort: targetPort 8080 is not a container port of the pods it selects (Deployment medusa)",
        'Service medusa spec.ports[1].targetPort: targetPort "metrics" is not a container port of the pods it selects (Deployment medusa)',
      ]);
    });

    test("a Service without a selector (ExternalName, manual endpoints) is not checked", () => {
      expect(messages([...base(), svc("postgres", undefined, [{ port: 5432 }])])).toEqual([]);
    });
  });

  describe("Ingress backends", () => {
    test("a backend naming a missing Service or a port the Service lacks is an error", () => {
      const ok = svc("medusa", { app: "medusa" }, [{ name: "http", port: 9000 }]);
      expect(messages([...base(), ok, ingressTo("search", { number: 7700 })])).toEqual([
        'Ingress ecom-ingress spec.rules[0].http.paths[0].backend.service.name: names the Service "search", which is not in the output',
      ]);
      expect(messages([...base(), ok, ingressTo("medusa", { number: 8000 })])).toEqual([
        'Ingress ecom-ingress spec.rules[0].http.paths[0].backend.service.port: Service "medusa" has no port 8000 (it has 9000)',
      ]);
      expect(messages([...base(), ok, ingressTo("medusa", { name: "http" })])).toEqual([]);
    });
  });

  describe("probe ports", () => {
    test("a probe on a port the container does not declare is an error; a named declared port passes", () => {
      const d = medusa("medusa", "medusa");
      d.spec.template.spec.containers[0].readinessProbe = { httpGet: { path: "/health", port: "http" } };
      d.spec.template.spec.containers[0].livenessProbe = { tcpSocket: { port: 9001 } };
      expect(messages([d, configMap("medusa-config")])).toEqual([
        'Deployment medusa spec.template.spec.containers[0].livenessProbe.tcpSocket.port: container "medusa": livenessProbe port 9001 is not a port the container declares (9000)',
      ]);
    });
  });

  describe("ConfigMap and Secret references", () => {
    test("a missing ConfigMap, or a Secret neither in the output nor provisioned, is an error", () => {
      expect(messages([medusa("medusa", "medusa")], policy())).toEqual([
        'Deployment medusa spec.template.spec.containers[0].envFrom[0].configMapRef.name: reads the ConfigMap "medusa-config", which is not in the output',
        "Deployment medusa spec.template.spec.containers[0].envFrom[1].secretRef.name: reads the Secret \"medusa-secret\", which is neither in the output nor in the DeployPolicy's spec.provisionedSecrets",
      ]);
    });

    test("a Secret in the output, made by an ExternalSecret, or provisioned satisfies the reference", () => {
      const secret: KubeObject = { apiVersion: "v1", kind: "Secret", metadata: { name: "medusa-secret" } };
      const external: KubeObject = { apiVersion: "external-secrets.io/v1", kind: "ExternalSecret", metadata: { name: "x" }, spec: { target: { name: "medusa-secret" } } };
      expect(messages([...base(), secret], policy())).toEqual([]);
      expect(messages([...base(), external], policy())).toEqual([]);
      expect(messages(base())).toEqual([]);
    });

    test("volumes, projected sources and env keyRefs count; optional references do not", () => {
      const d = medusa("medusa", "medusa", []);
      d.spec.template.spec.volumes = [
        { name: "a", secret: { secretName: "tls" } },
        { name: "b", projected: { sources: [{ configMap: { name: "extra" } }] } },
        { name: "c", configMap: { name: "maybe", optional: true } },
      ];
      d.spec.template.spec.containers[0].env = [{ name: "K", valueFrom: { secretKeyRef: { name: "keys", key: "k" } } }];
      expect(check([d], policy()).map((r) => r.field?.path)).toEqual([
        "spec.template.spec.volumes[0].secret.secretName",
        "spec.template.spec.volumes[1].projected.sources[0].configMap.name",
        "spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef.name",
      ]);
    });
  });

  describe("pull secret", () => {
    test("a pod running a private-registry image without imagePullSecrets is an error", () => {
      const d = medusa("medusa", "medusa");
      delete d.spec.template.spec.imagePullSecrets;
      expect(messages([d, configMap("medusa-config")])).toEqual([
        `Deployment medusa spec.template.spec.imagePullSecrets: runs ${MEDUSA_IMAGE} but names no imagePullSecrets; the registry is private`,
      ]);
    });

    test("public images need none", () => {
      expect(messages([deployment("redis", "redis", [container("redis", "redis:7-alpine")])])).toEqual([]);
    });
  });

  describe("server and worker", () => {
    test("a worker reading other secrets or config than the server is an error", () => {
      const worker = medusa("medusa-worker", "medusa-worker", [{ configMapRef: { name: "medusa-config" } }, { secretRef: { name: "worker-secret" } }]);
      expect(messages([...base(), worker], policy({ provisionedSecrets: ["medusa-secret", "worker-secret"] }))).toEqual([
        'Deployment medusa-worker spec.template.spec.containers: runs the medusa server\'s image but reads other config and secrets than Deployment "medusa" (lacks Secret medusa-secret; adds Secret worker-secret)',
      ]);
      expect(messages([...base(), medusa("medusa-worker", "medusa-worker")])).toEqual([]);
    });
  });

  describe("PodDisruptionBudgets and NetworkPolicies", () => {
    test("one that selects no pod template is an error; matchExpressions and the empty selector count", () => {
      expect(messages([...base(), pdb("medusa", { matchLabels: { app: "medusa" } }), netpol("all", {}), netpol("expr", { matchExpressions: [{ key: "app", operator: "In", values: ["medusa"] }] })])).toEqual([]);
      expect(messages([...base(), pdb("gone", { matchLabels: { app: "gone" } }), netpol("search", { matchLabels: { app: "meilisearch" } })])).toEqual([
        'PodDisruptionBudget gone spec.selector: selector {"matchLabels":{"app":"gone"}} matches no pod template in the output',
        'NetworkPolicy search spec.podSelector: podSelector {"matchLabels":{"app":"meilisearch"}} matches no pod template in the output',
      ]);
    });

    test("an operator Kubernetes does not define is reported, not guessed", () => {
      expect(messages([...base(), netpol("odd", { matchExpressions: [{ key: "app", operator: "Gt", values: ["1"] }] })])).toEqual([
        "NetworkPolicy odd spec.podSelector: uses the selector operator Gt, which Kubernetes does not define (In, NotIn, Exists, DoesNotExist)",
      ]);
    });
  });
});
