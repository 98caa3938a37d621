/**
 * `npm run smoke -- prod` (scripts/smoke.ts) against real local servers standing in for the shop
 * behind its Ingress: one HTTPS server answering both public hosts as Medusa and the storefront do,
 * with a certificate openssl makes here for them, pinned with `--resolve` and trusted through
 * NODE_EXTRA_CA_CERTS. Each test breaks one thing as a deploy can break it and reads the line.
 */
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { built } from "../support/builds.ts";
import { startCommand, type Ran } from "../support/commands.ts";
import { ADMIN, corsLists, KEY, LOGIN, LOGIN_ENV, serving, shop as shopHandler, SHOP, ShopCertificate, TOKEN, type Fault } from "../support/fake-shop.ts";
import { REPO_ROOT } from "../support/tools.ts";

let certificate: ShopCertificate;
beforeAll(() => {
  certificate = new ShopCertificate();
});
afterAll(() => certificate.remove());

const shop = (fault?: Fault) => shopHandler(corsLists(built("overlays/prod").objects), fault);

/** Runs smoke against a server made for the run: the server runs in this process, so the command must not block it. */
function smoke(server: Server, extra: string[] = [], env: Record<string, string> = LOGIN_ENV): Promise<Ran> {
  return serving(server, (resolve) =>
    startCommand(REPO_ROOT, "smoke.ts", ["prod", ...resolve, "--publishable-key", KEY, ...extra], { ...process.env, NODE_EXTRA_CA_CERTS: certificate.certFile, ...env }).done);
}

const https = (fault?: Fault) => createHttpsServer({ cert: certificate.cert, key: certificate.key }, shop(fault));
const lines = (r: Ran) => r.stdout.split("\n").filter((l) => l.startsWith("["));
/** Exactly one check failed, and this is its line. */
function failsOnly(r: Ran, check: string): string {
  expect(r.status, r.stdout + r.stderr).toBe(1);
  const failed = lines(r).filter((l) => l.startsWith("[fail] "));
  expect(failed, r.stdout).toHaveLength(1);
  expect(failed[0]!.startsWith(`[fail] ${check}: `), failed[0]).toBe(true);
  expect(r.stderr).toBe(`error: smoke-failed: 1 of 10 checks failed (${check}): overlays/prod does not serve the shop as it should; fix the [fail] lines above\n`);
  return failed[0]!;
}

describe("npm run smoke against local servers", () => {
  it("a healthy shop: every check ok, exit 0, the login's password never printed", async () => {
    const r = await smoke(https());
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout.split("\n")[0]).toBe(`smoke overlays/prod: https://${ADMIN} and https://${SHOP}`);
    expect(lines(r).map((l) => l.replace(/:.*/, ""))).toEqual([
      `[ok] tls ${ADMIN}`, `[ok] tls ${SHOP}`, "[ok] backend-health", "[ok] storefront-health", "[ok] admin", "[ok] store-api",
      "[ok] cors STORE_CORS", "[ok] cors ADMIN_CORS", "[ok] cors AUTH_CORS", "[ok] cookie",
    ]);
    expect(r.stdout + r.stderr).not.toContain(LOGIN.password);
    expect(r.stdout + r.stderr).not.toContain(TOKEN);
  });

  it("the backend's health down", async () => {
    expect(failsOnly(await smoke(https("health-down")), "backend-health")).toBe(`[fail] backend-health: GET https://${ADMIN}/health answered 503; fix: the medusa pods are not ready or the Ingress does not reach them: kubectl get pods, and the medusa logs`);
  });

  it("the storefront's health down", async () => {
    expect(failsOnly(await smoke(https("storefront-down")), "storefront-health")).toBe(`[fail] storefront-health: GET https://${SHOP}/api/health answered 502; fix: the storefront pods are not ready or the Ingress does not reach them: kubectl get pods, and the storefront logs`);
  });

  it("the admin missing", async () => {
    expect(failsOnly(await smoke(https("admin-missing")), "admin")).toMatch(new RegExp(`^\\[fail\\] admin: GET https://${ADMIN}/app/ answered 404 \\(text/html\\); fix: `));
  });

  it("the store API refusing the publishable key", async () => {
    expect(failsOnly(await smoke(https("key-refused")), "store-api")).toMatch(new RegExp(`^\\[fail\\] store-api: GET https://${ADMIN}/store/regions with the publishable key answered 400; fix: `));
  });

  it("CORS accepted from a foreign origin", async () => {
    const r = await smoke(https("cors-foreign"));
    expect(r.status).toBe(1);
    expect(lines(r).filter((l) => l.startsWith("[fail]"))).toEqual(
      ["STORE_CORS /store/regions", "ADMIN_CORS /admin/users/me", "AUTH_CORS /auth/user/emailpass"].map((s) => {
        const [list, path] = s.split(" ");
        return `[fail] cors ${list}: preflights to ${path}: https://smoke.invalid accepted; fix: the medusa pods do not run with the build's ${list}: restart them after a render (kubectl rollout restart), and check no Secret sets it`;
      }),
    );
  });

  it("CORS refused from an origin the overlay derives", async () => {
    expect(failsOnly(await smoke(https("cors-derived-refused")), "cors STORE_CORS")).toMatch(new RegExp(`^\\[fail\\] cors STORE_CORS: preflights to /store/regions: https://${SHOP} refused \\(204, Access-Control-Allow-Origin absent\\); fix: `));
  });

  it("a session cookie without Secure", async () => {
    expect(failsOnly(await smoke(https("cookie-insecure")), "cookie")).toMatch(/^\[fail\] cookie: the session cookie connect\.sid is not Secure: browsers drop it; fix: /);
  });

  it("plain HTTP where TLS is expected: every host's TLS line fails", async () => {
    const r = await smoke(createHttpServer(shop()));
    expect(r.status).toBe(1);
    for (const host of [ADMIN, SHOP]) expect(lines(r)).toContainEqual(expect.stringMatching(new RegExp(`^\\[fail\\] tls ${host}: no valid TLS: EPROTO `)));
  });

  it("a certificate not trusted: the TLS lines fail", async () => {
    const r = await smoke(https(), [], { NODE_EXTRA_CA_CERTS: "", ...LOGIN_ENV });
    expect(r.status).toBe(1);
    for (const host of [ADMIN, SHOP]) expect(lines(r)).toContainEqual(expect.stringMatching(new RegExp(`^\\[fail\\] tls ${host}: no valid TLS: DEPTH_ZERO_SELF_SIGNED_CERT `)));
  });

  it("without the admin login the cookie check is skipped, and says how to run it", async () => {
    const r = await smoke(https(), [], {});
    expect(r.status, r.stdout).toBe(0);
    expect(lines(r)).toContain("[skip] cookie: no admin login given; fix: export SMOKE_ADMIN_EMAIL and SMOKE_ADMIN_PASSWORD");
  });
});
