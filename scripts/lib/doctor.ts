/**
 * What a deploy of an overlay needs from the cluster before it starts (docs/operations.md,
 * "Before a deploy: doctor"): `needs` reads it from the overlay's build, scripts/doctor.ts looks it
 * up read-only into an `Observed`, and `doctorChecks` compares the two, one Check per line.
 */
import { containersOf, podReferences } from "../../functions/src/core/shop-objects.ts";
import type { Check } from "./check-lines.ts";
import type { BuiltObject } from "./built-object.ts";
import { namespaceOf, providedSecrets, pullSecretName } from "./overlay.ts";
import { keysOf, SECRET_NAMES, type SecretName } from "./secret-keys.ts";

/**
 * The oldest API server the overlays run on: their containers stop with the kubelet's own
 * `preStop` `sleep` action, on by default from 1.30 (docs/operations.md, "Graceful shutdown").
 */
export const MIN_SERVER_MINOR = 30;

/** The function's PRIVATE_REGISTRY (functions/src/checks/pull-secrets.ts, whose imports Node cannot strip; a test compares them). */
export const PRIVATE_REGISTRY = "ghcr.io/ekenheim/";
export const PSS_ENFORCE = "pod-security.kubernetes.io/enforce";
export const DEFAULT_CLASS = "ingressclass.kubernetes.io/is-default-class";
const ISSUER_ANNOTATIONS = [
  ["cert-manager.io/cluster-issuer", "ClusterIssuer"],
  ["cert-manager.io/issuer", "Issuer"],
] as const;
const PULL_SECRET_TYPE = "kubernetes.io/dockerconfigjson";
const TLS_KEYS = ["tls.crt", "tls.key"];
/** A Service name the cluster's DNS answers, which only the API server can vouch for from outside. */
const IN_CLUSTER = /^([a-z0-9-]+)\.([a-z0-9-]+)\.svc(\.cluster\.local)?\.?$/;

export interface Ref {
  kind: string;
  name: string;
}

export interface IngressNeed {
  name: string;
  className?: string;
  issuer?: Ref;
  /** the Secret of each TLS entry; undefined where the controller's default certificate serves */
  tlsSecrets: (string | undefined)[];
}

export interface Needs {
  namespace: string;
  podSecurity?: string;
  /** Secrets the pods read that the overlay leaves to the cluster, with the keys they read */
  secrets: { name: string; keys: string[] }[];
  pullSecret?: { name: string; registry: string };
  /** Secrets the overlay brings itself (dev's, the ExternalSecrets' targets) */
  provided: string[];
  ingresses: IngressNeed[];
  /** the secret stores the overlay's ExternalSecrets read from */
  stores: Ref[];
  externalNames: { service: string; target: string }[];
}

const sorted = (items: Iterable<string>) => [...new Set(items)].sort();
const refText = (r: Ref) => `${r.kind} ${r.name}`;

export function needs(objects: readonly BuiltObject[]): Needs {
  const namespace = namespaceOf(objects);
  const ns = objects.find((o) => o.kind === "Namespace")!;
  const provided = providedSecrets(objects);
  const refs = objects.flatMap(podReferences).filter((r) => r.kind === "Secret" && !r.optional && !provided.has(r.name));
  const pulled = refs.filter((r) => r.via === "imagePullSecrets");
  const keys = new Map<string, string[]>();
  for (const r of refs.filter((r) => r.via !== "imagePullSecrets")) {
    const read = r.key !== undefined ? [r.key] : r.via === "envFrom" && SECRET_NAMES.includes(r.name as SecretName) ? keysOf(r.name as SecretName) : [];
    keys.set(r.name, [...(keys.get(r.name) ?? []), ...read]);
  }
  const privateImage = objects.flatMap(containersOf).some(({ container }) => container.image?.startsWith(PRIVATE_REGISTRY));
  const out: Needs = {
    namespace,
    secrets: sorted(keys.keys()).map((name) => ({ name, keys: sorted(keys.get(name)!) })),
    provided: sorted(provided),
    ingresses: objects.filter((o) => o.kind === "Ingress").map(ingressNeed),
    stores: uniqueRefs(objects.filter((o) => o.kind === "ExternalSecret").map((o) => (o.spec as { secretStoreRef?: Partial<Ref> }).secretStoreRef ?? {})),
    externalNames: objects
      .filter((o) => o.kind === "Service" && (o.spec as { type?: string }).type === "ExternalName")
      .map((o) => ({ service: o.metadata.name, target: (o.spec as { externalName: string }).externalName })),
  };
  const enforce = ns.metadata.labels?.[PSS_ENFORCE];
  if (enforce !== undefined) out.podSecurity = enforce;
  if (pulled.length > 0 && privateImage) out.pullSecret = { name: pullSecretName(objects), registry: PRIVATE_REGISTRY.split("/")[0]! };
  return out;
}

