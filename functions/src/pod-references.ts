import { type PodTemplate, containersOf } from "./pod-templates.js";

/** A ConfigMap or Secret a pod template reads, and the field that names it. */
export interface PodReference {
  kind: "ConfigMap" | "Secret";
  name: string;
  field: string;
  /** `optional: true`: the pod starts without it. */
  optional: boolean;
  /** The node that holds the reference, for locating the file that set it. */
  node: object;
}

/** Every envFrom, env valueFrom and volume source (projected included) of a pod template. */
export function podReferences(t: PodTemplate): PodReference[] {
  const out: PodReference[] = [];
  const add = (kind: PodReference["kind"], ref: any, nameKey: string, field: string, node: object) => {
    if (ref && typeof ref[nameKey] === "string") out.push({ kind, name: ref[nameKey], field: `${field}.${nameKey}`, optional: ref.optional === true, node });
  };
  for (const { container, path } of containersOf(t)) {
    (Array.isArray(container?.envFrom) ? container.envFrom : []).forEach((e: any, i: number) => {
      add("ConfigMap", e?.configMapRef, "name", `${path}.envFrom[${i}].configMapRef`, container);
      add("Secret", e?.secretRef, "name", `${path}.envFrom[${i}].secretRef`, container);
    });
    (Array.isArray(container?.env) ? container.env : []).forEach((e: any, i: number) => {
      add("ConfigMap", e?.valueFrom?.configMapKeyRef, "name", `${path}.env[${i}].valueFrom.configMapKeyRef`, container);
      add("Secret", e?.valueFrom?.secretKeyRef, "name", `${path}.env[${i}].valueFrom.secretKeyRef`, container);
    });
  }
  (Array.isArray(t.spec?.volumes) ? t.spec.volumes : []).forEach((v: any, i: number) => {
    const at = `${t.path}.volumes[${i}]`;
    add("ConfigMap", v?.configMap, "name", `${at}.configMap`, v);
    add("Secret", v?.secret, "secretName", `${at}.secret`, v);
    (Array.isArray(v?.projected?.sources) ? v.projected.sources : []).forEach((s: any, j: number) => {
      add("ConfigMap", s?.configMap, "name", `${at}.projected.sources[${j}].configMap`, v);
      add("Secret", s?.secret, "name", `${at}.projected.sources[${j}].secret`, v);
    });
  });
  return out;
}
