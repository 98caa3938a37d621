import { describe, expect, test } from "vitest";
import { shopModel } from "../../src/core/shop-model.ts";
import { checkCrossObject } from "../../src/checks/cross-object.ts";
import type { KubeObject } from "../../src/core/kube.ts";
import { container, deployment, policy, view } from "../support/hand-built-overlay.ts";

// Each case varies one thing of a small overlay and reads the findings as a user would: object, field, message, file.
const IMAGE = "ghcr.io/ekenheim/ecom/medusa:b60245b";
const PULL = [{ name: "ghcr-credentials" }];

function app(name: string, opts: { image?: string; ports?: unknown[]; envFrom?: unknown[]; pull?: unknown; namespace?: string; extra?: Record<string, unknown> } = {}): KubeObject {
  const d = deployment(name, name, [{ ...container(name, opts.image ?? "nginx:1.27"), ports: opts.ports ?? [{ name: "http", containerPort: 8080 }], ...(opts.envFrom ? { envFrom: opts.envFrom } : {}), ...opts.extra }]);
  if (opts.pull !== undefined) d.spec.template.spec.imagePullSecrets = opts.pull;
  if (opts.namespace) d.metadata!.namespace = opts.namespace;
  return d;
}
const svc = (name: string, spec: Record<string, unknown>, namespace?: string): KubeObject => ({
  apiVersion: "v1", kind: "Service", metadata: { name, ...(namespace ? { namespace } : {}) }, spec,
});
const ingress = (spec: Record<string, unknown>, namespace?: string): KubeObject => ({
  apiVersion: "networking.k8s.io/v1", kind: "Ingress", metadata: { name: "ing", ...(namespace ? { namespace } : {}) }, spec,
});
const rulesTo = (backend: unknown) => ({ rules: [{ host: "a.example.com", http: { paths: [{ path: "/", pathType: "Prefix", backend }] } }] });
const lines = (objects: KubeObject[], p = policy()) => checkCrossObject(shopModel(view(objects)), p).map((r) => `${r.resourceRef?.kind} ${r.resourceRef?.name} ${r.field?.path}: ${r.message}`);

describe("Services", () => {
  test("a port without targetPort targets its own number", () => {
    expect(lines([app("web"), svc("web", { selector: { app: "web" }, ports: [{ port: 8080 }] })])).toEqual([]);
    expect(lines([app("web"), svc("web", { selector: { app: "web" }, ports: [{ port: 80 }] })])).toEqual([
      "Service web spec.ports[0].targetPort: targetPort 80 is not a container port of the pods it selects (Deployment web)",
    ]);
  });

  test("a named targetPort must be a port name, not a number written as text", () => {
    expect(lines([app("web"), svc("web", { selector: { app: "web" }, ports: [{ port: 80, targetPort: "8080" }] })])).toEqual([
      'Service web spec.ports[0].targetPort: targetPort "8080" is not a container port of the pods it selects (Deployment web)',
    ]);
  });

  test("every selected pod template's ports count, and the message lists them all", () => {
    const a = app("a", { ports: [{ containerPort: 1 }] });
    const b = app("b", { ports: [{ containerPort: 2 }] });
    for (const d of [a, b]) d.spec.template.metadata.labels.tier = "front";
    expect(lines([a, b, svc("front", { selector: { tier: "front" }, ports: [{ port: 2 }, { port: 3 }] })])).toEqual([
      "Service front spec.ports[1].targetPort: targetPort 3 is not a container port of the pods it selects (Deployment a, Deployment b)",
    ]);
  });

  test("init containers' ports count too", () => {
    const d = app("web", { ports: [] });
    d.spec.template.spec.initContainers = [{ ...container("proxy", "envoy:1"), ports: [{ containerPort: 15001 }] }];
    expect(lines([d, svc("web", { selector: { app: "web" }, ports: [{ port: 15001 }] })])).toEqual([]);
  });

  test("Services sharing a selector, in any key order, are each checked", () => {
    const d = app("web");
    d.spec.template.metadata.labels.tier = "front";
    expect(lines([d, svc("one", { selector: { app: "web", tier: "front" }, ports: [{ port: 8080 }] }), svc("two", { selector: { tier: "front", app: "web" }, ports: [{ port: 9 }] })])).toEqual([
      "Service two spec.ports[0].targetPort: targetPort 9 is not a container port of the pods it selects (Deployment web)",
    ]);
  });

  test("a pod template in another namespace is not selected", () => {
    expect(lines([app("web", { namespace: "a" }), svc("web", { selector: { app: "web" }, ports: [{ port: 8080 }] }, "b")])).toEqual([
      'Service web spec.selector: selector {"app":"web"} matches no pod template in the output',
    ]);
    expect(lines([app("web", { namespace: "a" }), svc("web", { selector: { app: "web" }, ports: [{ port: 8080 }] }, "a")])).toEqual([]);
  });

  test("ExternalName Services and empty selectors select nothing on purpose", () => {
    expect(lines([svc("db", { type: "ExternalName", externalName: "db.example.com", selector: { app: "db" } }), svc("manual", { selector: {}, ports: [{ port: 1 }] })])).toEqual([]);
  });

  test("ports that are not a list are no ports", () => {
    expect(lines([app("web"), svc("web", { selector: { app: "web" }, ports: "8080" })])).toEqual([]);
  });

  test("a Service finding names the file that set the field", () => {
    const s = svc("web", { selector: { app: "nope" }, ports: [{ port: 1 }] });
    const v = view([app("web"), s]);
    v.fileOf = (node, field) => (node === s.spec && field === "selector" ? "overlays/prod/selector.yaml" : undefined);
    expect(checkCrossObject(shopModel(v), policy()).map((r) => r.file?.path)).toEqual(["overlays/prod/selector.yaml"]);
    const bad = svc("web", { selector: { app: "web" }, ports: [{ port: 1 }] });
    const v2 = view([app("web"), bad]);
    v2.fileOf = (node) => (node === bad.spec.ports[0] ? "overlays/prod/ports.yaml" : undefined);
    expect(checkCrossObject(shopModel(v2), policy()).map((r) => r.file?.path)).toEqual(["overlays/prod/ports.yaml"]);
  });
});

