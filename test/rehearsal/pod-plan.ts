/**
 * What the kubelet (and containerd under it) would run for each container of a pod, computed from
 * the objects of a built overlay (`kubectl kustomize overlays/<env>`, parsed with `yaml`) and the
 * images. Pure: no file, process or network access.
 *
 *   podsOf(objects): PodIdentity[]
 *       the pods the Deployments, StatefulSets and Jobs of a build would create (name, labels,
 *       hostname, claims), one per replica, one per Job.
 *   planPod({ objects, pod, images, podIP, serviceAddresses, node? }): PodPlan
 *       each container's argv, environment, user, capabilities, limits, mounts, probes and hooks,
 *       the pod's volumes with the files of its configMap/secret volumes, and `findings`: what the
 *       kubelet would refuse (a missing key, a missing object) or the rehearsal cannot do.
 *
 * Sources of the rules: pkg/kubelet/kuberuntime (makeEnvironmentVariables, makeMounts),
 * pkg/kubelet/envvars, containerd's CRI plugin (default PATH, HOSTNAME, image ENV under container
 * env, command/args over ENTRYPOINT/CMD, default capabilities, runAsUser's group from the image's
 * /etc/passwd, supplementary groups) and the API defaults (probe timings, grace period, modes).
 *
 * Where the rehearsal differs (said in `notes` of every plan): KUBERNETES_SERVICE_* and the other
 * master-service variables are left out; a Service's *_SERVICE_HOST is the address of the pod it
 * selects, not a virtual IP; an image's own /etc/group memberships are not added to the groups.
 */
import { createHash } from "node:crypto";
import { parseQuantity } from "../../functions/src/core/quantity.ts";
import { expand, lookupIn } from "./expansion.ts";
import type { ImageFs } from "./image.ts";
import { type ServiceObject, serviceEnv } from "./service-env.ts";

// ---------------------------------------------------------------------------------------------
// Output types

export interface Finding {
  severity: "error" | "unsupported";
  pod: string;
  container?: string;
  /** `Kind namespace/name` of the object the finding is about, when there is one. */
  object?: string;
  key?: string;
  message: string;
}

export interface PodIdentity {
  name: string;
  namespace: string;
  owner: { kind: "Deployment" | "StatefulSet" | "Job"; name: string };
  labels: Record<string, string>;
  annotations: Record<string, string>;
  hostname: string;
  /** A StatefulSet's serviceName: the pod's DNS domain is `<subdomain>.<ns>.svc.cluster.local`. */
  subdomain?: string;
  /** The pod template's spec, as the build holds it. */
  spec: any;
  /** StatefulSet volumeClaimTemplates: volume name → claim name (`<template>-<pod>`). */
  claims: Record<string, string>;
}

export type Handler =
  | { kind: "exec"; command: string[] }
  | { kind: "httpGet"; scheme: "HTTP" | "HTTPS"; host?: string; port: number; path: string; headers: Array<{ name: string; value: string }> }
  | { kind: "tcpSocket"; host?: string; port: number }
  | { kind: "sleep"; seconds: number };

export interface Probe {
  handler: Handler;
  initialDelaySeconds: number;
  periodSeconds: number;
  timeoutSeconds: number;
  successThreshold: number;
  failureThreshold: number;
  /** Probe-level override of the pod's grace period when this probe kills the container. */
  terminationGracePeriodSeconds?: number;
}

export interface VolumeFile {
  /** Relative path inside the volume. */
  path: string;
  content: Buffer;
  mode: number;
}

export type VolumePlan =
  | { name: string; kind: "emptyDir"; medium: "" | "Memory"; sizeLimitBytes?: number }
  | { name: string; kind: "configMap" | "secret"; source: string; files: VolumeFile[] }
  | { name: string; kind: "persistentVolumeClaim"; claimName: string };

export interface MountPlan {
  name: string;
  mountPath: string;
  /** Relative path inside the volume (subPath, or subPathExpr expanded). */
  subPath?: string;
  readOnly: boolean;
}

export interface ContainerPlan {
  name: string;
  image: ImageFs;
  /** Init containers run to completion in order; a sidecar is an init container with restartPolicy Always. */
  role: "init" | "sidecar" | "main";
  argv: string[];
  /** The final environment in containerd's order: PATH, HOSTNAME, image ENV, then the kubelet's variables. */
  env: Array<{ name: string; value: string }>;
  workingDir: string;
  uid: number;
  gid: number;
  /** Supplementary groups: the primary group, fsGroup, supplementalGroups. */
  groups: number[];
  readOnlyRootFilesystem: boolean;
  /** false sets no_new_privs. */
  allowPrivilegeEscalation: boolean;
  /** The capability bounding set, CAP_ names. A non-root process keeps none of them effective after exec. */
  capabilities: string[];
  resources: {
    cpuLimitMillis?: number;
    memoryLimitBytes?: number;
    cpuRequestMillis?: number;
    memoryRequestBytes?: number;
    ephemeralStorageLimitBytes?: number;
  };
  mounts: MountPlan[];
  ports: Array<{ name?: string; containerPort: number; protocol: string }>;
  startupProbe?: Probe;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  postStart?: Handler;
  preStop?: Handler;
  terminationMessagePath: string;
}

