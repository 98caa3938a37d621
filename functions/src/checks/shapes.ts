/**
 * The fields the core reads must have the types Kubernetes gives them; a
 * value of another shape is a finding naming the field, checked once before
 * anything is derived, so no module meets a string where it expects a list.
 */
import { type KubeObject, isPlainObject, refOf } from "../core/kube.ts";
import { READ_KINDS } from "../core/overlay-view.ts";
import { podSpecOf } from "../core/shop-objects.ts";
import { type Result, error } from "../core/results.ts";

type Expect = "mapping" | "string" | "list of mappings";

function problem(value: unknown, want: Expect): string | undefined {
  if (value === undefined || value === null) return undefined;
  switch (want) {
    case "mapping": return isPlainObject(value) ? undefined : "a mapping";
    case "string": return typeof value === "string" ? undefined : "a string";
    case "list of mappings": return Array.isArray(value) && value.every(isPlainObject) ? undefined : "a list of mappings";
  }
}

const CONTAINER_FIELDS: [string, Expect][] = [
  ["name", "string"], ["image", "string"], ["envFrom", "list of mappings"], ["env", "list of mappings"], ["resources", "mapping"],
];
/** The pod-level lists the object references are read from (shop-objects.ts, podReferences). */
const POD_LISTS = ["imagePullSecrets", "volumes"] as const;

export function checkShapes(objects: readonly KubeObject[]): Result[] {
  const out: Result[] = [];
  for (const o of objects) {
    if (!READ_KINDS.has(o.kind ?? "")) continue;
    const at = (value: unknown, want: Expect, field: string) => {
      const expected = problem(value, want);
      if (expected) out.push(error("field-shape", `must be ${expected}, got ${JSON.stringify(value)}`, { ref: refOf(o), field }));
      return !expected;
    };
    if (!at(o.metadata?.name, "string", "metadata.name")) continue;
    if (!at(o.spec, "mapping", "spec")) continue;
    if (o.kind === "Service") {
      at(o.spec?.selector, "mapping", "spec.selector");
      at(o.spec?.ports, "list of mappings", "spec.ports");
    }
    const template = o.kind === "CronJob" ? o.spec?.jobTemplate?.spec?.template : o.spec?.template;
    const templatePath = o.kind === "CronJob" ? "spec.jobTemplate.spec.template" : "spec.template";
    if (o.kind !== "Pod" && !at(template, "mapping", templatePath)) continue;
    if (template && !at(template.spec, "mapping", `${templatePath}.spec`)) continue;
    const pod = podSpecOf(o);
    if (!pod) continue;
    for (const list of POD_LISTS) at(pod.spec[list], "list of mappings", `${pod.path}.${list}`);
    (Array.isArray(pod.spec.volumes) ? pod.spec.volumes : []).forEach((v: unknown, i: number) => {
      const projected = isPlainObject(v) ? v.projected : undefined;
      if (at(projected, "mapping", `${pod.path}.volumes[${i}].projected`) && isPlainObject(projected)) {
        at(projected.sources, "list of mappings", `${pod.path}.volumes[${i}].projected.sources`);
      }
    });
    for (const list of ["initContainers", "containers"] as const) {
      if (!at(pod.spec[list], "list of mappings", `${pod.path}.${list}`)) continue;
      (pod.spec[list] ?? []).forEach((c: any, i: number) => {
        for (const [field, want] of CONTAINER_FIELDS) at(c[field], want, `${pod.path}.${list}[${i}].${field}`);
        for (const kind of ["requests", "limits"]) at(c.resources?.[kind], "mapping", `${pod.path}.${list}[${i}].resources.${kind}`);
      });
    }
  }
  return out;
}