describe("Ingress backends", () => {
  const web = () => [app("web"), svc("web", { selector: { app: "web" }, ports: [{ name: "http", port: 80, targetPort: 8080 }] })];

  test("the default backend is checked like a rule's", () => {
    expect(lines([...web(), ingress({ defaultBackend: { service: { name: "gone", port: { number: 80 } } } })])).toEqual([
      'Ingress ing spec.defaultBackend.service.name: names the Service "gone", which is not in the output',
    ]);
  });

  test("a port name the Service lacks, and a Service with no ports, are named", () => {
    expect(lines([...web(), ingress(rulesTo({ service: { name: "web", port: { name: "https" } } }))])).toEqual([
      'Ingress ing spec.rules[0].http.paths[0].backend.service.port: Service "web" has no port "https" (it has 80)',
    ]);
    expect(lines([app("web"), svc("web", { selector: { app: "web" } }), ingress(rulesTo({ service: { name: "web", port: { number: 80 } } }))])).toEqual([
      'Ingress ing spec.rules[0].http.paths[0].backend.service.port: Service "web" has no port 80 (it has none)',
    ]);
  });

  test("a Service in another namespace is not the backend", () => {
    const [d, s] = web();
    s!.metadata!.namespace = "other";
    expect(lines([d!, s!, ingress(rulesTo({ service: { name: "web", port: { number: 80 } } }), "shop")])).toEqual([
      'Ingress ing spec.rules[0].http.paths[0].backend.service.name: names the Service "web", which is not in the output',
    ]);
  });

  test("resource backends, rules without http and odd shapes are left alone", () => {
    const spec = { rules: [{ host: "a.example.com" }, null, { http: { paths: "x" } }, { http: { paths: [null, { backend: { resource: { kind: "Bucket", name: "b" } } }] } }] };
    expect(lines([...web(), ingress(spec), ingress({ rules: "x" })])).toEqual([]);
  });

  test("a backend finding names the file that set the rules or the default backend", () => {
    const ing = ingress({ defaultBackend: { service: { name: "gone", port: { number: 1 } } }, ...rulesTo({ service: { name: "web", port: { number: 81 } } }) });
    const v = view([...web(), ing]);
    v.fileOf = (node, field) => (node === ing.spec ? `overlays/prod/${field}.yaml` : undefined);
    expect(checkCrossObject(shopModel(v), policy()).map((r) => r.file?.path)).toEqual(["overlays/prod/defaultBackend.yaml", "overlays/prod/rules.yaml"]);
  });
});

