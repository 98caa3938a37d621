/**
 * What a rehearsal deploys: the overlay built the way its users deploy it (dev and prod with plain
 * kustomize, home-ops through Flux's own build with its postBuild substitution, Kustomization by
 * Kustomization), plus what an operator provides before a deploy (Secrets, and for prod and home-ops
 * the managed datastores, played by dev's datastore workloads).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { opensslArgs } from "../../scripts/lib/dev-tls.ts";
import { goInstalledTool, SETUP_HINT } from "../../scripts/lib/find-tool.ts";
import { fluxKustomizations, fluxObjects, fluxTool } from "../flux/flux-build.ts";
import { REPO_ROOT } from "../support/tools.ts";
import { datastoreCredentials, datastoreObjects } from "./shop-datastores.ts";
import { provisionedSecrets, valueOf, type DatastoreCredentials, type K8s } from "./shop-secrets.ts";

/** Overlays deployed through Flux: their build is Flux's, variables substituted. */
const FLUX_CLUSTERS: Readonly<Record<string, string>> = { "home-ops": "flux/clusters/home-ops/ks.yaml" };

export interface ShopObjects {
  overlay: string;
  /** The overlay's build, as the cluster receives it. */
  build: K8s[];
  /** Secrets and datastores the rehearsal provides, as the operator or the platform would. */
  provided: K8s[];
  credentials: DatastoreCredentials;
  /** The policy's build args of the app images (spec.bakedUrls), variables substituted. */
  bakedUrls: { medusa: Record<string, string>; storefront: Record<string, string> };
}

export function parseObjects(text: string, where: string): K8s[] {
  return parseAllDocuments(text)
    .map((d) => {
      if (d.errors.length) throw new Error(`${where}: ${d.errors[0]!.message}`);
      return d.toJS() as K8s | null;
    })
    .filter((o): o is K8s => o !== null && typeof o === "object");
}

function kustomizeBuild(overlay: string): K8s[] {
  const found = goInstalledTool("kustomize", "KUSTOMIZE");
  if (!("path" in found)) throw new Error(`the standalone kustomize is ${found.missing}; ${SETUP_HINT}`);
  const dir = join(REPO_ROOT, "overlays", overlay);
  return parseObjects(execFileSync(found.path, ["build", dir], { encoding: "utf8", maxBuffer: 64 << 20 }), `kustomize build overlays/${overlay}`);
}

function fluxBuild(file: string): K8s[] {
  const tool = fluxTool();
  return fluxKustomizations([file]).flatMap(({ object }) => fluxObjects(tool, file, { name: object.metadata.name }) as K8s[]);
}

/** Flux's substitution of the cluster variables the tests use, for values read outside a build. */
function clusterVariables(): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const o of parseObjects(readFileSync(join(REPO_ROOT, "test/flux/cluster-vars.yaml"), "utf8"), "test/flux/cluster-vars.yaml")) {
    Object.assign(vars, o.data ?? {}, o.stringData ?? {});
  }
  return vars;
}

function bakedUrls(overlay: string): ShopObjects["bakedUrls"] {
  const file = join(REPO_ROOT, "overlays", overlay, "policy", "policy.yaml");
  const policy = parseObjects(readFileSync(file, "utf8"), file)[0];
  const vars = clusterVariables();
  const subst = (v: string) => v.replace(/\$\{([A-Z0-9_]+)\}/g, (whole, name: string) => vars[name] ?? whole);
  const pick = (m: Record<string, string> | undefined) => Object.fromEntries(Object.entries(m ?? {}).map(([k, v]) => [k, subst(String(v))]));
  return { medusa: pick(policy?.spec?.bakedUrls?.medusa), storefront: pick(policy?.spec?.bakedUrls?.storefront) };
}

