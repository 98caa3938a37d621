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
  kind: "ConfigMap" | "Secret";
  name: string;
  via: "envFrom" | "env" | "volume" | "imagePullSecrets";
  /** Field path of the name, e.g. spec.template.spec.containers[0].envFrom[1].secretRef.name */
  field: string;
}

/** Every ConfigMap and Secret a pod spec names: env, envFrom, plain and projected volumes, pull secrets. */
export function podReferences(o: ObjectLike): PodReference[] {
  const pod = podSpecOf(o);
  if (!pod) return [];
  const refs: PodReference[] = [];
  const add = (kind: PodReference["kind"], name: string | undefined, via: PodReference["via"], field: string) => {
    if (name) refs.push({ kind, name, via, field });
  };
  for (const { container: c, path } of containersOf(o)) {
    (c.envFrom ?? []).forEach((e, i) => {
      add("ConfigMap", e.configMapRef?.name, "envFrom", `${path}.envFrom[${i}].configMapRef.name`);
      add("Secret", e.secretRef?.name, "envFrom", `${path}.envFrom[${i}].secretRef.name`);
    });
    (c.env ?? []).forEach((e, i) => {
      add("ConfigMap", e.valueFrom?.configMapKeyRef?.name, "env", `${path}.env[${i}].valueFrom.configMapKeyRef.name`);
      add("Secret", e.valueFrom?.secretKeyRef?.name, "env", `${path}.env[${i}].valueFrom.secretKeyRef.name`);
    });
  }
  (pod.spec.volumes ?? []).forEach((v, i) => {
    const at = `${pod.path}.volumes[${i}]`;
    add("ConfigMap", v.configMap?.name, "volume", `${at}.configMap.name`);
    add("Secret", v.secret?.secretName, "volume", `${at}.secret.secretName`);
    (v.projected?.sources ?? []).forEach((s, j) => {
      add("ConfigMap", s.configMap?.name, "volume", `${at}.projected.sources[${j}].configMap.name`);
      add("Secret", s.secret?.name, "volume", `${at}.projected.sources[${j}].secret.name`);
    });
  });
  (pod.spec.imagePullSecrets ?? []).forEach((s, i) => add("Secret", s.name, "imagePullSecrets", `${pod.path}.imagePullSecrets[${i}].name`));
  return refs;
}