describe("probe ports", () => {
  test("startup and gRPC probes are checked, and a container with no ports declares none", () => {
    const d = app("web", { ports: [], extra: { startupProbe: { grpc: { port: 9090 } } } });
    expect(lines([d])).toEqual([
      'Deployment web spec.template.spec.containers[0].startupProbe.grpc.port: container "web": startupProbe port 9090 is not a port the container declares (none)',
    ]);
  });

  test("a port name matches names only, a number matches numbers only", () => {
    const probes = { readinessProbe: { httpGet: { port: "8080" } }, livenessProbe: { tcpSocket: { port: 8080 } } };
    expect(lines([app("web", { ports: [{ name: "http", containerPort: 8080 }], extra: probes })])).toEqual([
      'Deployment web spec.template.spec.containers[0].readinessProbe.httpGet.port: container "web": readinessProbe port "8080" is not a port the container declares (8080)',
    ]);
  });

  test("a probe finding names the file that set the probe", () => {
    const d = app("web", { extra: { livenessProbe: { tcpSocket: { port: 1 } } } });
    const c = d.spec.template.spec.containers[0];
    const v = view([d]);
    v.fileOf = (node, field) => (node === c && field === "livenessProbe" ? "overlays/prod/probes.yaml" : undefined);
    expect(checkCrossObject(shopModel(v), policy()).map((r) => r.file?.path)).toEqual(["overlays/prod/probes.yaml"]);
  });
});

describe("pull secrets", () => {
  test("an init container from the private registry needs one too; an empty name is none", () => {
    const d = app("web", { pull: [{ name: "" }] });
    d.spec.template.spec.initContainers = [container("seed", IMAGE)];
    expect(lines([d])).toEqual([`Deployment web spec.template.spec.imagePullSecrets: runs ${IMAGE} but names no imagePullSecrets; the registry is private`]);
    expect(lines([app("web", { image: IMAGE, pull: PULL })])).toEqual([]);
  });

  test("another registry's image, or an image that is not text, needs none", () => {
    expect(lines([app("web", { image: "ghcr.io/someone-else/app:1" }), app("odd", { image: 7 as never })])).toEqual([]);
  });

  test("the finding names the file that set imagePullSecrets", () => {
    const d = app("web", { image: IMAGE, pull: [] });
    const v = view([d]);
    v.fileOf = (node, field) => (node === d.spec.template.spec && field === "imagePullSecrets" ? "overlays/prod/pull.yaml" : undefined);
    expect(checkCrossObject(shopModel(v), policy()).map((r) => r.file?.path)).toEqual(["overlays/prod/pull.yaml"]);
  });
});

