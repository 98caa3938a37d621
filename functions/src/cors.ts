import { type KubeObject, refOf } from "./kube.ts";
import { type OverlayView, fieldOf, fileWhere } from "./overlay-view.ts";
import type { Policy } from "./policy.ts";
import { type Result, type Where, error } from "./results.ts";
import { tlsCoverage, tlsHostProblem } from "./tls-hosts.ts";
import { type Role, ROLES, serviceFor } from "./roles.ts";

/** The values that must agree with the Ingress hosts, keyed by the ConfigMap that carries them. */
export interface CorsValues {
  medusa: { STORE_CORS: string; ADMIN_CORS: string; AUTH_CORS: string; BACKEND_URL: string; STOREFRONT_URL: string };
  storefront: { NEXT_PUBLIC_BASE_URL: string; MEDUSA_BACKEND_URL: string };
}

// Flux substitutes `${VAR}` at apply time; such hosts are checked as if the variable were one DNS label.
const FLUX_VAR = /\$\{[A-Za-z_][A-Za-z0-9_]*\}/g;
const DNS_NAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function hostProblem(host: unknown): string | undefined {
  if (typeof host !== "string" || host === "") return "has no host: every rule needs the public hostname that CORS must allow";
  if (host.includes("*")) return `has the wildcard host "${host}": CORS needs concrete origins, list each hostname`;
  if (!DNS_NAME.test(host.replace(FLUX_VAR, "x"))) return `has the host "${host}", which is not a lowercase DNS name`;
  return undefined;
}

/** The public origins the Ingress routes to each component, in rule order. */
export type Origins = Record<Role, string[]>;

export function deriveCors(view: OverlayView, policy: Policy): { values?: CorsValues; origins?: Origins; results: Result[] } {
  const results: Result[] = [];
  const byRole = new Map(ROLES.map((role) => [role, serviceFor(view.objects, role)] as const));
  const services = new Map<string, Role>();
  for (const [role, svc] of byRole) {
    if (svc?.metadata?.name) services.set(svc.metadata.name, role);
    else results.push(error("cors-no-service", `${view.label}: no Service selects app=${role}, so the ${role} hosts cannot be told apart`));
  }
  const ingresses = view.objects.filter((o) => o.kind === "Ingress");
  if (ingresses.length === 0) results.push(error("cors-no-ingress", `${view.label}: no Ingress, so there are no hosts to derive CORS from`));
  if (results.length) return { results };

  const origins: Origins = { medusa: [], storefront: [] };
  for (const ing of ingresses) collectOrigins(ing, services, origins, view, results);
  for (const ing of ingresses) {
    for (const role of ROLES) {
      if (!routesTo(ing, services, role)) {
        results.push(error("cors-no-route", `routes nothing to the ${role} Service; both the shop and the admin need a host`, {
          ref: refOf(ing), field: "spec.rules", ...rulesFile(view, ing),
        }));
      }
    }
  }
  const medusaSvc = byRole.get("medusa")!;
  const port = servicePort(medusaSvc);
  if (port === undefined) {
    results.push(error("service-port", "has no port that targets 9000 and not exactly one port, so MEDUSA_BACKEND_URL has no port to name", {
      ref: refOf(medusaSvc), field: "spec.ports", ...fileWhere(view, medusaSvc),
    }));
  }
  if (results.length) return { results };

  const store = unique([...origins.storefront, ...policy.cors.extraStoreOrigins]);
  const admin = unique([...origins.medusa, ...origins.storefront, ...policy.cors.extraAdminOrigins]);
  const auth = unique([...origins.medusa, ...origins.storefront, ...policy.cors.extraAuthOrigins]);
  return {
    results,
    origins,
    values: {
      medusa: {
        STORE_CORS: store.join(","),
        ADMIN_CORS: admin.join(","),
        AUTH_CORS: auth.join(","),
        BACKEND_URL: origins.medusa[0]!,
        STOREFRONT_URL: origins.storefront[0]!,
      },
      storefront: {
        NEXT_PUBLIC_BASE_URL: origins.storefront[0]!,
        MEDUSA_BACKEND_URL: `http://${view.namePrefix}${medusaSvc.metadata!.name}${view.nameSuffix}:${port}`,
      },
    },
  };
}

function collectOrigins(
  ing: KubeObject, services: Map<string, Role>, origins: Origins, view: OverlayView, results: Result[],
) {
  const at = (field: string) => ({ ref: refOf(ing), field, ...rulesFile(view, ing) });
  const tlsHosts: string[] = [];
  listAt(ing.spec?.tls, "spec.tls", at, results).forEach((entry, t) => {
    listAt(entry?.hosts, `spec.tls[${t}].hosts`, at, results).forEach((h, j) => {
      const problem = tlsHostProblem(h);
      if (problem) results.push(error("tls-host", `TLS host ${problem}`, at(`spec.tls[${t}].hosts[${j}]`)));
      else tlsHosts.push(h);
    });
  });
  listAt(ing.spec?.rules, "spec.rules", at, results).forEach((rule, i) => {
    const problem = hostProblem(rule?.host);
    if (problem) {
      results.push(error("ingress-host", `rule ${i} ${problem}`, at(`spec.rules[${i}].host`)));
      return;
    }
    const tls = tlsCoverage(tlsHosts, rule.host);
    if ("problem" in tls) {
      results.push(error("tls-flux-wildcard", tls.problem, at(`spec.rules[${i}].host`)));
      return;
    }
    const origin = `${tls.covered ? "https" : "http"}://${rule.host}`;
    listAt(rule?.http?.paths, `spec.rules[${i}].http.paths`, at, results).forEach((p, j) => {
      const name = p?.backend?.service?.name;
      if (name !== undefined && typeof name !== "string") {
        results.push(error("field-shape", `is ${JSON.stringify(name)}, not a Service name`, at(`spec.rules[${i}].http.paths[${j}].backend.service.name`)));
        return;
      }
      const role = services.get(name);
      if (role) origins[role].push(origin);
    });
  });
}

/** A list field the function reads: absent is empty, anything else but a list is an error naming it. */
function listAt(value: unknown, field: string, at: (field: string) => Where, results: Result[]): any[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value;
  results.push(error("field-shape", `must be a list, got ${JSON.stringify(value)}`, at(field)));
  return [];
}

const routesTo = (ing: KubeObject, services: Map<string, Role>, role: Role): boolean =>
  asList(ing.spec?.rules).some((r: any) =>
    asList(r?.http?.paths).some((p: any) => services.get(p?.backend?.service?.name) === role));

const asList = (v: unknown): any[] => (Array.isArray(v) ? v : []);

/** The Service port the backend listens on: the one targeting 9000, else the only one. */
function servicePort(svc: KubeObject): number | undefined {
  // serviceFor found the Service by its spec.selector, so it has a spec.
  const ports = asList(svc.spec.ports);
  const port = (ports.find((p) => p?.targetPort === 9000) ?? (ports.length === 1 ? ports[0] : undefined))?.port;
  return Number.isInteger(port) && port > 0 && port < 65536 ? port : undefined;
}

const unique = (xs: string[]): string[] => [...new Set(xs)];

/** Overlays replace `spec.rules` whole, so the file that set them is the one to fix. */
export const rulesFile = (view: OverlayView, ing: KubeObject) => fileWhere(view, ing, fieldOf(ing.spec, "rules"), ing.spec?.rules);
