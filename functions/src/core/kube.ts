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

/** The names a build gives its objects after the view's own: package mode's views hold them before. */
export interface Renames {
  namePrefix: string;
  nameSuffix: string;
}

/** Objects that already carry the names the build ends them with, as plugin mode's do. */
export const AS_BUILT: Renames = { namePrefix: "", nameSuffix: "" };

/**
 * The Secret an External Secrets Operator ExternalSecret writes, as the cluster will name it: its
 * target's name, which no kustomize name transformer rewrites, else its own name as the build ends
 * it (prefix and suffix included). A pod's reference to it is never rewritten either: kustomize
 * fixes references only to the Secrets it builds, so the two meet only when the names already do.
 */
export function secretWrittenBy(o: KubeObject, renames: Renames): string | undefined {
  if (o.kind !== "ExternalSecret" || !String(o.apiVersion ?? "").startsWith("external-secrets.io/")) return undefined;
  const target = o.spec?.target?.name;
  if (typeof target === "string") return target;
  const own = o.metadata?.name;
  return typeof own === "string" ? `${renames.namePrefix}${own}${renames.nameSuffix}` : undefined;
}
