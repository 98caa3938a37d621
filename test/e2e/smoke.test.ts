/**
 * `npm run smoke -- prod` (scripts/smoke.ts) against real local servers standing in for the shop
 * behind its Ingress: one HTTPS server answering both public hosts as Medusa and the storefront do,
 * with a certificate openssl makes here for them, pinned with `--resolve` and trusted through
 * NODE_EXTRA_CA_CERTS. Each test breaks one thing as a deploy can break it and reads the line.
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { built } from "../support/builds.ts";
import { REPO_ROOT } from "../support/tools.ts";

const ADMIN = "admin.example.com";
const SHOP = "shop.example.com";
const KEY = "pk_smoke_test";
const LOGIN = { email: "admin@smoke.invalid", password: "smoke-admin-password" };
const TOKEN = "smoke-session-token";

/** The CORS lists the medusa pods run with: the build's medusa-config, as in the cluster. */
const config = built("overlays/prod").objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === "medusa-config")!.data as Record<string, string>;
const LISTS: Record<string, string[]> = { "/store": config.STORE_CORS!.split(","), "/admin": config.ADMIN_CORS!.split(","), "/auth": config.AUTH_CORS!.split(",") };

type Fault = "health-down" | "storefront-down" | "admin-missing" | "key-refused" | "cors-foreign" | "cors-derived-refused" | "cookie-insecure";

/** What Medusa and the storefront answer for the requests smoke makes, with one fault at most. */
function shop(fault?: Fault) {
  return (req: IncomingMessage, res: ServerResponse) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d));
    req.on("end", () => {
      const host = req.headers.host;
      const path = req.url ?? "/";
      const send = (status: number, headers: Record<string, string> = {}, text = "") => res.writeHead(status, headers).end(text);
      if (host === SHOP) {
        if (path === "/api/health") return fault === "storefront-down" ? send(502) : send(200, { "content-type": "application/json" }, '{"status":"ok"}');
        return send(307, { location: `https://${SHOP}/se` });
      }
      if (host !== ADMIN) return send(404);
      if (req.method === "OPTIONS") {
        const origin = req.headers.origin ?? "";
        const allowed = Object.entries(LISTS).find(([prefix]) => path.startsWith(prefix))?.[1] ?? [];
        const accept = fault === "cors-foreign" || (allowed.includes(origin) && !(fault === "cors-derived-refused" && origin === `https://${SHOP}` && path.startsWith("/store")));
        return send(204, accept ? { "access-control-allow-origin": origin, "access-control-allow-credentials": "true" } : {});
      }
      if (path === "/health") return fault === "health-down" ? send(503) : send(200, { "content-type": "text/plain" }, "OK");
      if (path === "/app/") return fault === "admin-missing" ? send(404, { "content-type": "text/html" }, "Cannot GET /app/") : send(200, { "content-type": "text/html" }, "<div id=medusa></div>");
      if (path === "/store/regions") return req.headers["x-publishable-api-key"] === KEY && fault !== "key-refused" ? send(200, {}, '{"regions":[]}') : send(400, {}, '{"type":"not_allowed"}');
      if (path === "/auth/user/emailpass" && req.method === "POST") return body === JSON.stringify(LOGIN) ? send(200, {}, JSON.stringify({ token: TOKEN })) : send(401);
      if (path === "/auth/session" && req.headers.authorization === `Bearer ${TOKEN}`) {
        return send(200, { "set-cookie": `connect.sid=s%3Asmoke; Path=/; HttpOnly; SameSite=Lax${fault === "cookie-insecure" ? "" : "; Secure"}` });
      }
      return send(404);
    });
  };
}

let dir: string;
let cert: Buffer;
let key: Buffer;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "smoke-tls-"));
  execFileSync("openssl", [
    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=smoke test", "-addext", `subjectAltName=DNS:${ADMIN},DNS:${SHOP}`,
    "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"),
  ], { stdio: "ignore" });
  cert = readFileSync(join(dir, "cert.pem"));
  key = readFileSync(join(dir, "key.pem"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

interface Ran {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs smoke against a server made for the run: the server runs in this process, so the command must not block it. */
async function smoke(server: Server, extra: string[] = [], env: Record<string, string> = { SMOKE_ADMIN_EMAIL: LOGIN.email, SMOKE_ADMIN_PASSWORD: LOGIN.password }): Promise<Ran> {
  const port = await listen(server);
  try {
    const args = [join(REPO_ROOT, "scripts", "smoke.ts"), "prod", "--resolve", `${ADMIN}=127.0.0.1:${port}`, "--resolve", `${SHOP}=127.0.0.1:${port}`, "--publishable-key", KEY, ...extra];
    return await new Promise<Ran>((resolve) => {
      const child = spawn(process.execPath, args, { cwd: REPO_ROOT, env: { ...process.env, NODE_EXTRA_CA_CERTS: join(dir, "cert.pem"), ...env }, stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
      child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
      child.on("close", (code) => resolve({ status: code ?? 1, stdout, stderr }));
    });
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

const https = (fault?: Fault) => createHttpsServer({ cert, key }, shop(fault));
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
    const r = await smoke(https(), [], { NODE_EXTRA_CA_CERTS: "", SMOKE_ADMIN_EMAIL: LOGIN.email, SMOKE_ADMIN_PASSWORD: LOGIN.password });
    expect(r.status).toBe(1);
    for (const host of [ADMIN, SHOP]) expect(lines(r)).toContainEqual(expect.stringMatching(new RegExp(`^\\[fail\\] tls ${host}: no valid TLS: DEPTH_ZERO_SELF_SIGNED_CERT `)));
  });

  it("without the admin login the cookie check is skipped, and says how to run it", async () => {
    const r = await smoke(https(), [], {});
    expect(r.status, r.stdout).toBe(0);
    expect(lines(r)).toContain("[skip] cookie: no admin login given; fix: export SMOKE_ADMIN_EMAIL and SMOKE_ADMIN_PASSWORD");
  });
});
