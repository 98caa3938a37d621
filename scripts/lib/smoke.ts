/**
 * After a deploy, the shop seen from outside through its public hosts (docs/operations.md, "After
 * a deploy: smoke"): the URLs and CORS lists come from the overlay's build, as render wrote them
 * into the ConfigMap the medusa server loads; `smokeChecks` asks a transport for each request and judges the answers, one
 * Check per line. scripts/smoke.ts gives it the real transport.
 */
import type { Check } from "./check-lines.ts";
import { CommandError } from "./command.ts";
import type { BuiltObject } from "./built-object.ts";
import { podLabels, podReferences } from "../../functions/src/core/shop-objects.ts";

/** An origin no overlay derives: every CORS list must refuse it. */
export const FOREIGN_ORIGIN = "https://smoke.invalid";

export const CORS_LISTS = [
  { list: "STORE_CORS", path: "/store/regions", method: "GET", headers: "x-publishable-api-key" },
  { list: "ADMIN_CORS", path: "/admin/users/me", method: "GET", headers: "authorization" },
  { list: "AUTH_CORS", path: "/auth/user/emailpass", method: "POST", headers: "content-type" },
] as const;

export interface Targets {
  backend: string;
  storefront: string;
  cors: Record<(typeof CORS_LISTS)[number]["list"], string[]>;
}

// Flux's forms: ${VAR}, and ${VAR:=default} or ${VAR:-default}, whose default stands when VAR is not given.
const VARIABLE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::[-=]([^}]*))?\}/g;

/**
 * The data of the ConfigMap the medusa server's container receives the derived values from: of the
 * ConfigMaps its Deployment (pods labelled app=medusa) loads with envFrom, the last that carries
 * STORE_CORS, as a later envFrom source wins; never a ConfigMap found by its name.
 */
function derivedData(objects: readonly BuiltObject[]): Record<string, string> | undefined {
  const server = objects.find((o) => o.kind === "Deployment" && podLabels(o).app === "medusa");
  const loaded = (server ? podReferences(server) : []).filter((r) => r.kind === "ConfigMap" && r.via === "envFrom");
  const carrying = loaded
    .map((r) => objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === r.name)?.data as Record<string, string> | undefined)
    .filter((data) => data?.STORE_CORS !== undefined);
  return carrying.at(-1);
}

/** The public URLs and CORS lists the medusa server receives, Flux variables filled in from `vars`. */
export function targets(objects: readonly BuiltObject[], env: string, vars: Readonly<Record<string, string>>): Targets {
  const data = derivedData(objects);
  const value = (key: string): string => {
    const raw = data?.[key];
    if (!raw) throw new CommandError("overlay-facts", `overlays/${env} gives the medusa server no ${key} from a ConfigMap: run npm run render`);
    return raw.replace(VARIABLE, (_, name: string, fallback: string | undefined) => {
      const v = vars[name] ?? fallback;
      if (v === undefined) throw new CommandError("flux-only-overlay", `overlays/${env} names \${${name}}, which Flux substitutes: give its value with --var ${name}=<value>`);
      return v;
    });
  };
  const origins = (key: string) => value(key).split(",").map((s) => s.trim()).filter(Boolean);
  return {
    backend: value("BACKEND_URL"),
    storefront: value("STOREFRONT_URL"),
    cors: { STORE_CORS: origins("STORE_CORS"), ADMIN_CORS: origins("ADMIN_CORS"), AUTH_CORS: origins("AUTH_CORS") },
  };
}

/** `--resolve HOST=ADDRESS[:PORT]`: connect there whenever a URL names HOST, as curl's --resolve and --connect-to do. */
export interface Pin {
  address: string;
  port?: number;
}

export function parsePins(texts: readonly string[]): Map<string, Pin> {
  const pins = new Map<string, Pin>();
  for (const text of texts) {
    const m = /^([a-z0-9.-]+)=([^:=\s]+)(?::(\d{1,5}))?$/i.exec(text);
    if (!m) throw new CommandError("usage", `--resolve ${text}: expected HOST=ADDRESS or HOST=ADDRESS:PORT`);
    pins.set(m[1]!.toLowerCase(), m[3] ? { address: m[2]!, port: Number(m[3]) } : { address: m[2]! });
  }
  return pins;
}

export interface Request {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: string;
}

export type Reply = { status: number; headers: Record<string, string | string[] | undefined>; body: string } | { error: string };

export type Transport = (r: Request) => Promise<Reply>;

export interface SmokeOptions {
  publishableKey?: string;
  admin?: { email: string; password: string };
}

const answered = (r: Reply): r is Extract<Reply, { status: number }> => "status" in r;
const said = (r: Reply): string => (answered(r) ? `answered ${r.status}` : `failed: ${r.error}`);
const header = (r: Reply, name: string): string => (answered(r) ? [r.headers[name] ?? []].flat().join("; ") : "");

export async function smokeChecks(t: Targets, opts: SmokeOptions, send: Transport): Promise<Check[]> {
  const checks: Check[] = [];
  for (const host of sorted([t.backend, t.storefront, ...Object.values(t.cors).flat()])) checks.push(await tlsCheck(host, send));
  checks.push(await statusCheck("backend-health", { method: "GET", url: `${t.backend}/health` }, send, "the medusa pods are not ready or the Ingress does not reach them: kubectl get pods, and the medusa logs"));
  checks.push(await statusCheck("storefront-health", { method: "GET", url: `${t.storefront}/api/health` }, send, "the storefront pods are not ready or the Ingress does not reach them: kubectl get pods, and the storefront logs"));
  checks.push(await adminCheck(t, send));
  checks.push(await storeApiCheck(t, opts, send));
  for (const c of CORS_LISTS) checks.push(await corsCheck(t, c, send));
  checks.push(await cookieCheck(t, opts, send));
  return checks;
}