export function shopObjects(overlay: string): ShopObjects {
  const build = FLUX_CLUSTERS[overlay] ? fluxBuild(FLUX_CLUSTERS[overlay]) : kustomizeBuild(overlay);
  const ownsDatastores = build.some((o) => o.kind === "StatefulSet" && o.metadata.name === "postgres");
  const dev = overlay === "dev" ? build : kustomizeBuild("dev");
  // Managed PostgreSQL, PGO's included, requires TLS; dev's in-cluster one serves none.
  const postgresTls = !ownsDatastores;
  const credentials = datastoreCredentials(dev, { postgresTls });
  if (!ownsDatastores) {
    // The shop reaches them through its own Service names (prod's ExternalName Services) or the hosts
    // its Secrets name; the rehearsal's network resolves those to these pods.
    credentials.postgres.host = "postgres";
    credentials.redisUrl = "redis://redis:6379";
  }
  const datastores = ownsDatastores ? [] : datastoreObjects(dev, { postgresTls });
  const secrets = provisionedSecrets(build, credentials);
  if (!ownsDatastores) useShopBucket(datastores, [...build, ...secrets]);
  const provided = [...datastores, ...secrets, ...tlsSecrets(build)];
  return { overlay, build, provided, credentials, bakedUrls: bakedUrls(overlay) };
}

/** A self-signed certificate for `hosts`, made as `npm run dev:tls` makes one (scripts/lib/dev-tls.ts). */
function selfSigned(hosts: readonly string[]): { cert: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), "ecom-rehearsal-tls-"));
  try {
    execFileSync("openssl", opensslArgs(hosts, join(dir, "tls.key"), join(dir, "tls.crt")), { stdio: "ignore" });
    return { cert: readFileSync(join(dir, "tls.crt"), "utf8"), key: readFileSync(join(dir, "tls.key"), "utf8") };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The certificate Secrets the Ingresses name and the build lacks: in a cluster cert-manager or the
 * operator provides them (dev's with `npm run dev:tls`).
 */
function tlsSecrets(build: readonly K8s[]): K8s[] {
  const have = new Set(build.filter((o) => o.kind === "Secret").map((o) => `${o.metadata.namespace}/${o.metadata.name}`));
  const wanted = new Map<string, { namespace: string; name: string; hosts: Set<string> }>();
  for (const ing of build.filter((o) => o.kind === "Ingress")) {
    for (const t of ing.spec?.tls ?? []) {
      if (!t.secretName) continue;
      const id = `${ing.metadata.namespace}/${t.secretName}`;
      if (have.has(id)) continue;
      const entry = wanted.get(id) ?? { namespace: ing.metadata.namespace!, name: t.secretName, hosts: new Set<string>() };
      for (const h of t.hosts ?? []) entry.hosts.add(h);
      wanted.set(id, entry);
    }
  }
  return [...wanted.values()].map(({ namespace, name, hosts }) => {
    const { cert, key } = selfSigned([...hosts].sort());
    const b64 = (t: string) => Buffer.from(t).toString("base64");
    return { apiVersion: "v1", kind: "Secret", type: "kubernetes.io/tls", metadata: { name, namespace }, data: { "tls.crt": b64(cert), "tls.key": b64(key) } } as K8s;
  });
}

/** The ingress controller's default certificate, for hosts whose TLS entry names no Secret (the owner's wildcard). */
export function defaultCertificate(build: readonly K8s[]): { cert: string; key: string } | undefined {
  const hosts = [...new Set(build.filter((o) => o.kind === "Ingress").flatMap((i) => (i.spec?.rules ?? []).map((r: { host?: string }) => r.host).filter(Boolean)))] as string[];
  return hosts.length ? selfSigned(hosts.sort()) : undefined;
}

/**
 * The bucket the shop's configuration names (home-ops writes the owner's), created by the stand-in
 * object store's bucket Job instead of dev's: a managed store already holds it.
 */
function useShopBucket(datastores: K8s[], shop: readonly K8s[]): void {
  const bucket = shop.filter((o) => o.kind === "Secret" || o.kind === "ConfigMap").map((o) => valueOf(o, "S3_BUCKET")).find((v) => v !== undefined);
  const secret = datastores.find((o) => o.kind === "Secret" && o.metadata.name === "medusa-secret");
  if (!bucket || !secret) return;
  if (secret.data) delete secret.data.S3_BUCKET;
  secret.stringData = { ...(secret.stringData ?? {}), S3_BUCKET: bucket };
}
