/**
 * Check: every ConfigMap and Secret a pod reads is in the output, made by an ExternalSecret, or
 * provisioned outside git.
 */
import { type KubeObject, namesOf, refOf } from "../core/kube.ts";
import { type OverlayView, fileWhere } from "../core/overlay-view.ts";
import type { Policy } from "../core/policy.ts";
import { configReferences, podTemplates } from "../core/pod-templates.ts";
import { type Result, error } from "../core/results.ts";

/**
 * Secrets the output brings into being without being Secrets: an ExternalSecret creates its target.
 * Only the External Secrets Operator's kind is known here; other generators of Secrets are not.
 */
function secretsCreatedBy(o: KubeObject): string[] {
  if (o.kind !== "ExternalSecret" || !String(o.apiVersion ?? "").startsWith("external-secrets.io/")) return [];
  const name = o.spec?.target?.name ?? o.metadata?.name;
  return typeof name === "string" ? [name] : [];
}

/**
 * Each ConfigMap or Secret a pod reads (envFrom, env valueFrom, volumes) is in the output, or, for
 * a Secret, is one the DeployPolicy declares as provisioned outside git. `optional: true` references
 * are left alone: the pod starts without them.
 */
export function checkReferences(view: OverlayView, policy: Policy): Result[] {
  const present = {
    ConfigMap: new Set(view.objects.filter((o) => o.kind === "ConfigMap").flatMap(namesOf)),
    Secret: new Set([...view.objects.filter((o) => o.kind === "Secret").flatMap(namesOf), ...view.objects.flatMap(secretsCreatedBy)]),
  };
  const provisioned = new Set(policy.provisionedSecrets);
  return podTemplates(view.objects).flatMap((t) =>
    configReferences(t.owner)
      .filter((r) => !r.optional && !present[r.kind as "ConfigMap" | "Secret"].has(r.name) && !(r.kind === "Secret" && provisioned.has(r.name)))
      .map((r) => error(
        "reference-missing",
        r.kind === "Secret"
          ? `reads the Secret "${r.name}", which is neither in the output nor in the DeployPolicy's spec.provisionedSecrets`
          : `reads the ConfigMap "${r.name}", which is not in the output`,
        { ref: refOf(t.owner), field: r.field, ...fileWhere(view, t.owner) },
      )));
}
