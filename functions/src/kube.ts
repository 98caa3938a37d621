import type { KubernetesObject, V1PodSpec } from "@kubernetes/client-node";
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

interface PodTemplateAt {
  template: { metadata?: { labels?: Record<string, string> }; spec?: V1PodSpec };
  path: string;
}

/** Where each workload kind keeps its pod template; every kind that runs containers is listed. */
function podTemplateOf(o: KubeObject): PodTemplateAt | undefined {
  switch (o.kind) {
    case "Pod":
      return { template: o, path: "spec" };
    case "Deployment":
    case "StatefulSet":
    case "DaemonSet":
    case "ReplicaSet":
    case "ReplicationController":
    case "Job":
      return o.spec?.template ? { template: o.spec.template, path: "spec.template.spec" } : undefined;
    case "CronJob":
      return o.spec?.jobTemplate?.spec?.template
        ? { template: o.spec.jobTemplate.spec.template, path: "spec.jobTemplate.spec.template.spec" }
        : undefined;
    default:
      return undefined;
  }
}

export function podSpecOf(o: KubeObject): PodSpecAt | undefined {
  const at = podTemplateOf(o);
  return at?.template.spec ? { spec: at.template.spec, path: at.path } : undefined;
}

export const podLabels = (o: KubeObject): Record<string, string> => podTemplateOf(o)?.template.metadata?.labels ?? {};

export const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
