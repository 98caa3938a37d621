/**
 * Check: every ConfigMap and Secret a pod reads is in the output, made by an ExternalSecret, or
 * provisioned outside git.
 */
import { isNamed, refOf, secretWrittenBy } from "../core/kube.ts";
import { type OverlayView, fileWhere } from "../core/overlay-view.ts";
import type { Policy } from "../core/policy.ts";
import { configReferences, podTemplates, providerOf } from "../core/pod-templates.ts";
import { type Result, error } from "../core/results.ts";

/**
 * Each ConfigMap or Secret a pod reads (envFrom, env valueFrom, volumes) is in the output, or, for
 * a Secret, is one the DeployPolicy declares as provisioned outside git. `optional: true` references
 * are left alone: the pod starts without them.
 */
export function checkReferences(view: OverlayView, policy: Policy): Result[] {
  const provisioned = new Set(policy.provisionedSecrets);
  return podTemplates(view.objects).flatMap((t) => {
    // A pod reads only its own namespace's ConfigMaps and Secrets.
    const present = (kind: string, name: string) => providerOf(view.objects, t.namespace, kind, name, view) !== undefined;
    const message = (kind: string, name: string) => {
      const other = providerOf(view.objects, undefined, kind, name, view);
      if (other) return `reads the ${kind} "${name}" in its namespace ${t.namespace}, but the output has it only in the namespace ${other.metadata?.namespace}: a pod reads only its own namespace's`;
      return kind === "Secret"
        ? `reads the Secret "${name}", which is neither in the output nor in the DeployPolicy's spec.provisionedSecrets${renamedWriter(view, name)}`
        : `reads the ConfigMap "${name}", which is not in the output`;
    };
    return configReferences(t.owner)
      .filter((r) => !r.optional && !present(r.kind, r.name) && !(r.kind === "Secret" && provisioned.has(r.name)))
      .map((r) => error(
        "reference-missing",
        message(r.kind, r.name),
        { ref: refOf(t.owner), field: r.field, ...fileWhere(view, t.owner) },
      ));
  });
}

/** Why an ExternalSecret that once had the name a pod reads does not make that Secret, when one did. */
function renamedWriter(view: OverlayView, name: string): string {
  const es = view.objects.find((o) => isNamed(o, name) && secretWrittenBy(o, view) !== undefined);
  if (!es) return "";
  return `; the ExternalSecret "${es.metadata?.name}" writes "${secretWrittenBy(es, view)}", because the build renames it and kustomize never renames a reference to it: ` +
    `set its spec.target.name to "${name}"`;
}
