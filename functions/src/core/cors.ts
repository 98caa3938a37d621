/**
 * Core: the CORS lists and public URLs, derived from the Ingress paths of the shop model, and the
 * in-cluster backend URL.
 */
import { effectiveEnv, keysInOutput } from "./effective-env.ts";
import { replaceFluxVars } from "./flux-vars.ts";
import { type KubeObject, refOf } from "./kube.ts";
import { fileWhere } from "./overlay-view.ts";
import type { Policy } from "./policy.ts";
import { type Result, type Where, error } from "./results.ts";
import { type Role, ROLES, mainContainer } from "./roles.ts";
import { type ShopModel, listAt, rulesFile } from "./shop-model.ts";
import { tlsCoverage, tlsHostProblem } from "./tls-hosts.ts";

/** The port Medusa listens on when its PORT is unset. */
const MEDUSA_DEFAULT_PORT = 9000;

/** The keys derive writes into each app's ConfigMap. */
export const DERIVED_KEYS = {
  medusa: ["STORE_CORS", "ADMIN_CORS", "AUTH_CORS", "BACKEND_URL", "STOREFRONT_URL"],
  storefront: ["NEXT_PUBLIC_BASE_URL", "MEDUSA_BACKEND_URL"],
} as const;

/** The values that must agree with the Ingress hosts, keyed by the ConfigMap that carries them. */
export type CorsValues = { [R in Role]: Record<(typeof DERIVED_KEYS)[R][number], string> };

const DNS_NAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function hostProblem(host: unknown): string | undefined {
  if (typeof host !== "string" || host === "") return "has no host: every rule needs the public hostname that CORS must allow";
  if (host.includes("*")) return `has the wildcard host "${host}": CORS needs concrete origins, list each hostname`;
  if (!DNS_NAME.test(replaceFluxVars(host, "x"))) return `has the host "${host}", which is not a lowercase DNS name`;
  return undefined;
}

/** The public origins the Ingress routes to each app, sorted, so object order never shows. */
export type Origins = Record<Role, string[]>;

/** What a public URL must serve, by the requests the app's code sends to it. */
export const PUBLIC_URLS = {
  admin: { role: "medusa", requests: ["/app", "/admin", "/auth"], what: "the admin (/app, /admin and /auth reach medusa)" },
  store: { role: "medusa", requests: ["/store"], what: "the store API (/store reaches medusa)" },
  storefront: { role: "storefront", requests: ["/"], what: "the storefront (/ reaches the storefront)" },
} as const satisfies Record<string, { role: Role; requests: readonly string[]; what: string }>;
export type PublicUrl = keyof typeof PUBLIC_URLS;

/** Every derived origin that serves what a public URL needs, sorted. */
export function originsServing(model: ShopModel, origins: Origins, url: PublicUrl): string[] {
  const { role, requests } = PUBLIC_URLS[url];
  return unique([...origins.medusa, ...origins.storefront]).sort()
    .filter((origin) => requests.every((r) => model.serves(hostOf(origin), r) === role));
}

export const hostOf = (origin: string): string => origin.replace(/^https?:\/\//, "");

export function deriveCors(model: ShopModel, policy: Policy): { values?: CorsValues; origins?: Origins; results: Result[] } {
  const { view } = model;
  const results: Result[] = [];
  // What the model could not read one way (its own findings) leaves nothing safe to derive.
  if (model.results.length) return { results };
  for (const role of ROLES) {
    if (model.services[role].length === 0) {
      results.push(error("cors-no-service", `${view.label}: no Service selects the pods labelled app=${role}, so no Ingress path can reach them`));
    }
  }
  const ingresses = view.objects.filter((o) => o.kind === "Ingress");
  if (ingresses.length === 0) results.push(error("cors-no-ingress", `${view.label}: no Ingress, so there are no hosts to derive CORS from`));
  if (results.length) return { results };

  const origins = collectOrigins(model, policy, results);
  for (const role of ROLES) {
    if (!model.paths.some((p) => p.role === role)) {
      const ing = firstIngress(model, role);
      results.push(error("cors-no-route", `no Ingress routes a path to the ${role} pods (through any Service that selects them); both the shop and the admin need a host`, {
        ref: refOf(ing), field: "spec.rules", ...rulesFile(view, ing),
      }));
    }
  }
  if (results.length) return { results };
  const server = medusaWorkload(model);
  const listen = server && medusaPort(model, server);
  const backend = server && listen !== undefined ? backendService(model, server, listen) : undefined;
  if (!backend) {
    const svc = model.services.medusa[0]!;
    results.push(error("service-port", `no Service in front of the medusa pods has a port whose target is the port medusa listens on (${listen ?? "its PORT, which the output does not show"}), so MEDUSA_BACKEND_URL has no port to name`, {
      ref: refOf(svc), field: "spec.ports", ...fileWhere(view, svc),
    }));
    return { results };
  }

  const backendUrl = publicUrl(model, policy, origins, "admin", policy.bakedUrls.medusa?.BACKEND_URL, "medusa.BACKEND_URL", results);
  const baseUrl = publicUrl(model, policy, origins, "storefront", policy.bakedUrls.storefront?.NEXT_PUBLIC_BASE_URL, "storefront.NEXT_PUBLIC_BASE_URL", results);
  // The origins still go back: a baked URL nothing serves is checkBakedUrls' finding.
  if (backendUrl === undefined || baseUrl === undefined) return { results, origins };

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
        BACKEND_URL: backendUrl,
        STOREFRONT_URL: baseUrl,
      },
      storefront: {
        NEXT_PUBLIC_BASE_URL: baseUrl,
        MEDUSA_BACKEND_URL: `http://${view.namePrefix}${backend.service.metadata!.name}${view.nameSuffix}:${backend.port}`,
      },
    },
  };
}