describe("ConfigMap and Secret references", () => {
  const reader = (...envFrom: unknown[]) => app("web", { envFrom });

  test("a Secret does not satisfy a ConfigMap reference, nor the reverse, and only Secrets can be provisioned", () => {
    const objects = [
      reader({ configMapRef: { name: "cfg" } }, { secretRef: { name: "sec" } }),
      { apiVersion: "v1", kind: "Secret", metadata: { name: "cfg" } },
      { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "sec" } },
    ];
    expect(lines(objects, policy({ provisionedSecrets: ["cfg"] }))).toEqual([
      'Deployment web spec.template.spec.containers[0].envFrom[0].configMapRef.name: reads the ConfigMap "cfg", which is not in the output',
      "Deployment web spec.template.spec.containers[0].envFrom[1].secretRef.name: reads the Secret \"sec\", which is neither in the output nor in the DeployPolicy's spec.provisionedSecrets",
    ]);
  });

  test("an ExternalSecret makes its target, or its own name when it sets none; other kinds and API groups make nothing", () => {
    const es = (apiVersion: string, name: string, spec: unknown = {}): KubeObject => ({ apiVersion, kind: "ExternalSecret", metadata: { name }, spec });
    expect(lines([reader({ secretRef: { name: "a" } }, { secretRef: { name: "b" } }), es("external-secrets.io/v1beta1", "a"), es("external-secrets.io/v1", "x", { target: { name: "b" } })])).toEqual([]);
    const missing = lines([reader({ secretRef: { name: "a" } }), es("example.com/v1", "a"), { apiVersion: "external-secrets.io/v1", kind: "SecretStore", metadata: { name: "a" } }, es("external-secrets.io/v1", "y", { target: { name: 7 } })]);
    expect(missing).toEqual([expect.stringContaining('reads the Secret "a"')]);
    expect(lines([reader({ secretRef: { name: "a" } }), { kind: "ExternalSecret", metadata: { name: "a" } }])).toEqual([expect.stringContaining('reads the Secret "a"')]);
  });

  test("an ExternalSecret without a target writes its name as the build ends it, which no reference follows", () => {
    const es = (spec: unknown): KubeObject => ({ apiVersion: "external-secrets.io/v1", kind: "ExternalSecret", metadata: { name: "s" }, spec });
    const renamed = (objects: KubeObject[], plugin: boolean) => {
      const v = plugin ? view(objects) : view(objects, { namePrefix: "shop-", nameSuffix: "-1" });
      return checkCrossObject(shopModel(v), policy()).map((r) => r.message);
    };
    const asPackage = renamed([reader({ secretRef: { name: "s" } }), es({})], false);
    const built = { ...es({}), metadata: { name: "shop-s-1", annotations: { "internal.config.kubernetes.io/previousNames": "s", "internal.config.kubernetes.io/previousKinds": "ExternalSecret" } } };
    const asPlugin = renamed([reader({ secretRef: { name: "s" } }), built], true);
    const why = 'reads the Secret "s", which is neither in the output nor in the DeployPolicy\'s spec.provisionedSecrets; the ExternalSecret "%s" writes "shop-s-1", ' +
      'because the build renames it and kustomize never renames a reference to it: set its spec.target.name to "s"';
    expect(asPackage).toEqual([why.replace("%s", "s")]);
    expect(asPlugin).toEqual([why.replace("%s", "shop-s-1")]);
    expect(renamed([reader({ secretRef: { name: "s" } }), es({ target: { name: "s" } })], false)).toEqual([]);
    expect(renamed([reader({ secretRef: { name: "shop-s-1" } }), built], true)).toEqual([]);
  });

  test("a pod reads only its own namespace's ConfigMaps and Secrets, an ExternalSecret's too; an object without a namespace is in every one", () => {
    const inNs = (kind: string, name: string, namespace?: string, extra: Record<string, unknown> = {}): KubeObject =>
      ({ apiVersion: kind === "ExternalSecret" ? "external-secrets.io/v1" : "v1", kind, metadata: { name, ...(namespace ? { namespace } : {}) }, ...extra } as KubeObject);
    const web = app("web", { namespace: "a", envFrom: [{ configMapRef: { name: "cfg" } }, { secretRef: { name: "sec" } }] });
    expect(lines([web, inNs("ConfigMap", "cfg", "b"), inNs("ExternalSecret", "x", "b", { spec: { target: { name: "sec" } } })])).toEqual([
      "Deployment web spec.template.spec.containers[0].envFrom[0].configMapRef.name: reads the ConfigMap \"cfg\" in its namespace a, but the output has it only in the namespace b: a pod reads only its own namespace's",
      "Deployment web spec.template.spec.containers[0].envFrom[1].secretRef.name: reads the Secret \"sec\" in its namespace a, but the output has it only in the namespace b: a pod reads only its own namespace's",
    ]);
    expect(lines([web, inNs("ConfigMap", "cfg", "a"), inNs("Secret", "sec", "a")])).toEqual([]);
    expect(lines([web, inNs("ConfigMap", "cfg"), inNs("ExternalSecret", "sec")])).toEqual([]);
    // An ExternalSecret writes a Secret, never the ConfigMap of the same name.
    expect(lines([web, inNs("ExternalSecret", "cfg", "a"), inNs("Secret", "sec", "a")])).toEqual([
      "Deployment web spec.template.spec.containers[0].envFrom[0].configMapRef.name: reads the ConfigMap \"cfg\", which is not in the output",
    ]);
  });

  test("the finding names the workload's file", () => {
    const d = reader({ configMapRef: { name: "gone" } });
    const v = view([d]);
    v.fileOf = (node) => (node === d ? "base/web.yaml" : undefined);
    expect(checkCrossObject(shopModel(v), policy()).map((r) => r.file?.path)).toEqual(["base/web.yaml"]);
  });
});

