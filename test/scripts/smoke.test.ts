/**
 * smoke's decisions (scripts/lib/smoke.ts): the targets it reads from an overlay's build, the
 * `--resolve` pins, and each check's line for the answers a transport gives.
 * test/e2e/smoke.test.ts runs the command against local servers that reproduce each failure.
 */
import { describe, expect, it } from "vitest";
import type { BuiltObject } from "../../scripts/lib/built-object.ts";
import { formatCheck } from "../../scripts/lib/check-lines.ts";
import { FOREIGN_ORIGIN, parsePins, smokeChecks, targets, type Reply, type Request, type SmokeOptions, type Targets, type Transport } from "../../scripts/lib/smoke.ts";
import { built } from "../support/builds.ts";
import { commandError } from "../support/command-error.ts";

const objects = (target: string) => built(target).objects as BuiltObject[];
const PROD = targets(objects("overlays/prod"), "prod", {});
const ADMIN = "https://admin.example.com";
const SHOP = "https://shop.example.com";

const reply = (status: number, headers: Record<string, string> = {}, body = ""): Reply => ({ status, headers, body });

/** A shop that answers every request as it should; `override` changes one answer. */
function shop(override: (r: Request) => Reply | undefined = () => undefined): { send: Transport; asked: Request[] } {
  const asked: Request[] = [];
  const send: Transport = async (r) => {
    asked.push(r);
    const changed = override(r);
    if (changed) return changed;
    const origin = r.headers?.Origin;
    if (r.method === "OPTIONS") return reply(204, origin && origin !== FOREIGN_ORIGIN ? { "access-control-allow-origin": origin } : {});
    if (r.url === `${ADMIN}/app/`) return reply(200, { "content-type": "text/html; charset=utf-8" }, "<html>");
    if (r.url === `${ADMIN}/auth/user/emailpass`) return reply(200, { "content-type": "application/json" }, JSON.stringify({ token: "t0ken" }));
    if (r.url === `${ADMIN}/auth/session`) return reply(200, { "set-cookie": "connect.sid=s%3Aabc; Path=/; HttpOnly; Secure; SameSite=Lax" });
    return reply(200);
  };
  return { send, asked };
}

const OPTS: SmokeOptions = { publishableKey: "pk_test", admin: { email: "admin@example.com", password: "pw" } };
const run = async (t: Targets, send: Transport, opts = OPTS) => (await smokeChecks(t, opts, send)).map(formatCheck);

describe("what smoke reads from the build", () => {
  it("prod: the public URLs and the three CORS lists as render wrote them into medusa-config", () => {
    expect(PROD).toEqual({
      backend: ADMIN,
      storefront: SHOP,
      cors: { STORE_CORS: [SHOP], ADMIN_CORS: [ADMIN, SHOP], AUTH_CORS: [ADMIN, SHOP] },
    });
  });

  it("home-ops: Flux's variables from --var, refused without", () => {
    const t = targets(objects("overlays/home-ops"), "home-ops", { SECRET_DOMAIN: "example.net" });
    expect(t.backend).toBe("https://medusa.example.net");
    expect(t.cors.STORE_CORS).toEqual(["https://storefront.example.net"]);
    const err = commandError(() => targets(objects("overlays/home-ops"), "home-ops", {}));
    expect([err.code, err.message]).toEqual(["flux-only-overlay", "overlays/home-ops names ${SECRET_DOMAIN}, which Flux substitutes: give its value with --var SECRET_DOMAIN=<value>"]);
  });

  it("a build whose medusa server receives no derived ConfigMap, or one without a value, is refused", () => {
    const err = commandError(() => targets([], "x", {}));
    expect([err.code, err.message]).toEqual(["overlay-facts", "overlays/x gives the medusa server no BACKEND_URL from a ConfigMap: run npm run render"]);
    const server = (...names: string[]) => ({
      apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "api" },
      spec: { template: { metadata: { labels: { app: "medusa" } }, spec: { containers: [{ name: "medusa", envFrom: names.map((name) => ({ configMapRef: { name } })) }] } } },
    }) as unknown as BuiltObject;
    const partial = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "shop-medusa-config" }, data: { BACKEND_URL: ADMIN, STOREFRONT_URL: SHOP, STORE_CORS: ` ${SHOP} ,`, ADMIN_CORS: ADMIN } };
    expect(commandError(() => targets([server("shop-medusa-config"), partial], "x", {})).message).toBe("overlays/x gives the medusa server no AUTH_CORS from a ConfigMap: run npm run render");
    const whole = { ...partial, data: { ...partial.data, AUTH_CORS: ADMIN } };
    expect(targets([server("shop-medusa-config"), whole], "x", {}).cors.STORE_CORS).toEqual([SHOP]);
    // Found by what the server loads, whatever its name; of two, the later one, as the container receives it.
    const later = { ...whole, metadata: { name: "later" }, data: { ...whole.data, STORE_CORS: "https://later.example.com" } };
    expect(targets([server("shop-medusa-config", "later"), whole, later], "x", {}).cors.STORE_CORS).toEqual(["https://later.example.com"]);
    expect(commandError(() => targets([server("other"), whole], "x", {})).code).toBe("overlay-facts");
    expect(commandError(() => targets([whole], "x", {})).code).toBe("overlay-facts");
  });

  it("a Flux default stands when no --var gives the variable", () => {
    const build = structuredClone(objects("overlays/prod"));
    const cm = build.find((o) => o.kind === "ConfigMap" && (o.data as Record<string, string> | undefined)?.BACKEND_URL) as BuiltObject & { data: Record<string, string> };
    cm.data.BACKEND_URL = "https://admin.${DOMAIN:=example.org}";
    expect(targets(build, "prod", {}).backend).toBe("https://admin.example.org");
    expect(targets(build, "prod", { DOMAIN: "example.net" }).backend).toBe("https://admin.example.net");
  });
});

