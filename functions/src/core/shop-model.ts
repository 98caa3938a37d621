/**
 * One model of the shop in a composed overlay, built once and read by derive and the checks: each
 * app's pods and its server Deployment, every Service whose selector selects those pods, and every
 * Ingress path with the app behind its backend. Objects are known by what they do (a Service by
 * the pods it selects, a path by the pods behind it), never by name or order, so shuffling the
 * objects never changes what the model says.
 */
import { type PathRule, routeOf } from "./ingress-routing.ts";
import { type KubeObject, isNamed, isPlainObject, refOf } from "./kube.ts";
import { selectsByMap } from "./label-selector.ts";
import { type OverlayView, fieldOf, fileWhere } from "./overlay-view.ts";
import { type PodTemplate, podTemplates, sameNamespace } from "./pod-templates.ts";
import { type Result, type Where, error } from "./results.ts";
import { type Role, ROLES } from "./roles.ts";
import { podLabels } from "./shop-objects.ts";

export interface IngressPath {
  ingress: KubeObject;
  rule: number;
  path: number;
  /** As written; only paths that reach an app have their host checked. */
  host: unknown;
  /** The name of the Service the backend names, and that Service when the output has it. */
  backend?: string;
  service?: KubeObject;
  /** The app behind the backend; undefined for another app's path. */
  role?: Role;
}

export interface ShopModel {
  view: OverlayView;
  /** The one Deployment whose pods carry `app: <role>`, when there is exactly one. */
  servers: Partial<Record<Role, KubeObject>>;
  /** Every workload whose pods carry `app: <role>`, in name order. */
  workloads: Record<Role, KubeObject[]>;
  /** Every Service in front of each app's pods, in name order. */
  services: Record<Role, KubeObject[]>;
  /** Every Ingress path of the output. */
  paths: IngressPath[];
  /** The app that answers `request` on `host`, undefined when none of the shop's does. */
  serves(host: string, request: string): Role | undefined;
  /** Layouts the model cannot read one way only: ambiguous apps, Services and paths. */
  results: Result[];
}

const byName = (a: KubeObject, b: KubeObject): number => {
  const [x, y] = [a.metadata?.name ?? "", b.metadata?.name ?? ""];
  return x < y ? -1 : x > y ? 1 : 0;
};

export function shopModel(view: OverlayView): ShopModel {
  const results: Result[] = [];
  const templates = podTemplates(view.objects);
  const appTemplates = new Map<Role, PodTemplate[]>(ROLES.map((role) => [role, templates.filter((t) => t.labels.app === role)]));
  const servers: Partial<Record<Role, KubeObject>> = {};
  for (const role of ROLES) {
    // By the template's labels alone: a Deployment whose pod spec is missing is still the app's, and says so in findings.
    const deployments = view.objects.filter((o) => o.kind === "Deployment" && podLabels(o).app === role).sort(byName);
    if (deployments.length === 1) servers[role] = deployments[0]!;
    if (deployments.length > 1) {
      results.push(error("app-workload", `${view.label}: ${deployments.length} Deployments run pods labelled app=${role} ` +
        `(${deployments.map((d) => d.metadata?.name).join(", ")}); the shop's ${role} must be one Deployment, so its image and config are not a guess`));
    }
  }
  const services = roleServices(view, appTemplates, results);
  const roleOf = new Map<KubeObject, Role>(ROLES.flatMap((role) => services[role].map((s) => [s, role] as const)));
  const paths = ingressPaths(view, roleOf, results);
  const byHost = rulesByHost(paths, view, results);
  return {
    view,
    servers,
    workloads: { medusa: appTemplates.get("medusa")!.map((t) => t.owner).sort(byName), storefront: appTemplates.get("storefront")!.map((t) => t.owner).sort(byName) },
    services,
    paths,
    serves: (host, request) => routeOf(byHost.get(host) ?? [], request)?.target.role,
    results,
  };
}

function roleServices(view: OverlayView, appTemplates: Map<Role, PodTemplate[]>, results: Result[]): Record<Role, KubeObject[]> {
  const out: Record<Role, KubeObject[]> = { medusa: [], storefront: [] };
  for (const svc of view.objects.filter((o) => o.kind === "Service")) {
    const selector = svc.spec?.selector;
    if (svc.spec?.type === "ExternalName" || !isPlainObject(selector) || Object.keys(selector).length === 0) continue;
    const roles = ROLES.filter((role) => appTemplates.get(role)!.some((t) =>
      sameNamespace(t.namespace, svc.metadata?.namespace) && selectsByMap(selector as Record<string, string>, t.labels)));
    if (roles.length === 1) out[roles[0]!].push(svc);
    if (roles.length > 1) {
      results.push(error("service-two-apps", `selector ${JSON.stringify(selector)} selects the pods of both the medusa and the storefront app, ` +
        "so a host routed to it cannot be told apart; select one app's pods", { ref: refOf(svc), field: "spec.selector" }));
    }
  }
  for (const role of ROLES) out[role].sort(byName);
  return out;
}