describe("server and worker", () => {
  const CM = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "medusa-config" } };
  const medusa = (name: string, envFrom: unknown[], image = IMAGE, kind = "Deployment"): KubeObject => {
    const d = app(name, { image, envFrom, pull: PULL });
    d.kind = kind;
    d.spec.template.metadata.labels.app = name === "medusa" ? "medusa" : "worker";
    return d;
  };
  const server = () => medusa("medusa", [{ configMapRef: { name: "medusa-config" } }]);
  const p = policy({ provisionedSecrets: ["extra"] });

  test("a worker that only adds, or only lacks, says just that", () => {
    expect(lines([CM, server(), medusa("worker", [{ configMapRef: { name: "medusa-config" } }, { secretRef: { name: "extra" } }])], p)).toEqual([
      'Deployment worker spec.template.spec.containers: runs the medusa server\'s image but reads other config and secrets than Deployment "medusa" (adds Secret extra)',
    ]);
    expect(lines([CM, server(), medusa("worker", [])], p)).toEqual([
      'Deployment worker spec.template.spec.containers: runs the medusa server\'s image but reads other config and secrets than Deployment "medusa" (lacks ConfigMap medusa-config)',
    ]);
  });

  test("the same repository at another tag is the server's image; other repositories and kinds are not workers", () => {
    expect(lines([CM, server(), medusa("worker", [], "ghcr.io/ekenheim/ecom/medusa:c0ffee1")], p)).toHaveLength(1);
    expect(lines([CM, server(), medusa("worker", [], "ghcr.io/ekenheim/ecom/storefront:b60245b"), medusa("job", [], IMAGE, "StatefulSet")], p)).toEqual([]);
  });

  test("the same references in another order or repeated are the same", () => {
    const both = [{ configMapRef: { name: "medusa-config" } }, { secretRef: { name: "extra" } }];
    expect(lines([CM, medusa("medusa", both), medusa("worker", [both[1], both[0], both[1]])], p)).toEqual([]);
  });

  test("without a server image there is nothing to compare", () => {
    const s = server();
    s.spec.template.spec.containers[0].image = 7;
    expect(lines([CM, s, medusa("worker", [])], p)).toEqual([]);
    expect(lines([CM, medusa("worker", [])], p)).toEqual([]);
  });

  test("the finding names the worker's file", () => {
    const w = medusa("worker", []);
    const v = view([CM, server(), w]);
    v.fileOf = (node) => (node === w ? "components/worker/deployment.yaml" : undefined);
    expect(checkCrossObject(shopModel(v), p).map((r) => r.file?.path)).toEqual(["components/worker/deployment.yaml"]);
  });
});

describe("budget and policy selectors", () => {
  const pdb = (spec: Record<string, unknown>, namespace?: string): KubeObject => ({ apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: { name: "b", ...(namespace ? { namespace } : {}) }, spec });

  test("a missing selector is named", () => {
    expect(lines([app("web"), pdb({ maxUnavailable: 1 }), { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "n" }, spec: {} }])).toEqual([
      "PodDisruptionBudget b spec.selector: has no spec.selector",
      "NetworkPolicy n spec.podSelector: has no spec.podSelector",
    ]);
  });

  test("pods in another namespace are not selected", () => {
    expect(lines([app("web", { namespace: "a" }), pdb({ selector: { matchLabels: { app: "web" } } }, "b")])).toEqual([
      'PodDisruptionBudget b spec.selector: selector {"matchLabels":{"app":"web"}} matches no pod template in the output',
    ]);
  });

  test("objects of other kinds, or of none, are not selectors", () => {
    expect(lines([app("web"), { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x" }, spec: {} }, { metadata: { name: "y" } } as KubeObject, { apiVersion: "v1", kind: "constructor", metadata: { name: "z" } }])).toEqual([]);
  });

  test("the finding names the file that set the selector", () => {
    const b = pdb({ selector: { matchLabels: { app: "gone" } } });
    const v = view([app("web"), b]);
    v.fileOf = (node, field) => (node === b.spec && field === "selector" ? "overlays/prod/pdb.yaml" : undefined);
    expect(checkCrossObject(shopModel(v), policy()).map((r) => r.file?.path)).toEqual(["overlays/prod/pdb.yaml"]);
  });
});

describe("misshapen objects are read without a JavaScript error", () => {
  test("null ports and probes without a port handler are skipped", () => {
    const d = app("web", { image: IMAGE, pull: PULL, ports: [null, { name: "http", containerPort: 8080 }], extra: { readinessProbe: { exec: { command: ["true"] } }, livenessProbe: { httpGet: { port: "http" } } } });
    expect(lines([d, svc("web", { selector: { app: "web" }, ports: [{ port: 8080 }, { port: 80, targetPort: "http" }] })])).toEqual([]);
  });

  test("objects without spec or metadata are checked for what they lack", () => {
    const bare = (kind: string, apiVersion: string): KubeObject => ({ apiVersion, kind } as KubeObject);
    expect(lines([app("web", { envFrom: [{ secretRef: { name: "s" } }] }), bare("PodDisruptionBudget", "policy/v1"), { apiVersion: "external-secrets.io/v1", kind: "ExternalSecret", metadata: { name: "s" } }])).toEqual([
      "PodDisruptionBudget  spec.selector: has no spec.selector",
    ]);
  });
});

describe("Services with the same selector in different namespaces", () => {
  test("each is matched against its own namespace's pods", () => {
    const s = (ns: string) => svc("web", { selector: { app: "web" }, ports: [{ port: 8080 }] }, ns);
    expect(lines([app("web", { namespace: "a" }), s("a"), s("b")])).toEqual([
      'Service web spec.selector: selector {"app":"web"} matches no pod template in the output',
    ]);
  });
});
