/**
 * Check: every PodDisruptionBudget and NetworkPolicy selects a pod template of the output.
 */
import { type KubeObject, refOf } from "../core/kube.ts";
import { type LabelSelector, selects, unknownOperators } from "../core/label-selector.ts";
import { type OverlayView, fieldOf, fileWhere } from "../core/overlay-view.ts";
import { podTemplates, sameNamespace } from "../core/pod-templates.ts";
import { type Result, error } from "../core/results.ts";

// A Map, not an object literal: a kind such as "constructor" must not find Object.prototype's members.
const SELECTOR_FIELD = new Map<string | undefined, string>([["PodDisruptionBudget", "selector"], ["NetworkPolicy", "podSelector"]]);

/** Every PodDisruptionBudget and NetworkPolicy selects at least one pod template of the output. */
export function checkSelectors(view: OverlayView): Result[] {
  const templates = podTemplates(view.objects);
  return view.objects
    .flatMap((o: KubeObject) => {
      const key = SELECTOR_FIELD.get(o.kind);
      if (!key) return [];
      const selector = o.spec?.[key] as LabelSelector | undefined;
      const where = { ref: refOf(o), field: `spec.${key}`, ...fileWhere(view, o, fieldOf(o.spec, key)) };
      if (!selector) return [error("selector-invalid", `has no spec.${key}`, where)];
      const bad = unknownOperators(selector);
      if (bad.length) return [error("selector-invalid", `uses the selector operator ${bad.join(", ")}, which Kubernetes does not define (In, NotIn, Exists, DoesNotExist)`, where)];
      const hit = templates.some((t) => sameNamespace(t.namespace, o.metadata?.namespace) && selects(selector, t.labels));
      return hit ? [] : [error("selector-matches-nothing", `${key} ${JSON.stringify(selector)} matches no pod template in the output`, where)];
    });
}
