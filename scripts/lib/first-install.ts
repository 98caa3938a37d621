/**
 * First-install closure: on an empty cluster, every object a pod needs must be applied in the same
 * phase as the pod or an earlier one, or the pod waits for ever (a missing ConfigMap or Secret is no
 * error, the pod just stays Pending; an init container loops on `nc -z`) and a phase that waits for
 * it never finishes. Pure: ordered phases of objects in, the references and what is missing out.
 *
 * Read per pod template: ConfigMaps and Secrets (env valueFrom, envFrom, volumes incl. projected),
 * the ServiceAccount, image pull secrets, PersistentVolumeClaims, and the Services the pod waits on
 * or connects to: `nc -z HOST PORT` in init-container shell commands, and in-cluster URLs in the
 * ConfigMaps and Secrets of the install it reads and in its env values. A Service with a selector
 * also needs the workload behind it, or nothing ever answers. What it cannot read it reports.
 */

import { containersOf, podLabels, podReferences, podSpecOf, unreadVolumes, type PodReference } from "../../functions/src/core/shop-objects.ts";
import type { BuiltObject } from "./built-object.ts";

export interface Phase {
  name: string;
  objects: readonly BuiltObject[];
}

export interface Reference {
  kind: "ConfigMap" | "Secret" | "ServiceAccount" | "PersistentVolumeClaim" | "Service";
  name: string;
  namespace: string;
  /** where in the pod template, e.g. `container migrate envFrom` */
  from: string;
  /** for Services: the port the pod connects to, when known */
  port?: number;
}

export interface Finding {
  phase: string;
  /** Kind/name of the workload */
  workload: string;
  message: string;
}

export interface FirstInstallReport {
  /** everything that makes the first install wait for ever, or that the check could not read */
  problems: Finding[];
  /** what exists only in the cluster (declared provisioned Secrets), so its contents went unread */
  unread: string[];
}

/** Created by the control plane in every namespace. */
const IMPLICIT_SERVICE_ACCOUNT = "default";

const id = (o: { kind: string; metadata: { name: string } }) => `${o.kind}/${o.metadata.name}`;

/** `nc -z HOST PORT` (also `-zv`, `-w N`), the form the wait-for init containers use. */
const NC_WAIT = /\bnc\s+(?:-\w+\s+(?:\d+\s+)?)*?-\w*z\w*\s+(?:-\w+\s+(?:\d+\s+)?)*([A-Za-z0-9.-]+)\s+(\d+)/g;
const URL_IN_TEXT = /\b([a-z][a-z0-9+.-]*):\/\/(?:[^\s/@,]*@)?([A-Za-z0-9.${}_-]+)(?::(\d+))?/g;
const DEFAULT_PORTS: Record<string, number> = { http: 80, https: 443, postgres: 5432, postgresql: 5432, redis: 6379, rediss: 6379 };

export interface ServiceAddress {
  name: string;
  namespace: string;
  port?: number;
}

/**
 * The Service a host names inside the cluster, or undefined for a host outside it (a public name,
 * a Flux `${VAR}` host, localhost). Short names resolve in the pod's own namespace.
 */
export function serviceOfHost(host: string, podNamespace: string): { name: string; namespace: string } | undefined {
  if (host.includes("$") || host === "localhost") return undefined;
  const labels = host.toLowerCase().replace(/\.$/, "").split(".");
  if (labels.length === 1) return { name: labels[0]!, namespace: podNamespace };
  const [name, ns, ...rest] = labels;
  const tail = rest.join(".");
  if (tail === "svc" || tail === "svc.cluster.local") return { name: name!, namespace: ns! };
  return undefined;
}

/** The in-cluster Service (and port) a URL points at, or undefined when it points outside the cluster. */
export function serviceOfUrl(url: string, podNamespace: string): ServiceAddress | undefined {
  const m = new RegExp(URL_IN_TEXT.source).exec(url);
  if (!m) return undefined;
  const svc = serviceOfHost(m[2]!, podNamespace);
  if (!svc) return undefined;
  const port = m[3] ? Number(m[3]) : DEFAULT_PORTS[m[1]!];
  return port === undefined ? svc : { ...svc, port };
}

interface Reader {
  byKey: Map<string, BuiltObject>;
  provisioned: ReadonlySet<string>;
  unread: Set<string>;
}