export interface PodPlan {
  name: string;
  namespace: string;
  hostname: string;
  subdomain?: string;
  labels: Record<string, string>;
  ip: string;
  restartPolicy: "Always" | "OnFailure" | "Never";
  terminationGracePeriodSeconds: number;
  fsGroup?: number;
  fsGroupChangePolicy?: "Always" | "OnRootMismatch";
  hostAliases: Array<{ ip: string; hostnames: string[] }>;
  volumes: VolumePlan[];
  initContainers: ContainerPlan[];
  containers: ContainerPlan[];
  findings: Finding[];
  notes: string[];
}

export interface NodeInfo {
  name: string;
  /** The node's address as pods see it (status.hostIP). */
  ip: string;
  /** Allocatable CPU and memory: the downward API's value for a container without a limit. */
  cpuMillis: number;
  memoryBytes: number;
}

export const DEFAULT_NODE: NodeInfo = { name: "rehearsal", ip: "127.0.0.1", cpuMillis: 2000, memoryBytes: 8 * 1024 ** 3 };

export interface PlanInput {
  /** Every object of the build: the ConfigMaps, Secrets and Services are read from here. */
  objects: readonly unknown[];
  pod: PodIdentity;
  /** The image of each container (init containers included), by container name. */
  images: Readonly<Record<string, ImageFs>>;
  podIP: string;
  /** Address the network gives each Service of the pod's namespace, by Service name. */
  serviceAddresses: Readonly<Record<string, string>>;
  node?: NodeInfo;
}

// ---------------------------------------------------------------------------------------------
// Constants from containerd and the API defaults

/** containerd's oci.WithDefaultPathEnv. */
export const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** containerd's default capability set for a non-privileged container. */
export const DEFAULT_CAPABILITIES = [
  "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID",
  "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
];

/** Every capability Linux defines, in number order: "ALL" in capabilities.add. */
export const ALL_CAPABILITIES = [
  "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID",
  "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN",
  "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",
  "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME",
  "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP",
  "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ",
  "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
];

const DEFAULT_MODE = 0o644;
const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

// ---------------------------------------------------------------------------------------------
// Pods of a build

/** Characters Kubernetes uses for generated name suffixes (no vowels, no look-alikes). */
const SAFE = "bcdfghjklmnpqrstvwxz2456789";

function safeSuffix(seed: string, length: number): string {
  const digest = createHash("sha256").update(seed).digest();
  let out = "";
  for (let i = 0; i < length; i++) out += SAFE[digest[i]! % SAFE.length];
  return out;
}

/** A pod-template-hash-like string: stable for a template, different when the template changes. */
const templateHash = (template: unknown): string => {
  const n = createHash("sha256").update(JSON.stringify(template)).digest().readUInt32BE(0);
  return [...String(n)].map((d) => SAFE[d.charCodeAt(0) % SAFE.length]).join("");
};

export function podsOf(objects: readonly unknown[]): PodIdentity[] {
  const pods: PodIdentity[] = [];
  for (const o of objects as any[]) {
    const kind = o?.kind;
    if (kind !== "Deployment" && kind !== "StatefulSet" && kind !== "Job") continue;
    const name: string = o.metadata?.name;
    const namespace: string = o.metadata?.namespace ?? "default";
    const template = o.spec?.template ?? {};
    const spec = template.spec ?? {};
    const base = { ...(template.metadata?.labels ?? {}) } as Record<string, string>;
    const annotations = { ...(template.metadata?.annotations ?? {}) } as Record<string, string>;
    const hostnameOf = (podName: string): string => truncateHostname(spec.hostname ?? podName);
    if (kind === "Job") {
      const podName = `${name}-${safeSuffix(`${namespace}/${name}`, 5)}`;
      const labels = { ...base, "batch.kubernetes.io/job-name": name, "job-name": name };
      pods.push({ name: podName, namespace, owner: { kind, name }, labels, annotations, hostname: hostnameOf(podName), spec, claims: {}, ...(spec.subdomain ? { subdomain: spec.subdomain } : {}) });
      continue;
    }
    const replicas = typeof o.spec?.replicas === "number" ? o.spec.replicas : 1;
    for (let i = 0; i < replicas; i++) {
      if (kind === "Deployment") {
        const hash = templateHash(template);
        const podName = `${name}-${hash}-${safeSuffix(`${namespace}/${name}/${i}`, 5)}`;
        const labels = { ...base, "pod-template-hash": hash };
        pods.push({ name: podName, namespace, owner: { kind, name }, labels, annotations, hostname: hostnameOf(podName), spec, claims: {}, ...(spec.subdomain ? { subdomain: spec.subdomain } : {}) });
      } else {
        const podName = `${name}-${i}`;
        const labels = { ...base, "statefulset.kubernetes.io/pod-name": podName, "apps.kubernetes.io/pod-index": String(i) };
        const claims: Record<string, string> = {};
        for (const t of o.spec?.volumeClaimTemplates ?? []) if (t?.metadata?.name) claims[t.metadata.name] = `${t.metadata.name}-${podName}`;
        const subdomain = o.spec?.serviceName || undefined;
        pods.push({ name: podName, namespace, owner: { kind, name }, labels, annotations, hostname: truncateHostname(podName), spec, claims, ...(subdomain ? { subdomain } : {}) });
      }
    }
  }
  return pods;
}

