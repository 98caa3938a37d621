import type { KubernetesObject, V1Container, V1PodSpec } from "@kubernetes/client-node";
import type { ResourceRef } from "./results.js";

/** A Kubernetes object as plain data: the client library gives the field types, nothing else. */
export type KubeObject = KubernetesObject & { spec?: any; data?: Record<string, unknown> };

export function refOf(o: KubeObject): ResourceRef {
  const ref: ResourceRef = {
    apiVersion: o.apiVersion ?? "",
    kind: o.kind ?? "",
    name: o.metadata?.name ?? "",
  };
  if (o.metadata?.namespace) ref.namespace = o.metadata.namespace;
  return ref;
}

export interface PodSpecAt {
  spec: V1PodSpec;
  /** Field path of the pod spec inside the object, in kpt's dotted form. */
  path: string;
}

/** Where each workload kind keeps its pod template; every kind that runs containers is listed. */
export function podSpecOf(o: KubeObject): PodSpecAt | undefined {
  switch (o.kind) {
    case "Pod":
      return o.spec ? { spec: o.spec, path: "spec" } : undefined;
    case "Deployment":
    case "StatefulSet":
    case "DaemonSet":
    case "ReplicaSet":
    case "ReplicationController":
    case "Job":
      return o.spec?.template?.spec ? { spec: o.spec.template.spec, path: "spec.template.spec" } : undefined;
    case "CronJob":
      return o.spec?.jobTemplate?.spec?.template?.spec
        ? { spec: o.spec.jobTemplate.spec.template.spec, path: "spec.jobTemplate.spec.template.spec" }
        : undefined;
    default:
      return undefined;
  }
}

export const podLabels = (o: KubeObject): Record<string, string> =>
  (o.kind === "CronJob" ? o.spec?.jobTemplate?.spec?.template?.metadata?.labels : o.spec?.template?.metadata?.labels) ?? {};

export type Container = V1Container;

export const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