/**
 * The one origin a public URL is: the one the image was built with when the policy declares it
 * (checkBakedUrls reports it when it serves something else), else the only origin that serves
 * what the URL needs. Several candidates and nothing declared is a refusal, never a pick.
 */
function publicUrl(model: ShopModel, policy: Policy, origins: Origins, url: PublicUrl, baked: string | undefined, field: string, results: Result[]): string | undefined {
  const candidates = originsServing(model, origins, url);
  if (baked !== undefined && candidates.includes(baked)) return baked;
  if (candidates.length === 1) return candidates[0];
  const at = { ref: refOf(firstIngress(model, PUBLIC_URLS[url].role)), field: "spec.rules", ...rulesFile(model.view, firstIngress(model, PUBLIC_URLS[url].role)) };
  if (candidates.length === 0) {
    results.push(error("public-url-unserved", `no host serves ${PUBLIC_URLS[url].what}, so there is no public URL for it; route those paths of one host to the ${PUBLIC_URLS[url].role} Service`, at));
  } else if (baked === undefined) {
    results.push(error("public-url-ambiguous", `${candidates.map(hostOf).join(", ")} all serve ${PUBLIC_URLS[url].what}; ` +
      `declare which one the image was built with in policy ${policy.name}, spec.bakedUrls.${field}`, at));
  }
  return undefined;
}

/** The Ingress a finding about the app's hosts names: the first, by name, that routes to it. */
export function firstIngress(model: ShopModel, role: Role): KubeObject {
  const routed = model.paths.filter((p) => p.role === role).map((p) => p.ingress);
  const all = routed.length ? routed : model.view.objects.filter((o) => o.kind === "Ingress");
  return [...all].sort((a, b) => ((a.metadata?.name ?? "") < (b.metadata?.name ?? "") ? -1 : 1))[0]!;
}

function collectOrigins(model: ShopModel, policy: Policy, results: Result[]): Origins {
  const { view } = model;
  // Controllers serve a host's certificate whichever Ingress lists it; only the shop's own Ingresses' mistakes are findings here.
  const tlsHosts = new Set<string>();
  const shops = new Set(model.paths.filter((p) => p.role).map((p) => p.ingress));
  for (const ing of view.objects.filter((o) => o.kind === "Ingress")) {
    const found: Result[] = [];
    const at = (field: string) => ({ ref: refOf(ing), field, ...rulesFile(view, ing) });
    listAt(ing.spec?.tls, "spec.tls", at, found).forEach((entry, t) => {
      listAt(entry?.hosts, `spec.tls[${t}].hosts`, at, found).forEach((h, j) => {
        const problem = tlsHostProblem(h);
        if (problem) found.push(error("tls-host", `TLS host ${problem}`, at(`spec.tls[${t}].hosts[${j}]`)));
        else tlsHosts.add(h);
      });
    });
    if (shops.has(ing)) results.push(...found);
  }
  const origins: Origins = { medusa: [], storefront: [] };
  const reported = new Set<string>();
  for (const p of model.paths) {
    if (!p.role) continue;
    const at = (field: string) => ({ ref: refOf(p.ingress), field, ...rulesFile(view, p.ingress) });
    const once = (r: Result) => {
      const key = JSON.stringify(r);
      if (!reported.has(key)) results.push(r);
      reported.add(key);
    };
    const problem = hostProblem(p.host);
    if (problem) {
      once(error("ingress-host", `rule ${p.rule} ${problem}`, at(`spec.rules[${p.rule}].host`)));
      continue;
    }
    const host = p.host as string;
    const tls = policy.tlsBeforeIngress ? { covered: true } : tlsCoverage([...tlsHosts], host);
    if ("problem" in tls) {
      once(error("tls-flux-wildcard", tls.problem, at(`spec.rules[${p.rule}].host`)));
      continue;
    }
    origins[p.role].push(`${tls.covered ? "https" : "http"}://${host}`);
  }
  return { medusa: unique(origins.medusa).sort(), storefront: unique(origins.storefront).sort() };
}

const asList = (v: unknown): any[] => (Array.isArray(v) ? v : []);

/** The workload whose container says which port medusa listens on: its server, else the first that runs its pods. */
const medusaWorkload = (model: ShopModel): KubeObject | undefined => model.servers.medusa ?? model.workloads.medusa[0];

/** The port medusa listens on: its PORT as the container receives it, else the app's default. */
function medusaPort(model: ShopModel, server: KubeObject): number | undefined {
  const keys = keysInOutput(model.view.objects, server.metadata?.namespace, model.view);
  const port = effectiveEnv(mainContainer(server, "medusa"), keys).vars.get("PORT");
  if (!port) return MEDUSA_DEFAULT_PORT;
  return port.value !== undefined && /^[0-9]+$/.test(port.value) ? Number(port.value) : undefined;
}

/**
 * The Service the storefront reaches medusa through: one in front of the medusa pods with a port
 * whose target is the port medusa listens on (by number, or by the container port's name). Any
 * of them reaches the same pods; the first by name is taken, so object order never shows.
 */
function backendService(model: ShopModel, server: KubeObject, listen: number): { service: KubeObject; port: number } | undefined {
  const named = new Set(asList(mainContainer(server, "medusa")?.ports).filter((p) => p?.containerPort === listen).map((p) => p?.name));
  for (const service of model.services.medusa) {
    const port = asList(service.spec.ports).find((p) => {
      const target = p?.targetPort ?? p?.port;
      return typeof target === "string" ? named.has(target) : target === listen;
    })?.port;
    if (Number.isInteger(port) && port > 0 && port < 65536) return { service, port };
  }
  return undefined;
}

const unique = (xs: string[]): string[] => [...new Set(xs)];
