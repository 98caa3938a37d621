/**
 * Core: Kubernetes objects as plain data, how findings name them, and the names a reference may
 * use.
 */
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

const PREVIOUS_NAMES = "internal.config.kubernetes.io/previousNames";
const PREVIOUS_KINDS = "internal.config.kubernetes.io/previousKinds";

/**
 * Every name a reference may use for the object. kustomize hands an exec plugin objects already
 * renamed (namePrefix, nameSuffix, a renaming patch) but fixes the references to them only after
 * the plugin ran, so in plugin mode a reference may still carry a name the object had before; the
 * build records those (with their kinds) in annotations. Package mode's objects carry none.
 */
export function namesOf(o: KubeObject): string[] {
  const annotations = o.metadata?.annotations ?? {};
  const names = (annotations[PREVIOUS_NAMES] ?? "").split(",");
  const kinds = (annotations[PREVIOUS_KINDS] ?? "").split(",");
  const previous = names.filter((n, i) => n !== "" && kinds[i] === o.kind);
  return [...new Set([o.metadata?.name ?? "", ...previous])];
}

/** Whether a reference written as `name` reaches the object. */
export const isNamed = (o: KubeObject, name: unknown): boolean => typeof name === "string" && namesOf(o).includes(name);
