/**
 * How this repository reads its own objects: where each workload kind keeps its pod spec, which
 * ConfigMaps and Secrets a pod spec refers to, which Job is the migration, what a pinned tag looks
 * like. The KRM function, the day-2 commands (scripts/) and the test harness all import this one
 * module, so they cannot drift apart. Erasable TypeScript only: Node runs it as it is (type
 * stripping) and esbuild bundles it into the function.
 */
import type { V1Container, V1PodSpec } from "@kubernetes/client-node";

/** What the readers need of an object; the function's, the commands' and the tests' objects all fit. */
export interface ObjectLike {
  kind?: string;
  metadata?: { name?: string };
  spec?: unknown;
}

export const MIGRATION_JOB_BASE = "medusa-migrate";
// A kustomize namePrefix may stand before the base name and the image tag follows it.
const MIGRATION_JOB_NAME = /(^|-)medusa-migrate(-|$)/;

/** The Job that runs `medusa db:migrate`: medusa-migrate, medusa-migrate-<tag>, <prefix>medusa-migrate-<tag>. */
export const isMigrationJob = (o: ObjectLike): boolean =>
  o.kind === "Job" && MIGRATION_JOB_NAME.test(o.metadata?.name ?? "");

/** The tag the app image workflows publish besides `latest`: the 7-character git short SHA. */
export const SHORT_SHA = /^[0-9a-f]{7}$/;

interface PodTemplate {
  metadata?: { labels?: Record<string, string> };
  spec?: V1PodSpec;
}

/** Where each workload kind keeps its pod template; every built-in kind that runs containers is listed. */
function podTemplateOf(o: ObjectLike): { template: PodTemplate; path: string } | undefined {
  const spec = o.spec as any;
  switch (o.kind) {
    case "Pod":
      return { template: o as PodTemplate, path: "spec" };
    case "Deployment":
    case "StatefulSet":
    case "DaemonSet":
    case "ReplicaSet":
    case "ReplicationController":
    case "Job":
      return spec?.template ? { template: spec.template, path: "spec.template.spec" } : undefined;
    case "CronJob":
      return spec?.jobTemplate?.spec?.template
        ? { template: spec.jobTemplate.spec.template, path: "spec.jobTemplate.spec.template.spec" }
        : undefined;
    default:
      return undefined;
  }
}

export interface PodSpecAt {
  spec: V1PodSpec;
  /** Field path of the pod spec inside the object, in kpt's dotted form. */
  path: string;
}

export function podSpecOf(o: ObjectLike): PodSpecAt | undefined {
  const at = podTemplateOf(o);
  return at?.template.spec ? { spec: at.template.spec, path: at.path } : undefined;
}

export const podLabels = (o: ObjectLike): Record<string, string> => podTemplateOf(o)?.template.metadata?.labels ?? {};

export interface ContainerAt {
  container: V1Container;
  init: boolean;
  /** e.g. spec.template.spec.initContainers[0] */
  path: string;
}

/** Init containers first, in the order the kubelet starts them, then the app containers. */
export function containersOf(o: ObjectLike): ContainerAt[] {
  const pod = podSpecOf(o);
  if (!pod) return [];
  return (["initContainers", "containers"] as const).flatMap((list) =>
    (pod.spec[list] ?? []).map((container, i) => ({ container, init: list === "initContainers", path: `${pod.path}.${list}[${i}]` })));
}

export interface PodReference {
  kind: "ConfigMap" | "Secret" | "ServiceAccount" | "PersistentVolumeClaim";
  name: string;
  via: "serviceAccountName" | "imagePullSecrets" | "volume" | "envFrom" | "env";
  /** Where in the pod, for people: `container medusa envFrom`, `volume data`, `initContainer wait env PGHOST`. */
  from: string;
  /** Field path of the name, e.g. spec.template.spec.containers[0].envFrom[1].secretRef.name */
  field: string;
  /** `optional: true`: the pod starts without it. */
  optional: boolean;
  /** The one key an env valueFrom reads. */
  key?: string;
}