const sorted = (urls: string[]) => [...new Set(urls.map((u) => new URL(u).origin))].sort();

async function tlsCheck(origin: string, send: Transport): Promise<Check> {
  const host = new URL(origin).host;
  const check = `tls ${host}`;
  if (origin.startsWith("http:")) {
    return { check, state: "warn", seen: "the overlay serves it over plain http: browsers drop the shop's Secure cookies", fix: "add the host to the Ingress's tls and run npm run render" };
  }
  const r = await send({ method: "GET", url: `${origin}/` });
  return answered(r)
    ? { check, state: "ok", seen: `a certificate valid for ${host}` }
    : { check, state: "fail", seen: `no valid TLS: ${r.error}`, fix: "check the Ingress's TLS Secret or issuer (npm run doctor) and that the controller terminates TLS for the host" };
}

async function statusCheck(check: string, req: Request, send: Transport, fix: string): Promise<Check> {
  const r = await send(req);
  return answered(r) && r.status === 200
    ? { check, state: "ok", seen: `GET ${req.url} answered 200` }
    : { check, state: "fail", seen: `GET ${req.url} ${said(r)}`, fix };
}

async function adminCheck(t: Targets, send: Transport): Promise<Check> {
  const url = `${t.backend}/app/`;
  const r = await send({ method: "GET", url });
  const type = header(r, "content-type");
  if (answered(r) && r.status === 200 && type.startsWith("text/html")) return { check: "admin", state: "ok", seen: `GET ${url} answered 200 with the admin page` };
  return { check: "admin", state: "fail", seen: `GET ${url} ${said(r)}${type ? ` (${type})` : ""}`, fix: "the medusa server runs without its admin: a worker-mode pod behind the Service, or an image built without it" };
}

async function storeApiCheck(t: Targets, opts: SmokeOptions, send: Transport): Promise<Check> {
  if (!opts.publishableKey) {
    return { check: "store-api", state: "skip", seen: "no publishable key given", fix: "pass --publishable-key pk_… (docs/operations.md, Publishable API key)" };
  }
  const url = `${t.backend}/store/regions`;
  const r = await send({ method: "GET", url, headers: { "x-publishable-api-key": opts.publishableKey } });
  return answered(r) && r.status === 200
    ? { check: "store-api", state: "ok", seen: `GET ${url} with the publishable key answered 200` }
    : { check: "store-api", state: "fail", seen: `GET ${url} with the publishable key ${said(r)}`, fix: "check the key in the admin (Settings, Publishable API Keys): it must exist, be unrevoked and have a sales channel" };
}

async function corsCheck(t: Targets, c: (typeof CORS_LISTS)[number], send: Transport): Promise<Check> {
  const url = `${t.backend}${c.path}`;
  const wrong: string[] = [];
  for (const origin of [...t.cors[c.list], FOREIGN_ORIGIN]) {
    const r = await send({ method: "OPTIONS", url, headers: { Origin: origin, "Access-Control-Request-Method": c.method, "Access-Control-Request-Headers": c.headers } });
    const allowed = header(r, "access-control-allow-origin");
    const accepted = allowed === origin || allowed === "*";
    const expected = origin !== FOREIGN_ORIGIN;
    if (accepted !== expected) wrong.push(`${origin} ${accepted ? "accepted" : `refused (${answered(r) ? `${r.status}, Access-Control-Allow-Origin ${allowed || "absent"}` : r.error})`}`);
  }
  const check = `cors ${c.list}`;
  if (wrong.length === 0) return { check, state: "ok", seen: `preflights to ${c.path} accepted from ${t.cors[c.list].join(", ")}, refused from ${FOREIGN_ORIGIN}` };
  return { check, state: "fail", seen: `preflights to ${c.path}: ${wrong.join("; ")}`, fix: `the medusa pods do not run with the build's ${c.list}: restart them after a render (kubectl rollout restart), and check no Secret sets it` };
}

function tokenOf(body: string): string | undefined {
  try {
    return (JSON.parse(body) as { token?: string }).token;
  } catch {
    return undefined;
  }
}

async function cookieCheck(t: Targets, opts: SmokeOptions, send: Transport): Promise<Check> {
  const check = "cookie";
  if (!opts.admin) return { check, state: "skip", seen: "no admin login given", fix: "export SMOKE_ADMIN_EMAIL and SMOKE_ADMIN_PASSWORD" };
  const login = await send({ method: "POST", url: `${t.backend}/auth/user/emailpass`, headers: { "content-type": "application/json" }, body: JSON.stringify(opts.admin) });
  const token = answered(login) && login.status === 200 ? tokenOf(login.body) : undefined;
  if (!token) return { check, state: "fail", seen: `the admin login ${said(login)}`, fix: "check SMOKE_ADMIN_EMAIL and SMOKE_ADMIN_PASSWORD" };
  const session = await send({ method: "POST", url: `${t.backend}/auth/session`, headers: { authorization: `Bearer ${token}` } });
  const cookie = header(session, "set-cookie");
  if (!cookie) return { check, state: "fail", seen: `POST /auth/session ${said(session)} without a session cookie`, fix: "read the medusa server's logs" };
  const name = cookie.split("=")[0];
  return /;\s*secure\s*(;|$)/i.test(cookie)
    ? { check, state: "ok", seen: `the session cookie ${name} is Secure` }
    : { check, state: "fail", seen: `the session cookie ${name} is not Secure: browsers drop it`, fix: "the medusa server must see https: the Ingress controller must send X-Forwarded-Proto https and the pods run with NODE_ENV=production" };
}
