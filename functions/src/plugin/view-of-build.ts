/** Plugin mode: the items are the output of a kustomize build, already composed. */
import type { KubeObject } from "../core/kube.ts";
import { type OverlayView, READ_KINDS } from "../core/overlay-view.ts";
import type { Item } from "../core/resource-list.ts";

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