/**
 * Every object a pod spec names: its ServiceAccount (when set; every namespace has `default`),
 * pull secrets, volumes (plain and projected ConfigMaps and Secrets, PersistentVolumeClaims), then
 * each container's envFrom and env, init containers first.
 */
export function podReferences(o: ObjectLike): PodReference[] {
  const pod = podSpecOf(o);
  if (!pod) return [];
  const refs: PodReference[] = [];
  const add = (kind: PodReference["kind"], name: string | undefined, via: PodReference["via"], from: string, field: string,
    more: { optional?: boolean | undefined; key?: string | undefined } = {}) => {
    if (!name) return;
    const ref: PodReference = { kind, name, via, from, field, optional: more.optional === true };
    if (more.key !== undefined) ref.key = more.key;
    refs.push(ref);
  };
  const { spec, path } = pod;
  if (spec.serviceAccountName) add("ServiceAccount", spec.serviceAccountName, "serviceAccountName", "serviceAccountName", `${path}.serviceAccountName`);
  else if (spec.serviceAccount) add("ServiceAccount", spec.serviceAccount, "serviceAccountName", "serviceAccount", `${path}.serviceAccount`);
  (spec.imagePullSecrets ?? []).forEach((s, i) => add("Secret", s.name, "imagePullSecrets", "imagePullSecrets", `${path}.imagePullSecrets[${i}].name`));
  (spec.volumes ?? []).forEach((v, i) => {
    const at = `${path}.volumes[${i}]`;
    const from = `volume ${v.name}`;
    add("ConfigMap", v.configMap?.name, "volume", from, `${at}.configMap.name`, { optional: v.configMap?.optional });
    add("Secret", v.secret?.secretName, "volume", from, `${at}.secret.secretName`, { optional: v.secret?.optional });
    add("PersistentVolumeClaim", v.persistentVolumeClaim?.claimName, "volume", from, `${at}.persistentVolumeClaim.claimName`);
    (v.projected?.sources ?? []).forEach((src, j) => {
      add("ConfigMap", src.configMap?.name, "volume", from, `${at}.projected.sources[${j}].configMap.name`, { optional: src.configMap?.optional });
      add("Secret", src.secret?.name, "volume", from, `${at}.projected.sources[${j}].secret.name`, { optional: src.secret?.optional });
    });
  });
  for (const { container: c, init, path: at } of containersOf(o)) {
    const where = `${init ? "initContainer" : "container"} ${c.name}`;
    (c.envFrom ?? []).forEach((e, i) => {
      add("ConfigMap", e.configMapRef?.name, "envFrom", `${where} envFrom`, `${at}.envFrom[${i}].configMapRef.name`, { optional: e.configMapRef?.optional });
      add("Secret", e.secretRef?.name, "envFrom", `${where} envFrom`, `${at}.envFrom[${i}].secretRef.name`, { optional: e.secretRef?.optional });
    });
    (c.env ?? []).forEach((e, i) => {
      const cm = e.valueFrom?.configMapKeyRef;
      const sk = e.valueFrom?.secretKeyRef;
      add("ConfigMap", cm?.name, "env", `${where} env ${e.name}`, `${at}.env[${i}].valueFrom.configMapKeyRef.name`, { optional: cm?.optional, key: cm?.key });
      add("Secret", sk?.name, "env", `${where} env ${e.name}`, `${at}.env[${i}].valueFrom.secretKeyRef.name`, { optional: sk?.optional, key: sk?.key });
    });
  }
  return refs;
}

/** Volume types that name no other object. */
const SELF_CONTAINED_VOLUMES = new Set(["name", "emptyDir", "downwardAPI", "hostPath", "ephemeral", "image"]);
const READ_VOLUMES = new Set(["configMap", "secret", "persistentVolumeClaim", "projected"]);

/** Volumes of a type podReferences does not read, which may need objects it cannot name. */
export function unreadVolumes(o: ObjectLike): { name: string; type: string }[] {
  return (podSpecOf(o)?.spec.volumes ?? []).flatMap((v) =>
    Object.keys(v).filter((t) => !SELF_CONTAINED_VOLUMES.has(t) && !READ_VOLUMES.has(t)).map((type) => ({ name: v.name, type })));
}
