import type { KubeObject } from "./kube.ts";
import type { OverlayView } from "./overlay-view.ts";
import type { Item } from "./resource-list.ts";

/** Plugin mode: the items are the output of a kustomize build, already composed. */
// Only these kinds are read (also by shapes.ts); every other item passes through untouched. The
// two ConfigMaps the function writes are looked up by name (built-edits.ts).
export const READ_KINDS = new Set([
  "Service", "Ingress", "ConfigMap", "Secret", "ExternalSecret", "PodDisruptionBudget", "NetworkPolicy",
  "Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job", "CronJob",
]);

export function builtView(items: readonly Item[]): OverlayView {
  return viewOfBuild(items.map((i) => i.object() as KubeObject), "kustomize build");
}

/** A view of objects a real `kustomize build` emitted: composed already, no source files known. */
export function viewOfBuild(objects: readonly KubeObject[], label: string): OverlayView {
  return {
    label,
    objects: objects.filter((o) => READ_KINDS.has(o.kind ?? "")),
    namePrefix: "",
    nameSuffix: "",
    fileOf: () => undefined,
  };
}