describe("--resolve", () => {
  it("HOST=ADDRESS with an optional port; anything else is a usage error", () => {
    expect([...parsePins(["Shop.Example.com=127.0.0.1:8443", "admin.example.com=10.0.0.1"])]).toEqual([
      ["shop.example.com", { address: "127.0.0.1", port: 8443 }],
      ["admin.example.com", { address: "10.0.0.1" }],
    ]);
    for (const bad of ["shop.example.com", "shop.example.com=", "=1.2.3.4", "a=b:c", "a=1.2.3.4:123456", "a b=1.2.3.4"]) {
      const err = commandError(() => parsePins([bad]));
      expect([err.code, err.message]).toEqual(["usage", `--resolve ${bad}: expected HOST=ADDRESS or HOST=ADDRESS:PORT`]);
    }
  });
});

describe("the checks, one line each", () => {
  it("a healthy shop: every line ok, in order, and the requests as a browser sends them", async () => {
    const { send, asked } = shop();
    expect(await run(PROD, send)).toEqual([
      "[ok] tls admin.example.com: a certificate valid for admin.example.com",
      "[ok] tls shop.example.com: a certificate valid for shop.example.com",
      `[ok] backend-health: GET ${ADMIN}/health answered 200`,
      `[ok] storefront-health: GET ${SHOP}/api/health answered 200`,
      `[ok] admin: GET ${ADMIN}/app/ answered 200 with the admin page`,
      `[ok] store-api: GET ${ADMIN}/store/regions with the publishable key answered 200`,
      `[ok] cors STORE_CORS: preflights to /store/regions accepted from ${SHOP}, refused from ${FOREIGN_ORIGIN}`,
      `[ok] cors ADMIN_CORS: preflights to /admin/users/me accepted from ${ADMIN}, ${SHOP}, refused from ${FOREIGN_ORIGIN}`,
      `[ok] cors AUTH_CORS: preflights to /auth/user/emailpass accepted from ${ADMIN}, ${SHOP}, refused from ${FOREIGN_ORIGIN}`,
      "[ok] cookie: the session cookie connect.sid is Secure",
    ]);
    expect(asked.find((r) => r.url.endsWith("/store/regions") && r.method === "GET")!.headers).toEqual({ "x-publishable-api-key": "pk_test" });
    expect(asked.filter((r) => r.method === "OPTIONS").map((r) => `${r.url} ${r.headers!.Origin} ${r.headers!["Access-Control-Request-Method"]} ${r.headers!["Access-Control-Request-Headers"]}`)).toEqual([
      `${ADMIN}/store/regions ${SHOP} GET x-publishable-api-key`,
      `${ADMIN}/store/regions ${FOREIGN_ORIGIN} GET x-publishable-api-key`,
      `${ADMIN}/admin/users/me ${ADMIN} GET authorization`,
      `${ADMIN}/admin/users/me ${SHOP} GET authorization`,
      `${ADMIN}/admin/users/me ${FOREIGN_ORIGIN} GET authorization`,
      `${ADMIN}/auth/user/emailpass ${ADMIN} POST content-type`,
      `${ADMIN}/auth/user/emailpass ${SHOP} POST content-type`,
      `${ADMIN}/auth/user/emailpass ${FOREIGN_ORIGIN} POST content-type`,
    ]);
    const login = asked.find((r) => r.url === `${ADMIN}/auth/user/emailpass` && r.method === "POST")!;
    expect([login.headers, login.body]).toEqual([{ "content-type": "application/json" }, JSON.stringify(OPTS.admin)]);
    expect(asked.find((r) => r.url === `${ADMIN}/auth/session`)).toEqual({ method: "POST", url: `${ADMIN}/auth/session`, headers: { authorization: "Bearer t0ken" } });
    expect(asked.filter((r) => r.url === `${ADMIN}/` || r.url === `${SHOP}/`).map((r) => r.method)).toEqual(["GET", "GET"]);
  });

  it("tls: no valid TLS fails; a host the overlay serves over http warns", async () => {
    const lines = await run(PROD, shop((r) => (r.url.startsWith(SHOP) ? { error: "EPROTO wrong version number" } : undefined)).send);
    expect(lines[1]).toBe("[fail] tls shop.example.com: no valid TLS: EPROTO wrong version number; fix: check the Ingress's TLS Secret or issuer (npm run doctor) and that the controller terminates TLS for the host");
    expect(lines[3]).toBe(`[fail] storefront-health: GET ${SHOP}/api/health failed: EPROTO wrong version number; fix: the storefront pods are not ready or the Ingress does not reach them: kubectl get pods, and the storefront logs`);
    const plain = { ...PROD, storefront: "http://shop.example.com:8080" };
    expect((await run(plain, shop().send))[0]).toBe("[warn] tls shop.example.com:8080: the overlay serves it over plain http: browsers drop the shop's Secure cookies; fix: add the host to the Ingress's tls and run npm run render");
  });

  it("backend-health: anything but 200 fails", async () => {
    const lines = await run(PROD, shop((r) => (r.url.endsWith("/health") ? reply(503) : undefined)).send);
    expect(lines[2]).toBe(`[fail] backend-health: GET ${ADMIN}/health answered 503; fix: the medusa pods are not ready or the Ingress does not reach them: kubectl get pods, and the medusa logs`);
  });

  it("admin: a page that is not HTML, or no page, fails", async () => {
    const json = await run(PROD, shop((r) => (r.url.endsWith("/app/") ? reply(200, { "content-type": "application/json" }) : undefined)).send);
    expect(json[4]).toBe(`[fail] admin: GET ${ADMIN}/app/ answered 200 (application/json); fix: the medusa server runs without its admin: a worker-mode pod behind the Service, or an image built without it`);
    const missing = await run(PROD, shop((r) => (r.url.endsWith("/app/") ? reply(404) : undefined)).send);
    expect(missing[4]).toBe(`[fail] admin: GET ${ADMIN}/app/ answered 404; fix: the medusa server runs without its admin: a worker-mode pod behind the Service, or an image built without it`);
    const html404 = await run(PROD, shop((r) => (r.url.endsWith("/app/") ? reply(404, { "content-type": "text/html" }) : undefined)).send);
    expect(html404[4]).toMatch(/^\[fail\] admin: GET \S+ answered 404 \(text\/html\)/);
  });

  it("store-api: the key refused fails; no key given is skipped and says how to give one", async () => {
    const lines = await run(PROD, shop((r) => (r.url.endsWith("/store/regions") && r.method === "GET" ? reply(400) : undefined)).send);
    expect(lines[5]).toBe(`[fail] store-api: GET ${ADMIN}/store/regions with the publishable key answered 400; fix: check the key in the admin (Settings, Publishable API Keys): it must exist, be unrevoked and have a sales channel`);
    const { send, asked } = shop();
    const { publishableKey: _, ...noKey } = OPTS;
    expect((await run(PROD, send, noKey))[5]).toBe("[skip] store-api: no publishable key given; fix: pass --publishable-key pk_… (docs/operations.md, Publishable API key)");
    expect(asked.some((r) => r.url.endsWith("/store/regions") && r.method === "GET")).toBe(false);
  });

  it("cors: a foreign origin accepted, a derived one refused, a wildcard, or no answer fail", async () => {
    const foreign = await run(PROD, shop((r) => (r.method === "OPTIONS" ? reply(204, { "access-control-allow-origin": r.headers!.Origin! }) : undefined)).send);
    expect(foreign[6]).toBe(`[fail] cors STORE_CORS: preflights to /store/regions: ${FOREIGN_ORIGIN} accepted; fix: the medusa pods do not run with the build's STORE_CORS: restart them after a render (kubectl rollout restart), and check no Secret sets it`);
    const refused = await run(PROD, shop((r) => (r.method === "OPTIONS" && r.url.endsWith("/admin/users/me") && r.headers!.Origin === SHOP ? reply(204, { "access-control-allow-origin": ADMIN }) : undefined)).send);
    expect(refused[7]).toBe(`[fail] cors ADMIN_CORS: preflights to /admin/users/me: ${SHOP} refused (204, Access-Control-Allow-Origin ${ADMIN}); fix: the medusa pods do not run with the build's ADMIN_CORS: restart them after a render (kubectl rollout restart), and check no Secret sets it`);
    const wildcard = await run(PROD, shop((r) => (r.method === "OPTIONS" && r.url.endsWith("/auth/user/emailpass") ? reply(204, { "access-control-allow-origin": "*" }) : undefined)).send);
    expect(wildcard[8]).toBe(`[fail] cors AUTH_CORS: preflights to /auth/user/emailpass: ${FOREIGN_ORIGIN} accepted; fix: the medusa pods do not run with the build's AUTH_CORS: restart them after a render (kubectl rollout restart), and check no Secret sets it`);
    const down = await run(PROD, shop((r) => (r.method === "OPTIONS" && r.headers!.Origin === SHOP && r.url.endsWith("/store/regions") ? { error: "ECONNRESET socket hang up" } : undefined)).send);
    expect(down[6]).toMatch(new RegExp(`^\\[fail\\] cors STORE_CORS: preflights to /store/regions: ${SHOP.replace(/\./g, "\\.")} refused \\(ECONNRESET socket hang up\\); fix: `));
    const absent = await run(PROD, shop((r) => (r.method === "OPTIONS" && r.headers!.Origin === SHOP && r.url.endsWith("/store/regions") ? reply(204) : undefined)).send);
    expect(absent[6]).toMatch(/refused \(204, Access-Control-Allow-Origin absent\); fix: /);
  });

  it("cookie: not Secure, absent, or no login fails; no login given is skipped", async () => {
    const cookie = (value: string | undefined) => shop((r) => (r.url.endsWith("/auth/session") ? reply(200, value === undefined ? {} : { "set-cookie": value }) : undefined)).send;
    expect((await run(PROD, cookie("connect.sid=s%3Aabc; Path=/; HttpOnly; SameSite=Lax")))[9]).toBe(
      "[fail] cookie: the session cookie connect.sid is not Secure: browsers drop it; fix: the medusa server must see https: the Ingress controller must send X-Forwarded-Proto https and the pods run with NODE_ENV=production",
    );
    expect((await run(PROD, cookie("connect.sid=SecureValue; Path=/")))[9]).toMatch(/^\[fail\] cookie: the session cookie connect\.sid is not Secure/);
    expect((await run(PROD, cookie("a=b; secure")))[9]).toBe("[ok] cookie: the session cookie a is Secure");
    expect((await run(PROD, cookie(undefined)))[9]).toBe(`[fail] cookie: POST /auth/session answered 200 without a session cookie; fix: read the medusa server's logs`);
    const login = (r: Reply) => shop((q) => (q.url.endsWith("/auth/user/emailpass") && q.method === "POST" ? r : undefined)).send;
    expect((await run(PROD, login(reply(401))))[9]).toBe("[fail] cookie: the admin login answered 401; fix: check SMOKE_ADMIN_EMAIL and SMOKE_ADMIN_PASSWORD");
    expect((await run(PROD, login(reply(200, {}, "not json"))))[9]).toBe("[fail] cookie: the admin login answered 200; fix: check SMOKE_ADMIN_EMAIL and SMOKE_ADMIN_PASSWORD");
    expect((await run(PROD, login(reply(200, {}, "{}"))))[9]).toBe("[fail] cookie: the admin login answered 200; fix: check SMOKE_ADMIN_EMAIL and SMOKE_ADMIN_PASSWORD");
    const { send, asked } = shop();
    const { admin: _, ...noLogin } = OPTS;
    expect((await run(PROD, send, noLogin))[9]).toBe("[skip] cookie: no admin login given; fix: export SMOKE_ADMIN_EMAIL and SMOKE_ADMIN_PASSWORD");
    expect(asked.some((r) => r.url.includes("/auth/") && r.method === "POST")).toBe(false);
  });
});