/** The kubelet caps a hostname at 63 characters and trims a trailing '-' or '.'. */
function truncateHostname(h: string): string {
  return h.length <= 63 ? h : h.slice(0, 63).replace(/[-.]+$/, "");
}

// ---------------------------------------------------------------------------------------------
// The plan

export function planPod(input: PlanInput): PodPlan {
  const { pod } = input;
  const spec = pod.spec ?? {};
  const node = input.node ?? DEFAULT_NODE;
  const findings: Finding[] = [];
  const objects = indexObjects(input.objects, pod.namespace);
  const psc = spec.securityContext ?? {};

  const find = (f: Omit<Finding, "pod">): void => {
    findings.push({ pod: pod.name, ...f });
  };

  for (const field of ["hostNetwork", "hostPID", "hostIPC", "shareProcessNamespace"] as const) {
    if (spec[field] === true) find({ severity: "unsupported", message: `pod ${pod.name}: ${field} is not supported by the rehearsal` });
  }

  const volumes = planVolumes(pod, spec, objects, find);
  const services = objects.services;
  const svcEnv = spec.enableServiceLinks === false ? new Map<string, string>() : serviceEnv(services, (s) => input.serviceAddresses[s.metadata?.name ?? ""]);

  const ctx: ContainerContext = { input, pod, spec, psc, node, objects, svcEnv, volumes, find };
  const initContainers = ((spec.initContainers ?? []) as any[]).map((c) => planContainer(ctx, c, c.restartPolicy === "Always" ? "sidecar" : "init"));
  const containers = ((spec.containers ?? []) as any[]).map((c) => planContainer(ctx, c, "main"));

  const restartPolicy = spec.restartPolicy ?? "Always";
  if (pod.owner.kind === "Job" && restartPolicy === "Always") {
    find({ severity: "error", message: `pod ${pod.name}: a Job's pod template must set restartPolicy Never or OnFailure (the API server rejects Always)` });
  }

  return {
    name: pod.name,
    namespace: pod.namespace,
    hostname: pod.hostname,
    ...(pod.subdomain ? { subdomain: pod.subdomain } : {}),
    labels: pod.labels,
    ip: input.podIP,
    restartPolicy,
    terminationGracePeriodSeconds: spec.terminationGracePeriodSeconds ?? 30,
    ...(psc.fsGroup !== undefined ? { fsGroup: psc.fsGroup } : {}),
    ...(psc.fsGroupChangePolicy ? { fsGroupChangePolicy: psc.fsGroupChangePolicy } : {}),
    hostAliases: ((spec.hostAliases ?? []) as any[]).map((h) => ({ ip: h.ip, hostnames: h.hostnames ?? [] })),
    volumes,
    initContainers,
    containers,
    findings,
    notes: [
      "KUBERNETES_SERVICE_HOST, KUBERNETES_SERVICE_PORT and the other variables of the master `kubernetes` Service are left out: the rehearsal has no API server.",
      "A Service's *_SERVICE_HOST is the address of the pod it selects (the rehearsal has no virtual Service IPs).",
      "Groups from the image's own /etc/group memberships are not added (the image's accounts list names no memberships).",
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// Objects of the build

interface Objects {
  configMaps: Map<string, any>;
  secrets: Map<string, any>;
  services: ServiceObject[];
}

function indexObjects(all: readonly unknown[], namespace: string): Objects {
  const configMaps = new Map<string, any>();
  const secrets = new Map<string, any>();
  const services: ServiceObject[] = [];
  for (const o of all as any[]) {
    if ((o?.metadata?.namespace ?? "default") !== namespace) continue;
    if (o.kind === "ConfigMap") configMaps.set(o.metadata.name, o);
    else if (o.kind === "Secret") secrets.set(o.metadata.name, o);
    else if (o.kind === "Service") services.push(o);
  }
  return { configMaps, secrets, services };
}

/** A ConfigMap's `data` as strings. */
function configMapData(cm: any): Map<string, string> {
  return new Map(Object.entries(cm?.data ?? {}).map(([k, v]) => [k, String(v)]));
}

/** A Secret's bytes per key: `data` is base64; `stringData` is plain and wins, as the API server merges it. */
function secretData(secret: any): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const [k, v] of Object.entries(secret?.data ?? {})) out.set(k, Buffer.from(String(v).replace(/\s+/g, ""), "base64"));
  for (const [k, v] of Object.entries(secret?.stringData ?? {})) out.set(k, Buffer.from(String(v), "utf8"));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Volumes

type Find = (f: Omit<Finding, "pod">) => void;

function planVolumes(pod: PodIdentity, spec: any, objects: Objects, find: Find): VolumePlan[] {
  const out: VolumePlan[] = [];
  for (const v of (spec.volumes ?? []) as any[]) {
    const name: string = v.name;
    if (v.emptyDir !== undefined) {
      const e = v.emptyDir ?? {};
      const plan: VolumePlan = { name, kind: "emptyDir", medium: e.medium === "Memory" ? "Memory" : "" };
      if (e.sizeLimit !== undefined) {
        const bytes = quantityValue(e.sizeLimit);
        if (bytes === undefined) find({ severity: "error", message: `pod ${pod.name}: emptyDir ${name} has an invalid sizeLimit ${JSON.stringify(e.sizeLimit)}` });
        else plan.sizeLimitBytes = bytes;
      }
      out.push(plan);
    } else if (v.configMap || v.secret) {
      out.push(planConfigVolume(pod, name, v, objects, find));
    } else if (v.persistentVolumeClaim) {
      out.push({ name, kind: "persistentVolumeClaim", claimName: v.persistentVolumeClaim.claimName });
    } else {
      const kind = Object.keys(v).find((k) => k !== "name") ?? "unknown";
      find({ severity: "unsupported", message: `pod ${pod.name}: volume ${name} (${kind}) is not supported by the rehearsal` });
    }
  }
  for (const [name, claimName] of Object.entries(pod.claims)) {
    if (!out.some((v) => v.name === name)) out.push({ name, kind: "persistentVolumeClaim", claimName });
  }
  return out;
}

function planConfigVolume(pod: PodIdentity, name: string, v: any, objects: Objects, find: Find): VolumePlan {
  const isSecret = Boolean(v.secret);
  const src = isSecret ? v.secret : v.configMap;
  const source: string = isSecret ? src.secretName : src.name;
  const kindName = isSecret ? "Secret" : "ConfigMap";
  const objectRef = `${kindName} ${pod.namespace}/${source}`;
  const kind = isSecret ? ("secret" as const) : ("configMap" as const);
  const optional = src.optional === true;
  const object = isSecret ? objects.secrets.get(source) : objects.configMaps.get(source);
  if (!object) {
    if (!optional) {
      find({ severity: "error", object: objectRef, message: `pod ${pod.name}: volume ${name} needs ${objectRef}, which the build does not hold; the kubelet would not start the pod (FailedMount)` });
    }
    return { name, kind, source, files: [] };
  }
  const data = new Map<string, Buffer>();
  if (isSecret) for (const [k, b] of secretData(object)) data.set(k, b);
  else {
    for (const [k, s] of configMapData(object)) data.set(k, Buffer.from(s, "utf8"));
    for (const [k, s] of Object.entries(object.binaryData ?? {})) data.set(k, Buffer.from(String(s), "base64"));
  }
  const defaultMode: number = src.defaultMode ?? DEFAULT_MODE;
  const files: VolumeFile[] = [];
  if (Array.isArray(src.items) && src.items.length > 0) {
    for (const item of src.items) {
      const content = data.get(item.key);
      if (content === undefined) {
        if (!optional) {
          find({ severity: "error", object: objectRef, key: item.key, message: `pod ${pod.name}: volume ${name} projects key ${item.key}, which ${objectRef} does not have; the kubelet would not start the pod (FailedMount)` });
        }
        continue;
      }
      files.push({ path: item.path, content, mode: item.mode ?? defaultMode });
    }
  } else {
    for (const [k, content] of data) files.push({ path: k, content, mode: defaultMode });
  }
  return { name, kind, source, files };
}

// ---------------------------------------------------------------------------------------------
// Containers

interface ContainerContext {
  input: PlanInput;
  pod: PodIdentity;
  spec: any;
  psc: any;
  node: NodeInfo;
  objects: Objects;
  svcEnv: Map<string, string>;
  volumes: VolumePlan[];
  find: Find;
}

function planContainer(ctx: ContainerContext, c: any, role: ContainerPlan["role"]): ContainerPlan {
  const { pod, psc, find } = ctx;
  const csc = c.securityContext ?? {};
  const name: string = c.name;
  const image: ImageFs | undefined = ctx.input.images[name];
  if (!image) find({ severity: "error", container: name, message: `pod ${pod.name} container ${name}: no image was given for ${c.image ?? "its image"}` });
  const img: ImageFs = image ?? { ref: String(c.image ?? ""), layers: [] };

  const kubeletEnv = containerEnv(ctx, c);
  const env = new Map<string, string>([["PATH", DEFAULT_PATH], ["HOSTNAME", pod.hostname]]);
  for (const [k, v] of Object.entries(img.env ?? {})) env.set(k, v);
  for (const [k, v] of kubeletEnv) env.set(k, v);

  // Command and args see the kubelet's variables only: the image's ENV is applied later, by containerd.
  const lookup = lookupIn(kubeletEnv);
  const command = ((c.command ?? []) as string[]).map((s) => expand(String(s), lookup));
  const args = ((c.args ?? []) as string[]).map((s) => expand(String(s), lookup));
  let argv: string[];
  if (command.length > 0) argv = [...command, ...args];
  else {
    const entrypoint = img.entrypoint && !(img.entrypoint.length === 1 && img.entrypoint[0] === "") ? img.entrypoint : [];
    argv = [...entrypoint, ...(args.length > 0 ? args : (img.cmd ?? []))];
  }
  if (argv.length === 0) find({ severity: "error", container: name, message: `pod ${pod.name} container ${name}: no command specified (neither the container nor image ${img.ref} gives one)` });

  // runAsUser and runAsGroup: container over pod over the image's USER; a uid without a group takes
  // its group from the image's /etc/passwd (containerd's WithUserID), else 0.
  const runAsUser: number | undefined = csc.runAsUser ?? psc.runAsUser;
  const runAsGroup: number | undefined = csc.runAsGroup ?? psc.runAsGroup;
  const uid = runAsUser ?? img.user?.uid ?? 0;
  const passwdGid = img.accounts?.find((a) => a.uid === uid)?.gid;
  const gid = runAsGroup ?? (runAsUser !== undefined ? (passwdGid ?? 0) : (img.user?.gid ?? passwdGid ?? 0));
  const groups = [...new Set<number>([gid, ...(psc.fsGroup !== undefined ? [psc.fsGroup] : []), ...((psc.supplementalGroups ?? []) as number[])])];
  const runAsNonRoot = csc.runAsNonRoot ?? psc.runAsNonRoot;
  if (runAsNonRoot === true && uid === 0) {
    find({ severity: "error", container: name, message: `pod ${pod.name} container ${name}: runAsNonRoot is set and the container would run as root (uid 0); the kubelet would not start it` });
  }
  if (csc.privileged === true) find({ severity: "unsupported", container: name, message: `pod ${pod.name} container ${name}: privileged containers are not supported by the rehearsal` });

  const resources = planResources(pod, name, c, find);
  const mounts = planMounts(ctx, c, kubeletEnv);
  const ports = ((c.ports ?? []) as any[]).map((p) => ({ ...(p.name ? { name: p.name } : {}), containerPort: p.containerPort, protocol: p.protocol ?? "TCP" }));
  const probe = (field: string): Probe | undefined => (c[field] ? planProbe(pod, name, field, c[field], ports, find) : undefined);
  const hook = (field: "postStart" | "preStop"): Handler | undefined =>
    c.lifecycle?.[field] ? planHandler(pod, name, `lifecycle.${field}`, c.lifecycle[field], ports, find) : undefined;

  const plan: ContainerPlan = {
    name,
    image: img,
    role,
    argv,
    env: [...env].map(([n, value]) => ({ name: n, value })),
    workingDir: c.workingDir || img.workingDir || "/",
    uid,
    gid,
    groups,
    readOnlyRootFilesystem: csc.readOnlyRootFilesystem === true,
    allowPrivilegeEscalation: csc.allowPrivilegeEscalation !== false,
    capabilities: capabilitySet(csc.capabilities, (cap) =>
      find({ severity: "error", container: name, message: `pod ${pod.name} container ${name}: unknown capability ${cap}` }),
    ),
    resources,
    mounts,
    ports,
    terminationMessagePath: c.terminationMessagePath ?? "/dev/termination-log",
  };
  const startup = probe("startupProbe");
  const readiness = probe("readinessProbe");
  const liveness = probe("livenessProbe");
  if (startup) plan.startupProbe = startup;
  if (readiness) plan.readinessProbe = readiness;
  if (liveness) plan.livenessProbe = liveness;
  const postStart = hook("postStart");
  const preStop = hook("preStop");
  if (postStart) plan.postStart = postStart;
  if (preStop) plan.preStop = preStop;
  return plan;
}

/**
 * The kubelet's makeEnvironmentVariables: envFrom in order (later sources over earlier), then env in
 * order (over envFrom, `$(VAR)` expanded against what came before and the Service variables), then
 * the Service variables that no env entry set.
 */
function containerEnv(ctx: ContainerContext, c: any): Map<string, string> {
  const { pod, objects, find } = ctx;
  const name: string = c.name;
  const tmp = new Map<string, string>();
  const svc = new Map(ctx.svcEnv);
  const where = `pod ${pod.name} container ${name}`;
  const missingObject = (kind: string, source: string, via: string): void => {
    const object = `${kind} ${pod.namespace}/${source}`;
    find({ severity: "error", container: name, object, message: `${where}: ${via} names ${object}, which the build does not hold; the kubelet would not start the container (CreateContainerConfigError)` });
  };
  const missingKey = (kind: string, source: string, key: string, via: string): void => {
    const object = `${kind} ${pod.namespace}/${source}`;
    find({ severity: "error", container: name, object, key, message: `${where}: ${via} reads key ${key}, which ${object} does not have; the kubelet would not start the container (CreateContainerConfigError)` });
  };

  for (const ef of (c.envFrom ?? []) as any[]) {
    const prefix: string = ef.prefix ?? "";
    const ref = ef.configMapRef ?? ef.secretRef;
    if (!ref) continue;
    const isSecret = Boolean(ef.secretRef);
    const object = isSecret ? objects.secrets.get(ref.name) : objects.configMaps.get(ref.name);
    if (!object) {
      if (ref.optional !== true) missingObject(isSecret ? "Secret" : "ConfigMap", ref.name, "envFrom");
      continue;
    }
    const entries: Array<[string, string]> = isSecret ? [...secretData(object)].map(([k, b]) => [k, b.toString("utf8")]) : [...configMapData(object)];
    // Keys that are not valid variable names are skipped (the kubelet records an event).
    for (const [k, v] of entries) if (ENV_NAME.test(prefix + k)) tmp.set(prefix + k, v);
  }

  for (const e of (c.env ?? []) as any[]) {
    let value: string | undefined = e.value === undefined || e.value === null ? "" : String(e.value);
    if (value !== "") value = expand(value, lookupIn(tmp, svc));
    else if (e.valueFrom) {
      value = valueFrom(ctx, c, e, missingObject, missingKey);
      if (value === undefined) continue;
    }
    svc.delete(e.name);
    tmp.set(e.name, value);
  }
  for (const [k, v] of svc) if (!tmp.has(k)) tmp.set(k, v);
  return tmp;
}

function valueFrom(
  ctx: ContainerContext,
  c: any,
  e: any,
  missingObject: (kind: string, source: string, via: string) => void,
  missingKey: (kind: string, source: string, key: string, via: string) => void,
): string | undefined {
  const { pod, objects, find } = ctx;
  const vf = e.valueFrom;
  const via = `env ${e.name}`;
  if (vf.configMapKeyRef || vf.secretKeyRef) {
    const isSecret = Boolean(vf.secretKeyRef);
    const ref = vf.secretKeyRef ?? vf.configMapKeyRef;
    const kind = isSecret ? "Secret" : "ConfigMap";
    const object = isSecret ? objects.secrets.get(ref.name) : objects.configMaps.get(ref.name);
    if (!object) {
      if (ref.optional !== true) missingObject(kind, ref.name, via);
      return undefined;
    }
    const value = isSecret ? secretData(object).get(ref.key)?.toString("utf8") : configMapData(object).get(ref.key);
    if (value === undefined && ref.optional !== true) missingKey(kind, ref.name, ref.key, via);
    return value;
  }
  if (vf.fieldRef) {
    const value = fieldValue(ctx, String(vf.fieldRef.fieldPath ?? ""));
    if (value === undefined) {
      find({ severity: "error", container: c.name, message: `pod ${pod.name} container ${c.name}: env ${e.name} reads fieldRef ${vf.fieldRef.fieldPath}, which the downward API does not support in env` });
    }
    return value;
  }
  if (vf.resourceFieldRef) return resourceValue(ctx, c, e.name, vf.resourceFieldRef);
  find({ severity: "unsupported", container: c.name, message: `pod ${pod.name} container ${c.name}: env ${e.name} uses a valueFrom source the rehearsal does not support` });
  return undefined;
}

function fieldValue(ctx: ContainerContext, path: string): string | undefined {
  const { pod, input, node } = ctx;
  const keyed = /^metadata\.(labels|annotations)\['(.*)'\]$/.exec(path);
  if (keyed) return (keyed[1] === "labels" ? pod.labels : pod.annotations)[keyed[2]!] ?? "";
  switch (path) {
    case "metadata.name":
      return pod.name;
    case "metadata.namespace":
      return pod.namespace;
    case "metadata.uid":
      return podUid(pod);
    case "spec.nodeName":
      return node.name;
    case "spec.serviceAccountName":
      return ctx.spec.serviceAccountName ?? "default";
    case "status.hostIP":
    case "status.hostIPs":
      return node.ip;
    case "status.podIP":
    case "status.podIPs":
      return input.podIP;
    default:
      return undefined;
  }
}

/** A stable UUID-shaped id: the rehearsal has no API server to assign one. */
export function podUid(pod: { namespace: string; name: string }): string {
  const h = createHash("sha256").update(`${pod.namespace}/${pod.name}`).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** resourceFieldRef: the limit (node allocatable when unset) or request, divided by the divisor and rounded up. */
function resourceValue(ctx: ContainerContext, c: any, envName: string, ref: any): string | undefined {
  const { pod, spec, node, find } = ctx;
  const target = ref.containerName ? [...(spec.containers ?? []), ...(spec.initContainers ?? [])].find((x: any) => x.name === ref.containerName) : c;
  const fail = (why: string): undefined => {
    find({ severity: "error", container: c.name, message: `pod ${pod.name} container ${c.name}: env ${envName} resourceFieldRef ${ref.resource}: ${why}` });
    return undefined;
  };
  if (!target) return fail(`no container ${ref.containerName} in the pod`);
  const [section, resource] = String(ref.resource ?? "").split(".", 2) as [string, string | undefined];
  if ((section !== "limits" && section !== "requests") || !resource) return fail("not a resource the downward API knows");
  const limits = target.resources?.limits ?? {};
  const requests = { ...limits, ...(target.resources?.requests ?? {}) };
  const raw = section === "limits" ? limits[resource] : requests[resource];
  const divisor = ref.divisor === undefined || ref.divisor === "0" || ref.divisor === 0 ? "1" : ref.divisor;
  const divisorNanos = parseQuantity(divisor);
  if (!divisorNanos) return fail(`invalid divisor ${JSON.stringify(ref.divisor)}`);
  if (resource === "cpu") {
    const millis = raw === undefined ? (section === "limits" ? node.cpuMillis : 0) : quantityMillis(raw);
    if (millis === undefined) return fail(`invalid quantity ${JSON.stringify(raw)}`);
    const divMillis = ceilDiv(divisorNanos, 1_000_000n);
    return String(ceilDiv(BigInt(millis), divMillis));
  }
  if (resource === "memory" || resource === "ephemeral-storage") {
    const bytes = raw === undefined ? (section === "limits" && resource === "memory" ? node.memoryBytes : 0) : quantityValue(raw);
    if (bytes === undefined) return fail(`invalid quantity ${JSON.stringify(raw)}`);
    return String(ceilDiv(BigInt(bytes), ceilDiv(divisorNanos, 1_000_000_000n)));
  }
  return fail("not a resource the rehearsal supports");
}

const ceilDiv = (a: bigint, b: bigint): bigint => (a + b - 1n) / b;

/** A quantity's Value(): whole base units, rounded up. */
export function quantityValue(q: unknown): number | undefined {
  const nanos = parseQuantity(q);
  return nanos === undefined ? undefined : Number(ceilDiv(nanos, 1_000_000_000n));
}

/** A quantity's MilliValue(): thousandths, rounded up. */
export function quantityMillis(q: unknown): number | undefined {
  const nanos = parseQuantity(q);
  return nanos === undefined ? undefined : Number(ceilDiv(nanos, 1_000_000n));
}

function planResources(pod: PodIdentity, name: string, c: any, find: Find): ContainerPlan["resources"] {
  const limits = c.resources?.limits ?? {};
  const requests = c.resources?.requests ?? {};
  const out: ContainerPlan["resources"] = {};
  const read = (q: unknown, field: string, parse: (q: unknown) => number | undefined): number | undefined => {
    if (q === undefined) return undefined;
    const v = parse(q);
    if (v === undefined) find({ severity: "error", container: name, message: `pod ${pod.name} container ${name}: resources.${field} ${JSON.stringify(q)} is not a valid quantity` });
    return v;
  };
  const set = <K extends keyof ContainerPlan["resources"]>(k: K, v: number | undefined): void => {
    if (v !== undefined) out[k] = v;
  };
  set("cpuLimitMillis", read(limits.cpu, "limits.cpu", quantityMillis));
  set("memoryLimitBytes", read(limits.memory, "limits.memory", quantityValue));
  set("ephemeralStorageLimitBytes", read(limits["ephemeral-storage"], "limits.ephemeral-storage", quantityValue));
  // The API server copies a limit to an unset request of the same resource.
  set("cpuRequestMillis", requests.cpu === undefined ? out.cpuLimitMillis : read(requests.cpu, "requests.cpu", quantityMillis));
  set("memoryRequestBytes", requests.memory === undefined ? out.memoryLimitBytes : read(requests.memory, "requests.memory", quantityValue));
  return out;
}

function planMounts(ctx: ContainerContext, c: any, kubeletEnv: Map<string, string>): MountPlan[] {
  const { pod, volumes, find } = ctx;
  const out: MountPlan[] = [];
  for (const m of (c.volumeMounts ?? []) as any[]) {
    const volume = volumes.find((v) => v.name === m.name);
    if (!volume) {
      const known = ((ctx.spec.volumes ?? []) as any[]).some((v) => v.name === m.name);
      if (!known) find({ severity: "error", container: c.name, message: `pod ${pod.name} container ${c.name}: volumeMount ${m.mountPath} names volume ${m.name}, which the pod does not define` });
      continue;
    }
    let subPath: string | undefined = m.subPath || undefined;
    if (m.subPathExpr) subPath = expand(String(m.subPathExpr), lookupIn(kubeletEnv));
    if (subPath !== undefined && (subPath.startsWith("/") || subPath.split("/").includes(".."))) {
      find({ severity: "error", container: c.name, message: `pod ${pod.name} container ${c.name}: subPath ${subPath} of volumeMount ${m.mountPath} must be relative and must not contain '..'` });
      continue;
    }
    // configMap and secret volumes are always mounted read-only.
    const readOnly = m.readOnly === true || volume.kind === "configMap" || volume.kind === "secret";
    out.push({ name: m.name, mountPath: String(m.mountPath), ...(subPath !== undefined ? { subPath } : {}), readOnly });
  }
  return out;
}

/** containerd's WithCapabilities: add ALL, drop ALL, then the named adds, then the named drops. */
export function capabilitySet(caps: { add?: string[]; drop?: string[] } | undefined, unknown: (cap: string) => void): string[] {
  if (!caps) return ALL_CAPABILITIES.filter((c) => DEFAULT_CAPABILITIES.includes(c));
  let set = new Set(DEFAULT_CAPABILITIES);
  const add = caps.add ?? [];
  const drop = caps.drop ?? [];
  if (add.includes("ALL")) set = new Set(ALL_CAPABILITIES);
  if (drop.includes("ALL")) set = new Set();
  const named = (list: string[]): string[] =>
    list.filter((c) => c.toUpperCase() !== "ALL").map((c) => {
      const n = `CAP_${c.toUpperCase()}`;
      if (!ALL_CAPABILITIES.includes(n)) unknown(c);
      return n;
    });
  for (const c of named(add)) if (ALL_CAPABILITIES.includes(c)) set.add(c);
  for (const c of named(drop)) set.delete(c);
  return ALL_CAPABILITIES.filter((c) => set.has(c));
}

function planProbe(pod: PodIdentity, container: string, field: string, p: any, ports: ContainerPlan["ports"], find: Find): Probe | undefined {
  const handler = planHandler(pod, container, field, p, ports, find);
  if (!handler) return undefined;
  const probe: Probe = {
    handler,
    initialDelaySeconds: p.initialDelaySeconds ?? 0,
    periodSeconds: p.periodSeconds ?? 10,
    timeoutSeconds: p.timeoutSeconds ?? 1,
    successThreshold: p.successThreshold ?? 1,
    failureThreshold: p.failureThreshold ?? 3,
  };
  if (p.terminationGracePeriodSeconds !== undefined) probe.terminationGracePeriodSeconds = p.terminationGracePeriodSeconds;
  return probe;
}

function planHandler(pod: PodIdentity, container: string, field: string, h: any, ports: ContainerPlan["ports"], find: Find): Handler | undefined {
  const where = `pod ${pod.name} container ${container}: ${field}`;
  const port = (p: unknown): number | undefined => {
    if (typeof p === "number") return p;
    if (typeof p === "string" && /^\d+$/.test(p)) return Number(p);
    const named = ports.find((x) => x.name === p)?.containerPort;
    if (named === undefined) find({ severity: "error", container, message: `${where} names port ${JSON.stringify(p)}, which the container does not declare` });
    return named;
  };
  if (h.tcpSocket && field.startsWith("lifecycle.")) {
    find({ severity: "unsupported", container, message: `${where} uses tcpSocket, which the kubelet does not run as a lifecycle hook` });
    return undefined;
  }
  if (h.exec) return { kind: "exec", command: ((h.exec.command ?? []) as unknown[]).map(String) };
  if (h.httpGet) {
    const p = port(h.httpGet.port);
    if (p === undefined) return undefined;
    const path = String(h.httpGet.path ?? "");
    return {
      kind: "httpGet",
      scheme: String(h.httpGet.scheme ?? "HTTP").toUpperCase() === "HTTPS" ? "HTTPS" : "HTTP",
      ...(h.httpGet.host ? { host: String(h.httpGet.host) } : {}),
      port: p,
      path: path.startsWith("/") ? path : `/${path}`,
      headers: ((h.httpGet.httpHeaders ?? []) as any[]).map((x) => ({ name: String(x.name), value: String(x.value ?? "") })),
    };
  }
  if (h.tcpSocket) {
    const p = port(h.tcpSocket.port);
    if (p === undefined) return undefined;
    return { kind: "tcpSocket", ...(h.tcpSocket.host ? { host: String(h.tcpSocket.host) } : {}), port: p };
  }
  if (h.sleep) return { kind: "sleep", seconds: Number(h.sleep.seconds ?? 0) };
  const kind = Object.keys(h).find((k) => !/Seconds$|Threshold$/.test(k)) ?? "none";
  find({ severity: "unsupported", container, message: `${where} uses a ${kind} handler, which is not supported by the rehearsal` });
  return undefined;
}
