/** An overlay built by hand for the core's unit tests: a shop's objects as a build would emit them, the view of them the core reads, and a policy. */
import type { KubeObject } from "../../src/core/kube.ts";
import type { OverlayView } from "../../src/core/overlay-view.ts";
import { type Policy, parsePolicy } from "../../src/core/policy.ts";

/** A hand-built overlay: objects as a build would emit them, and optional source files per node. */
export function view(objects: KubeObject[], opts: { namePrefix?: string; nameSuffix?: string; files?: Map<object, string> } = {}): OverlayView {
  return {
    label: "overlays/test",
    objects,
    namePrefix: opts.namePrefix ?? "",
    nameSuffix: opts.nameSuffix ?? "",
    fileOf: (node, field) => (field ? undefined : opts.files?.get(node)),
  };
}

export function policy(spec: Record<string, unknown> = {}): Policy {
  const parsed = parsePolicy({ apiVersion: "fn.ecom.ekenheim.dev/v1alpha1", kind: "DeployPolicy", metadata: { name: "test" }, spec });
  if (!parsed.ok) throw new Error(`test policy is invalid: ${JSON.stringify(parsed.issues)}`);
  return parsed.policy;
}

export const RESOURCES = { requests: { cpu: "250m", memory: "512Mi" }, limits: { cpu: "1", memory: "1Gi" } };
const SMALL = { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "500m", memory: "512Mi" } };

export const container = (name: string, image: string, resources: unknown = RESOURCES) => ({ name, image, resources });

export function deployment(name: string, app: string, containers: unknown[], initContainers?: unknown[]): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name },
    spec: {
      selector: { matchLabels: { app } },
      template: { metadata: { labels: { app } }, spec: { containers, ...(initContainers ? { initContainers } : {}) } },
    },
  };
}

export const service = (name: string, app: string, port: number, targetPort = port): KubeObject => ({
  apiVersion: "v1", kind: "Service", metadata: { name }, spec: { selector: { app }, ports: [{ name: "http", port, targetPort }] },
});

export const migrationJob = (name: string, image: string): KubeObject => ({
  apiVersion: "batch/v1", kind: "Job", metadata: { name },
  spec: { template: { spec: { restartPolicy: "OnFailure", containers: [container("migrate", image)] } } },
});

export interface Rule { host?: string; paths: [string, string][] }

/** The ports shop() gives the two Services, so Ingress backends name real ones. */
const SERVICE_PORTS: Record<string, number> = { medusa: 9000, storefront: 8000 };

export function ingress(rules: Rule[], tlsHosts: string[] = [], name = "ecom-ingress"): KubeObject {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: { name },
    spec: {
      ...(tlsHosts.length ? { tls: [{ hosts: tlsHosts, secretName: "tls" }] } : {}),
      rules: rules.map((r) => ({
        ...(r.host !== undefined ? { host: r.host } : {}),
        http: { paths: r.paths.map(([path, svc]) => ({ path, pathType: "Prefix", backend: { service: { name: svc, port: { number: SERVICE_PORTS[svc] ?? 80 } } } })) },
      })),
    },
  };
}

export const TWO_HOSTS: Rule[] = [
  { host: "shop.example.com", paths: [["/", "storefront"]] },
  { host: "admin.example.com", paths: [["/", "medusa"]] },
];

/** The objects of a correct overlay: both apps, their Services, the migration Job, one Ingress. */
export function shop(opts: { medusaImage?: string; storefrontImage?: string; rules?: Rule[]; tls?: string[]; jobName?: string } = {}): KubeObject[] {
  const medusaImage = opts.medusaImage ?? "ghcr.io/ekenheim/ecom/medusa:b60245b";
  return [
    deployment("medusa", "medusa", [container("medusa", medusaImage)]),
    service("medusa", "medusa", 9000),
    migrationJob(opts.jobName ?? "medusa-migrate", medusaImage),
    deployment("storefront", "storefront", [container("storefront", opts.storefrontImage ?? "ghcr.io/ekenheim/ecom/storefront:b60245b", SMALL)]),
    service("storefront", "storefront", 8000),
    ingress(opts.rules ?? TWO_HOSTS, opts.tls ?? ["shop.example.com", "admin.example.com"]),
  ];
}
