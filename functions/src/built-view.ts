import type { KubeObject } from "./kube.js";
import type { OverlayView } from "./overlay-view.js";
import type { Item } from "./resource-list.js";

/** Plugin mode: the items are the output of a kustomize build, already composed. */
// Only these kinds are read; every other item passes through unparsed. The
// two ConfigMaps the function writes are looked up by name (built-edits.ts).
const READ_KINDS = new Set([
  "Service", "Ingress",
  "Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job", "CronJob",
]);

export function builtView(items: readonly Item[]): OverlayView {
  return {
    label: "kustomize build",
    objects: items.filter((i) => READ_KINDS.has(i.kind)).map((i) => i.object() as KubeObject),
    namePrefix: "",
    nameSuffix: "",
    fileOf: () => undefined,
  };
}
