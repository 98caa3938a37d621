/**
 * Check: Services select pods and target ports they declare; Ingress backends name Services and
 * ports of the output.
 */
import { type KubeObject, isNamed, refOf } from "../core/kube.ts";
import { selectsByMap } from "../core/label-selector.ts";
import { type OverlayView, fieldOf, fileWhere } from "../core/overlay-view.ts";
import { type PodTemplate, podTemplates, sameNamespace } from "../core/pod-templates.ts";
import { containersOf } from "../core/shop-objects.ts";
import { type Result, error } from "../core/results.ts";

/**
 * Each Service with a selector selects at least one pod template and each of its ports targets a
 * port that a selected container declares; each Ingress backend names a Service of the output and
 * one of its ports.
 */
export function checkServices(view: OverlayView): Result[] {
  const selection = selectionBySelector(podTemplates(view.objects));
  const services = view.objects.filter((o) => o.kind === "Service");
  return [
    ...services.flatMap((svc) => checkService(view, svc, selection)),
    ...view.objects.filter((o) => o.kind === "Ingress").flatMap((ing) => checkIngress(view, ing, services)),
  ];
}

interface Selection {
  selected: PodTemplate[];
  portNames: Set<unknown>;
  portNumbers: Set<unknown>;
}

/**
 * What a Service selector selects depends only on its namespace and its pairs, and Services often
 * share both (copies of one app): each distinct pair set is matched against the templates once,
 * which keeps the check linear in the number of objects.
 */
function selectionBySelector(templates: PodTemplate[]): (namespace: string | undefined, selector: Record<string, string>) => Selection {
  const cache = new Map<string, Selection>();
  return (namespace, selector) => {
    const key = JSON.stringify([namespace ?? null, Object.entries(selector).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))]);
    let found = cache.get(key);
    if (!found) {
      const selected = templates.filter((t) => sameNamespace(t.namespace, namespace) && selectsByMap(selector, t.labels));
      const declared = selected.flatMap((t) => containersOf(t.owner).flatMap(({ container }) => (Array.isArray(container?.ports) ? container.ports : [])));
      found = { selected, portNames: new Set(declared.map((c: any) => c?.name)), portNumbers: new Set(declared.map((c: any) => c?.containerPort)) };
      cache.set(key, found);
    }
    return found;
  };
}

function checkService(view: OverlayView, svc: KubeObject, selection: ReturnType<typeof selectionBySelector>): Result[] {
  const selector = svc.spec?.selector;
  if (svc.spec?.type === "ExternalName" || !selector || Object.keys(selector).length === 0) return [];
  const where = (field: string, node?: object) => ({ ref: refOf(svc), field, ...fileWhere(view, svc, node) });
  const { selected, portNames, portNumbers } = selection(svc.metadata?.namespace, selector);
  if (selected.length === 0) {
    return [error("service-selects-nothing", `selector ${JSON.stringify(selector)} matches no pod template in the output`, where("spec.selector", fieldOf(svc.spec, "selector")))];
  }
  const results: Result[] = [];
  (Array.isArray(svc.spec?.ports) ? svc.spec.ports : []).forEach((p: any, i: number) => {
    const target = p?.targetPort ?? p?.port;
    const found = typeof target === "string" ? portNames.has(target) : portNumbers.has(target);
    if (!found) {
      const pods = selected.map((t) => `${t.owner.kind} ${t.owner.metadata?.name}`).join(", ");
      results.push(error("service-target-port", `targetPort ${JSON.stringify(target)} is not a container port of the pods it selects (${pods})`, where(`spec.ports[${i}].targetPort`, p)));
    }
  });
  return results;
}

function checkIngress(view: OverlayView, ing: KubeObject, services: KubeObject[]): Result[] {
  // An overlay replaces the rules as a whole: the file that set the list is the one to name.
  const backends: Array<{ backend: any; field: string; set: "defaultBackend" | "rules" }> = [];
  if (ing.spec?.defaultBackend) backends.push({ backend: ing.spec.defaultBackend, field: "spec.defaultBackend", set: "defaultBackend" });
  (Array.isArray(ing.spec?.rules) ? ing.spec.rules : []).forEach((rule: any, i: number) => {
    (Array.isArray(rule?.http?.paths) ? rule.http.paths : []).forEach((path: any, j: number) => {
      backends.push({ backend: path?.backend, field: `spec.rules[${i}].http.paths[${j}].backend`, set: "rules" });
    });
  });
  return backends.flatMap(({ backend, field, set }) => {
    const ref = backend?.service;
    if (!ref) return [];
    const where = (f: string) => ({ ref: refOf(ing), field: `${field}.service.${f}`, ...fileWhere(view, ing, fieldOf(ing.spec, set)) });
    const svc = services.find((s) => isNamed(s, ref.name) && sameNamespace(s.metadata?.namespace, ing.metadata?.namespace));
    if (!svc) return [error("ingress-backend-service", `names the Service "${ref.name}", which is not in the output`, where("name"))];
    const ports: any[] = Array.isArray(svc.spec?.ports) ? svc.spec.ports : [];
    const ok = ref.port?.name !== undefined ? ports.some((p) => p?.name === ref.port.name) : ports.some((p) => p?.port === ref.port?.number);
    const wanted = ref.port?.name ?? ref.port?.number;
    return ok ? [] : [error("ingress-backend-port", `Service "${ref.name}" has no port ${JSON.stringify(wanted)} (it has ${ports.map((p) => p?.port).join(", ") || "none"})`, where("port"))];
  });
}
