/**
 * Core: the view of one overlay that both modes build and derive reads.
 */
import type { KubeObject } from "./kube.ts";

/**
 * One environment as the function sees it: the objects a `kustomize build`
 * of the overlay would emit, plus where their fields came from. Built by
 * package-view.ts from the files of a kpt package, or by view-of-build.ts from
 * the output of an actual kustomize build (plugin mode).
 */
export interface OverlayView {
  /** How findings name this overlay: its directory, or "kustomize build" in plugin mode. */
  label: string;
  objects: KubeObject[];
  /** The file that set an object, a sub-object (a container) or one field of it, when known. */
  fileOf(node: object, field?: string): string | undefined;
  /** Prefix and suffix kustomize will still add to names seen here (package mode only). */
  namePrefix: string;
  nameSuffix: string;
}

// Only these kinds are read (plugin mode's view holds no others, shapes.ts checks these); every
// other item passes through untouched. The two ConfigMaps the function writes are looked up by
// name (apply-derived-values.ts).
export const READ_KINDS = new Set([
  "Service", "Ingress", "ConfigMap", "Secret", "ExternalSecret", "PodDisruptionBudget", "NetworkPolicy",
  "Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job", "CronJob",
]);

/** One field of a node: findings about a patched field name the patch, not the object's file. */
export class FieldOf {
  constructor(
    readonly node: object,
    readonly field: string,
  ) {}
}

/** A node, or one field of a node, whose source file a finding should name. */
export type Located = object | FieldOf | undefined;

export const fieldOf = (node: object | undefined, field: string): FieldOf | undefined =>
  node ? new FieldOf(node, field) : undefined;

/** The file of the most specific location that has one: a patched field's file wins over its object's. */
export function fileWhere(view: OverlayView, ...locations: Located[]): { file?: string } {
  for (const loc of [...locations].reverse()) {
    if (!loc) continue;
    const file = loc instanceof FieldOf ? view.fileOf(loc.node, loc.field) : view.fileOf(loc);
    if (file) return { file };
  }
  return {};
}