function stringValues(o: BuiltObject, keys?: readonly string[]): string[] {
  const take = (data: unknown, decode: boolean): string[] =>
    Object.entries((data ?? {}) as Record<string, unknown>)
      .filter(([k, v]) => typeof v === "string" && (!keys || keys.includes(k)))
      .map(([, v]) => (decode ? Buffer.from(v as string, "base64").toString() : (v as string)));
  return [...take(o.data, o.kind === "Secret"), ...take(o.stringData, false)];
}

function urlServices(text: string, ns: string, from: string): Reference[] {
  return [...text.matchAll(URL_IN_TEXT)].flatMap((m) => {
    const svc = serviceOfUrl(m[0], ns);
    return svc && svc.namespace === ns ? [{ kind: "Service" as const, name: svc.name, namespace: ns, from, ...(svc.port ? { port: svc.port } : {}) }] : [];
  });
}

/** Every object one pod template needs, plus what it could not read (as messages). */
export function podNeeds(o: BuiltObject, ns: string, reader: Reader): { refs: Reference[]; unreadable: string[] } {
  const refs: Reference[] = [];
  const unreadable: string[] = [];
  if (!podSpecOf(o)) return { refs, unreadable: [`${id(o)} has no pod template to read`] };
  /** The URLs in an object the pod reads: in the build, it is read; provisioned, it cannot be. */
  const scan = (kind: "ConfigMap" | "Secret", name: string, from: string, keys?: string[]) => {
    const found = reader.byKey.get(`${kind}/${ns}/${name}`);
    if (found) refs.push(...urlServices(stringValues(found, keys).join("\n"), ns, `${from} (${kind} ${name})`));
    else if (kind === "Secret" && reader.provisioned.has(name)) reader.unread.add(`Secret ${name}`);
  };

  const all = podReferences(o);
  // A pod without a ServiceAccount runs as the namespace's `default`, which the control plane creates.
  if (!all.some((r) => r.kind === "ServiceAccount")) {
    refs.push({ kind: "ServiceAccount", name: IMPLICIT_SERVICE_ACCOUNT, namespace: ns, from: "serviceAccountName" });
  }
  const need = (r: PodReference) => {
    if (r.optional) return;
    refs.push({ kind: r.kind, name: r.name, namespace: ns, from: r.from });
    // env and envFrom only ever name ConfigMaps and Secrets.
    if (r.via === "envFrom" || r.via === "env") scan(r.kind as "ConfigMap" | "Secret", r.name, r.from, r.key === undefined ? undefined : [r.key]);
  };
  const containers = containersOf(o);
  const inContainer = (r: PodReference, path: string) => r.field.startsWith(`${path}.`);
  all.filter((r) => !containers.some((c) => inContainer(r, c.path))).forEach(need);
  for (const v of unreadVolumes(o)) unreadable.push(`volume ${v.name}: cannot tell what a ${v.type} volume needs`);
  for (const { container: c, init, path } of containers) {
    const where = `${init ? "initContainer" : "container"} ${c.name}`;
    all.filter((r) => inContainer(r, path)).forEach(need);
    for (const e of c.env ?? []) if (typeof e.value === "string") refs.push(...urlServices(e.value, ns, `${where} env ${e.name}`));
    if (init) {
      const waits = initContainerWaits(c, ns, where);
      if (typeof waits === "string") unreadable.push(waits);
      else refs.push(...waits);
    }
  }
  return { refs, unreadable };
}

/**
 * The Services an init container waits for. Only the shell `nc -z` loop form is understood; any
 * other command is reported, because guessing "waits for nothing" could hide a deadlock.
 */
function initContainerWaits(c: any, ns: string, where: string): Reference[] | string {
  const argv: unknown[] = [...(c.command ?? []), ...(c.args ?? [])];
  const shell = argv.length === 3 && typeof argv[0] === "string" && /(^|\/)(ba)?sh$/.test(argv[0]) && argv[1] === "-c" && typeof argv[2] === "string";
  if (!shell) return `${where}: cannot tell what \`${argv.join(" ")}\` waits for (only \`sh -c '… nc -z HOST PORT …'\` is understood)`;
  const script = argv[2] as string;
  const waits = [...script.matchAll(NC_WAIT)];
  if (waits.length === 0) return `${where}: cannot tell what the script waits for (no \`nc -z HOST PORT\` in it)`;
  return waits.flatMap((m) => {
    const svc = serviceOfHost(m[1]!, ns);
    if (!svc) return [];
    return [{ kind: "Service" as const, name: svc.name, namespace: svc.namespace, from: `${where} nc -z`, port: Number(m[2]) }];
  });
}