function uniqueRefs(refs: Partial<Ref>[]): Ref[] {
  // A store reference without a kind means a SecretStore (the External Secrets Operator's default).
  const texts = sorted(refs.map((r) => `${r.kind ?? "SecretStore"} ${r.name}`));
  return texts.map((t) => ({ kind: t.split(" ")[0]!, name: t.split(" ")[1]! }));
}

function ingressNeed(o: BuiltObject): IngressNeed {
  const spec = o.spec as { ingressClassName?: string; tls?: { secretName?: string }[] };
  const need: IngressNeed = { name: o.metadata.name, tlsSecrets: (spec.tls ?? []).map((t) => t.secretName) };
  if (spec.ingressClassName) need.className = spec.ingressClassName;
  const issuer = ISSUER_ANNOTATIONS.find(([a]) => o.metadata.annotations?.[a]);
  if (issuer) need.issuer = { kind: issuer[1], name: o.metadata.annotations![issuer[0]]! };
  return need;
}

/** A Secret as doctor keeps it: names only, its values dropped where it is read. */
export interface SecretView {
  name: string;
  type: string;
  keys: string[];
  /** the registries a pull secret holds credentials for */
  registries: string[];
}

export function secretView(secret: { metadata: { name: string }; type?: string; data?: Record<string, string> }): SecretView {
  const data = secret.data ?? {};
  let registries: string[] = [];
  if (secret.type === PULL_SECRET_TYPE && data[".dockerconfigjson"]) {
    try {
      const auths = (JSON.parse(Buffer.from(data[".dockerconfigjson"], "base64").toString()) as { auths?: Record<string, unknown> }).auths ?? {};
      registries = sorted(Object.keys(auths).map((r) => r.replace(/^https?:\/\//, "").replace(/\/.*$/, "")));
    } catch {
      // Not JSON: the check says it holds no registry.
    }
  }
  return { name: secret.metadata.name, type: secret.type ?? "Opaque", keys: sorted(Object.keys(data)), registries };
}

export interface Observed {
  /** e.g. v1.33.13 */
  serverVersion: string;
  namespace?: { labels: Record<string, string> };
  secrets: SecretView[];
  ingressClasses: { name: string; isDefault: boolean }[];
  /** kinds the API server serves (ClusterIssuer, Issuer, ClusterSecretStore, SecretStore) and the objects found of each */
  served: string[];
  found: Ref[];
  /** a store's Ready condition, where it reported one */
  storeReady: Record<string, { ready: boolean; message: string }>;
  /** per ExternalName target: the addresses it resolved to, or why not */
  resolved: Record<string, { addresses: string[] } | { error: string }>;
}

/** What to look up for an ExternalName target: a Service through the API server, or a DNS name. */
export function externalNameLookup(target: string): { service: { namespace: string; name: string } } | { dns: string } {
  const m = IN_CLUSTER.exec(target);
  return m ? { service: { namespace: m[2]!, name: m[1]! } } : { dns: target.replace(/\.$/, "") };
}

export function doctorChecks(env: string, n: Needs, o: Observed): Check[] {
  return [
    serverCheck(o.serverVersion),
    namespaceCheck(n, o),
    ...n.secrets.map((s) => secretCheck(env, n.namespace, s, o)),
    ...(n.pullSecret ? [pullSecretCheck(env, n.namespace, n.pullSecret, o)] : []),
    ...n.ingresses.flatMap((i) => [ingressClassCheck(env, i, o), ...tlsChecks(env, n, i, o)]),
    ...n.stores.map((s) => storeCheck(s, n.namespace, o)),
    ...n.externalNames.map((e) => externalNameCheck(e, o)),
  ];
}

function serverCheck(version: string): Check {
  const minor = /^v1\.(\d+)\./.exec(version);
  return !minor || Number(minor[1]) < MIN_SERVER_MINOR
    ? { check: "api-server", state: "fail", seen: `${version}, older than v1.${MIN_SERVER_MINOR}, which the preStop sleep action needs`, fix: "upgrade the cluster, or replace the sleep action as docs/operations.md (Graceful shutdown) says" }
    : { check: "api-server", state: "ok", seen: version };
}

function namespaceCheck(n: Needs, o: Observed): Check {
  if (!o.namespace) {
    return { check: "namespace", state: "fail", seen: `${n.namespace} does not exist, and the Secrets created outside git go into it`, fix: `kubectl create namespace ${n.namespace}` };
  }
  const live = o.namespace.labels[PSS_ENFORCE];
  if (n.podSecurity === undefined || live === n.podSecurity) return { check: "namespace", state: "ok", seen: `${n.namespace} exists${live ? `, enforces ${live}` : ""}` };
  return {
    check: "namespace",
    state: "warn",
    seen: `${n.namespace} enforces ${live ?? "no Pod Security level"}, the overlay ${n.podSecurity}: the deploy sets ${n.podSecurity}`,
    fix: `kubectl label namespace ${n.namespace} ${PSS_ENFORCE}=${n.podSecurity} --overwrite`,
  };
}

function secretFix(env: string, namespace: string, name: string): string {
  return SECRET_NAMES.includes(name as SecretName)
    ? `npm run secrets:bootstrap -- ${env}`
    : `create it in ${namespace} with the keys the pods read (docs/secrets.md)`;
}

function secretCheck(env: string, namespace: string, s: { name: string; keys: string[] }, o: Observed): Check {
  const check = `secret ${s.name}`;
  const live = o.secrets.find((x) => x.name === s.name);
  if (!live) return { check, state: "fail", seen: `missing in ${namespace}: the pods that read it cannot start`, fix: secretFix(env, namespace, s.name) };
  const missing = s.keys.filter((k) => !live.keys.includes(k));
  if (missing.length > 0) return { check, state: "fail", seen: `lacks ${missing.join(", ")}`, fix: secretFix(env, namespace, s.name) };
  return { check, state: "ok", seen: s.keys.length > 0 ? `has every key the pods read (${s.keys.join(", ")})` : "exists" };
}

function pullSecretCheck(env: string, namespace: string, p: { name: string; registry: string }, o: Observed): Check {
  const check = `pull-secret ${p.name}`;
  const fix = `npm run secrets:pull -- ${env}`;
  const live = o.secrets.find((x) => x.name === p.name);
  if (!live) return { check, state: "fail", seen: `missing in ${namespace}: the ${p.registry} images cannot be pulled`, fix };
  if (live.type !== PULL_SECRET_TYPE) return { check, state: "fail", seen: `is of type ${live.type}, not ${PULL_SECRET_TYPE}`, fix };
  if (!live.registries.includes(p.registry)) {
    return { check, state: "fail", seen: `holds credentials for ${live.registries.join(", ") || "no registry"}, not ${p.registry}`, fix };
  }
  return { check, state: "ok", seen: `holds credentials for ${p.registry}` };
}

function ingressClassCheck(env: string, i: IngressNeed, o: Observed): Check {
  const check = `ingress-class ${i.name}`;
  const fix = `install the ingress controller, or name one of the cluster's classes (${o.ingressClasses.map((c) => c.name).join(", ") || "none"}) in overlays/${env}/ingress.yaml`;
  if (i.className === undefined) {
    const byDefault = o.ingressClasses.find((c) => c.isDefault);
    return byDefault
      ? { check, state: "ok", seen: `names no class; the default IngressClass ${byDefault.name} serves it` }
      : { check, state: "fail", seen: "names no IngressClass and the cluster has no default one: no controller serves it", fix };
  }
  return o.ingressClasses.some((c) => c.name === i.className)
    ? { check, state: "ok", seen: `IngressClass ${i.className} exists` }
    : { check, state: "fail", seen: `IngressClass ${i.className} does not exist: no controller serves the shop's hosts`, fix };
}

function tlsChecks(env: string, n: Needs, i: IngressNeed, o: Observed): Check[] {
  const check = `tls ${i.name}`;
  if (i.issuer) {
    const issuer = i.issuer;
    if (!o.served.includes(issuer.kind)) return [{ check, state: "fail", seen: `names the ${refText(issuer)}, but cert-manager is not installed`, fix: "install cert-manager and the issuer" }];
    return o.found.some((f) => f.kind === issuer.kind && f.name === issuer.name)
      ? [{ check, state: "ok", seen: `cert-manager's ${refText(issuer)} exists` }]
      : [{ check, state: "fail", seen: `cert-manager has no ${refText(issuer)}: no certificate will be issued`, fix: `create the ${issuer.kind}, or name an existing one in the Ingress's cert-manager.io annotation` }];
  }
  return i.tlsSecrets.map((name): Check => {
    if (name === undefined) return { check, state: "ok", seen: "a TLS entry without secretName: the controller's default certificate serves it" };
    if (n.provided.includes(name)) return { check, state: "ok", seen: `Secret ${name} comes with the overlay` };
    const fix = env === "dev" ? "npm run dev:tls" : `kubectl create secret tls ${name} --namespace ${n.namespace} --cert=<file> --key=<file>`;
    const live = o.secrets.find((s) => s.name === name);
    if (!live) return { check, state: "fail", seen: `Secret ${name} is missing: the controller serves its default certificate instead`, fix };
    const missing = TLS_KEYS.filter((k) => !live.keys.includes(k));
    return missing.length > 0
      ? { check, state: "fail", seen: `Secret ${name} lacks ${missing.join(", ")}`, fix }
      : { check, state: "ok", seen: `Secret ${name} has ${TLS_KEYS.join(" and ")}` };
  });
}

function storeCheck(s: Ref, namespace: string, o: Observed): Check {
  const check = `secret-store ${s.name}`;
  if (!o.served.includes(s.kind)) return { check, state: "fail", seen: `the ExternalSecrets read the ${refText(s)}, but the External Secrets Operator is not installed`, fix: "install the External Secrets Operator and the store (docs/secrets.md)" };
  if (!o.found.some((f) => f.kind === s.kind && f.name === s.name)) {
    return { check, state: "fail", seen: `${refText(s)} does not exist${s.kind === "SecretStore" ? ` in ${namespace}` : ""}: no Secret would be synced`, fix: `create the ${refText(s)}, or name an existing store in the overlay's ExternalSecrets` };
  }
  const ready = o.storeReady[`${s.kind} ${s.name}`];
  if (ready && !ready.ready) return { check, state: "fail", seen: `${refText(s)} is not Ready: ${ready.message}`, fix: "kubectl describe the store and correct its provider settings" };
  return { check, state: "ok", seen: `${refText(s)} exists${ready ? " and is Ready" : ""}` };
}

function externalNameCheck(e: { service: string; target: string }, o: Observed): Check {
  const check = `external-name ${e.service}`;
  const r = o.resolved[e.target]!;
  if ("addresses" in r) return { check, state: "ok", seen: `${e.target} resolves (${r.addresses.join(", ")})` };
  return {
    check,
    state: "fail",
    seen: `${e.target} does not resolve (${r.error}): the pods waiting for ${e.service} never start`,
    fix: `point Service ${e.service}'s externalName at the datastore's host`,
  };
}