/** A list field the model reads: absent is empty, anything else but a list is a finding naming it. */
export function listAt(value: unknown, field: string, at: (field: string) => Where, results: Result[]): any[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value;
  results.push(error("field-shape", `must be a list, got ${JSON.stringify(value)}`, at(field)));
  return [];
}

function ingressPaths(view: OverlayView, roleOf: Map<KubeObject, Role>, results: Result[]): IngressPath[] {
  const services = view.objects.filter((o) => o.kind === "Service");
  return view.objects.filter((o) => o.kind === "Ingress").flatMap((ingress) => {
    const at = (field: string): Where => ({ ref: refOf(ingress), field, ...rulesFile(view, ingress) });
    return listAt(ingress.spec?.rules, "spec.rules", at, results).flatMap((rule: any, i: number) =>
      listAt(rule?.http?.paths, `spec.rules[${i}].http.paths`, at, results).flatMap((p: any, j: number) => {
        if (p === null) return [];
        const name = p?.backend?.service?.name;
        if (name !== undefined && typeof name !== "string") {
          results.push(error("field-shape", `is ${JSON.stringify(name)}, not a Service name`, at(`spec.rules[${i}].http.paths[${j}].backend.service.name`)));
          return [];
        }
        const service = services.find((s) => isNamed(s, name) && sameNamespace(s.metadata?.namespace, ingress.metadata?.namespace));
        const out: IngressPath = { ingress, rule: i, path: j, host: rule?.host };
        if (name !== undefined) out.backend = name;
        if (service) out.service = service;
        const role = service && roleOf.get(service);
        if (role) out.role = role;
        return [out];
      }));
  });
}

/** The path of an Ingress rule as the API reads it: a missing path is `/`. */
export const pathOf = (p: IngressPath): { path: string; pathType: string } => {
  const raw = p.ingress.spec.rules[p.rule].http.paths[p.path];
  return { path: typeof raw?.path === "string" && raw.path !== "" ? raw.path : "/", pathType: typeof raw?.pathType === "string" ? raw.pathType : "ImplementationSpecific" };
};

export const pathField = (p: IngressPath): string => `spec.rules[${p.rule}].http.paths[${p.path}]`;

function rulesByHost(paths: IngressPath[], view: OverlayView, results: Result[]): Map<string, PathRule<IngressPath>[]> {
  const byHost = new Map<string, PathRule<IngressPath>[]>();
  // In Ingress name order, so a conflict always names the same two.
  for (const p of [...paths].sort((a, b) => byName(a.ingress, b.ingress))) {
    if (typeof p.host !== "string") continue;
    const rules = byHost.get(p.host) ?? [];
    const rule = { ...pathOf(p), target: p };
    const same = rules.find((r) => samePath(r, rule) && r.target.role !== p.role);
    if (same && (same.target.role || p.role)) results.push(pathConflict(view, p, same.target));
    rules.push(rule);
    byHost.set(p.host, rules);
  }
  return byHost;
}

// The Ingress API ignores a Prefix path's trailing slash, and ImplementationSpecific is matched as Prefix.
const normalized = (r: PathRule<unknown>) => (r.pathType === "Exact" ? ["Exact", r.path] : ["Prefix", r.path.replace(/\/+$/, "") || "/"]);
const samePath = (a: PathRule<unknown>, b: PathRule<unknown>): boolean => normalized(a).join(" ") === normalized(b).join(" ");

function pathConflict(view: OverlayView, p: IngressPath, other: IngressPath): Result {
  const where: Where = { ref: refOf(p.ingress), field: pathField(p) };
  const file = view.fileOf(p.ingress);
  if (file) where.file = file;
  const what = (x: IngressPath) => (x.role ? `the ${x.role} app` : x.backend === undefined ? "a backend that is no Service" : `Service "${x.backend}"`);
  const { path, pathType } = pathOf(p);
  return error("ingress-path-conflict", `routes ${pathType} ${path} on ${String(p.host)} to ${what(p)}, but Ingress ${other.ingress.metadata?.name} ` +
    `routes the same path to ${what(other)}; which one answers is up to the controller, so give the path to one of them`, where);
}

/** Overlays replace `spec.rules` whole, so the file that set them is the one to fix. */
export const rulesFile = (view: OverlayView, ing: KubeObject): { file?: string } => fileWhere(view, ing, fieldOf(ing.spec, "rules"), ing.spec?.rules);
