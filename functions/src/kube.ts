import type { KubernetesObject } from "@kubernetes/client-node";
import type { ResourceRef } from "./results.ts";

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

export const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
