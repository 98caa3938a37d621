/** Small readers over built objects, so assertions can say what is wrong instead of "undefined". */
import { containersOf as sharedContainersOf, podReferences, podSpecOf } from "../../functions/src/core/shop-objects.ts";
import { objectId } from "./tools.ts";
import type { BuiltObject } from "../../scripts/lib/built-object.ts";

export interface Container {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  ports?: Array<{ name?: string; containerPort: number; protocol?: string }>;
  envFrom?: Array<{ configMapRef?: { name: string }; secretRef?: { name: string } }>;
  env?: Array<{ name: string; value?: string; valueFrom?: Record<string, { name?: string; key?: string } | undefined> }>;
  resources?: { requests?: Record<string, string | number>; limits?: Record<string, string | number> };
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
  securityContext?: Record<string, unknown>;
  volumeMounts?: Array<{ name: string; mountPath: string }>;
}

export interface Probe {
  httpGet?: { path?: string; port: number | string };
  tcpSocket?: { port: number | string };
  initialDelaySeconds?: number;
  periodSeconds?: number;
  failureThreshold?: number;
  [k: string]: unknown;
}

export interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  imagePullSecrets?: Array<{ name: string }>;
  volumes?: Array<{ name: string; configMap?: { name: string }; secret?: { secretName: string }; projected?: { sources?: Array<{ configMap?: { name: string }; secret?: { name: string } }> } }>;
  [k: string]: unknown;
}

export function ids(objects: BuiltObject[]): string {
  return objects.map(objectId).join("\n  ");
}

export function all(objects: BuiltObject[], kind: string): BuiltObject[] {
  return objects.filter((o) => o.kind === kind);
}

export function find(objects: BuiltObject[], kind: string, name: string): BuiltObject {
  const hit = objects.find((o) => o.kind === kind && o.metadata?.name === name);
  if (!hit) throw new Error(`expected a ${kind} named '${name}' in the build; it has:\n  ${ids(objects)}`);
  return hit;
}

export function maybeFind(objects: BuiltObject[], kind: string, name: string): BuiltObject | undefined {
  return objects.find((o) => o.kind === kind && o.metadata?.name === name);
}

export function podSpec(o: BuiltObject): PodSpec {
  const ps = podSpecOf(o)?.spec;
  if (!ps) throw new Error(`${objectId(o)} has no pod spec`);
  return ps as unknown as PodSpec;
}

export function workloads(objects: BuiltObject[]): BuiltObject[] {
  return objects.filter((o) => podSpecOf(o) !== undefined);
}

export interface Located {
  where: string;
  container: Container;
  init: boolean;
}

export function containersOf(o: BuiltObject): Located[] {
  podSpec(o);
  return sharedContainersOf(o).map(({ container: c, init }) => ({
    where: `${objectId(o)} ${init ? "initContainer" : "container"} ${c.name}`,
    container: c as unknown as Container,
    init,
  }));
}

export function container(o: BuiltObject, name: string): Container {
  const c = podSpec(o).containers.find((x) => x.name === name);
  if (!c) throw new Error(`${objectId(o)} has no container '${name}' (has: ${podSpec(o).containers.map((x) => x.name).join(", ")})`);
  return c;
}

/** `registry/repo:tag@digest` → tag (undefined when the image has no tag). */
export function imageTag(image: string): string | undefined {
  const noDigest = image.split("@")[0] ?? image;
  const lastSlash = noDigest.lastIndexOf("/");
  const colon = noDigest.lastIndexOf(":");
  return colon > lastSlash ? noDigest.slice(colon + 1) : undefined;
}

export function imageRepo(image: string): string {
  const noDigest = image.split("@")[0] ?? image;
  const tag = imageTag(noDigest);
  return tag === undefined ? noDigest : noDigest.slice(0, -(tag.length + 1));
}

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, "": 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

/** Kubernetes quantity → number, so `1000m` equals `1` and `1Gi` equals `1024Mi`. */
export function quantity(q: string | number | undefined): number {
  if (typeof q === "number") return q;
  if (q === undefined) return Number.NaN;
  const m = /^([+-]?[0-9.]+(?:[eE][+-]?[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$/.exec(q.trim());
  if (!m) return Number.NaN;
  const suffix = m[2] ?? "";
  return Number(m[1]) * (BINARY[suffix] ?? DECIMAL[suffix] ?? Number.NaN);
}

/** Resolves a probe's port, which may name a container port. */
export function probePort(c: Container, probe: Probe | undefined): number | undefined {
  const port = probe?.httpGet?.port ?? probe?.tcpSocket?.port;
  if (typeof port === "number") return port;
  if (typeof port === "string") return c.ports?.find((p) => p.name === port)?.containerPort ?? (/^\d+$/.test(port) ? Number(port) : undefined);
  return undefined;
}

export function commandLine(c: Container): string[] {
  return [...(c.command ?? []), ...(c.args ?? [])];
}

/** Every ConfigMap and Secret name a pod spec refers to (image pull secrets aside), with the field that names it. */
export function podRefs(o: BuiltObject): { configMaps: Map<string, string>; secrets: Map<string, string> } {
  podSpec(o);
  const configMaps = new Map<string, string>();
  const secrets = new Map<string, string>();
  for (const r of podReferences(o)) {
    if (r.via === "imagePullSecrets") continue;
    (r.kind === "ConfigMap" ? configMaps : secrets).set(r.name, `${objectId(o)} ${r.field}`);
  }
  return { configMaps, secrets };
}

/**
 * The environment a container starts with, as far as the build shows it: ConfigMaps and Secrets of
 * the build named by envFrom (in order), then env values, which win. Keys of objects outside the
 * build (provisioned Secrets) are missing.
 */
export function effectiveEnv(objects: BuiltObject[], c: Container): Record<string, string> {
  const out: Record<string, string> = {};
  for (const ef of c.envFrom ?? []) {
    const cm = ef.configMapRef && maybeFind(objects, "ConfigMap", ef.configMapRef.name);
    const secret = ef.secretRef && maybeFind(objects, "Secret", ef.secretRef.name);
    Object.assign(out, (cm?.data ?? {}) as Record<string, string>, (secret as { stringData?: Record<string, string> } | undefined)?.stringData ?? {});
    for (const [k, v] of Object.entries((secret?.data ?? {}) as Record<string, string>)) out[k] = Buffer.from(v, "base64").toString();
  }
  for (const e of c.env ?? []) if (e.value !== undefined) out[e.name] = e.value;
  return out;
}

/** Data of a ConfigMap, found by its name or, for generated ones, its name before the hash suffix. */
export function configMapData(objects: BuiltObject[], name: string): Record<string, string> {
  return (find(objects, "ConfigMap", name).data ?? {}) as Record<string, string>;
}

export interface IngressRule {
  host?: string;
  http?: { paths: Array<{ path?: string; pathType?: string; backend: { service?: { name: string; port: { number?: number; name?: string } } } }> };
}

export function ingressRules(ing: BuiltObject): IngressRule[] {
  return ((ing.spec as { rules?: IngressRule[] } | undefined)?.rules ?? []) as IngressRule[];
}

/** Hosts whose `/` routes to the given Service. */
export function hostsFor(ing: BuiltObject, service: string): string[] {
  return ingressRules(ing)
    .filter((r) => r.http?.paths.some((p) => p.backend.service?.name === service))
    .map((r) => r.host ?? "");
}

export function tlsHosts(ing: BuiltObject): string[] {
  return ((ing.spec as { tls?: Array<{ hosts?: string[] }> } | undefined)?.tls ?? []).flatMap((t) => t.hosts ?? []);
}

export function csv(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}