const selects = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);

/**
 * Checks that every pod of every phase finds what it needs in its own phase or an earlier one.
 * `defaultNamespace` is where objects without metadata.namespace land.
 */
export function checkFirstInstall(phases: readonly Phase[], provisionedSecrets: readonly string[], defaultNamespace = "default"): FirstInstallReport {
  const problems: Finding[] = [];
  const unread = new Set<string>();
  const nsOf = (o: BuiltObject) => o.metadata.namespace ?? defaultNamespace;
  const key = (o: BuiltObject) => `${o.kind}/${nsOf(o)}/${o.metadata.name}`;
  const everything = phases.flatMap((p) => p.objects);
  const reader: Reader = { byKey: new Map(everything.map((o) => [key(o), o])), provisioned: new Set(provisionedSecrets), unread };
  const externalSecretTargets = (o: BuiltObject) =>
    o.kind === "ExternalSecret" ? [`Secret/${nsOf(o)}/${(o.spec as any)?.target?.name ?? o.metadata.name}`] : [];

  const available = new Map<string, BuiltObject>();
  phases.forEach((phase) => {
    for (const o of phase.objects) {
      available.set(key(o), o);
      for (const k of externalSecretTargets(o)) available.set(k, o);
    }
    for (const o of phase.objects) {
      if (!podSpecOf(o)) continue;
      const ns = nsOf(o);
      const { refs, unreadable } = podNeeds(o, ns, reader);
      const say = (message: string) => problems.push({ phase: phase.name, workload: id(o), message });
      unreadable.forEach(say);
      for (const ref of refs) {
        const k = `${ref.kind}/${ref.namespace}/${ref.name}`;
        // Not available yet, so a phase that has it is a later one.
        const later = phases.find((p) => p.objects.some((x) => key(x) === k || externalSecretTargets(x).includes(k)));
        if (ref.kind === "ServiceAccount" && ref.name === IMPLICIT_SERVICE_ACCOUNT) continue;
        if (ref.kind === "Secret" && reader.provisioned.has(ref.name)) continue;
        // Only a Service can be named in another namespace (by its DNS name), which is not the install's.
        if (ref.namespace !== ns) continue;
        const target = available.get(k);
        if (!target) {
          const where = later ? `it comes only in the later phase "${later.name}"` : "nothing in the install provides it";
          say(`${ref.from} needs ${ref.kind} ${ref.name}, but ${where}${ref.kind === "Secret" ? " (nor is it a provisioned Secret of the policy)" : ""}`);
          continue;
        }
        if (ref.kind === "Service") checkService(target, ref, available, everything, say);
      }
    }
  });
  return { problems, unread: [...unread].sort() };
}

function checkService(
  svc: BuiltObject,
  ref: Reference,
  available: Map<string, BuiltObject>,
  everything: readonly BuiltObject[],
  say: (m: string) => void,
): void {
  const spec = (svc.spec ?? {}) as { selector?: Record<string, string>; ports?: Array<{ port?: number }>; type?: string };
  if (ref.port !== undefined && spec.ports && !spec.ports.some((p) => p.port === ref.port)) {
    say(`${ref.from} connects to Service ${ref.name} on port ${ref.port}, which the Service does not have (${spec.ports.map((p) => p.port).join(", ")})`);
  }
  const selector = spec.selector;
  if (!selector || Object.keys(selector).length === 0) return;
  // Objects without a pod template have no pod labels, so they never match a non-empty selector.
  const backing = (o: BuiltObject) => o.kind !== "Job" && o.kind !== "CronJob" && selects(selector, podLabels(o));
  if ([...available.values()].some(backing)) return;
  const anywhere = everything.find(backing);
  say(
    anywhere
      ? `${ref.from} waits for Service ${ref.name}, whose pods (${id(anywhere)}) come only in a later phase`
      : `${ref.from} waits for Service ${ref.name}, but no workload in the install has pods it selects`,
  );
}

export function formatFinding(f: Finding): string {
  return `phase "${f.phase}": ${f.workload}: ${f.message}`;
}
