/**
 * A local stand-in for the shop behind its Ingress, for `npm run smoke` and `npm run deploy`: one
 * server answering the two public hosts of overlays/prod as Medusa and the storefront answer the
 * requests smoke makes, with at most one fault, and a certificate openssl makes for those hosts.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BuiltObject } from "../../scripts/lib/built-object.ts";

export const ADMIN = "admin.example.com";
export const SHOP = "shop.example.com";
export const KEY = "pk_smoke_test";
export const LOGIN = { email: "admin@smoke.invalid", password: "smoke-admin-password" };
export const TOKEN = "smoke-session-token";
/** What smoke needs in its environment to log in to the fake admin. */
export const LOGIN_ENV = { SMOKE_ADMIN_EMAIL: LOGIN.email, SMOKE_ADMIN_PASSWORD: LOGIN.password };

export type Fault = "health-down" | "storefront-down" | "admin-missing" | "key-refused" | "cors-foreign" | "cors-derived-refused" | "cookie-insecure";

/** The CORS lists the medusa pods run with, by path prefix: the build's medusa-config, as in the cluster. */
export function corsLists(objects: readonly BuiltObject[]): Record<string, string[]> {
  const config = objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === "medusa-config")!.data as Record<string, string>;
  return { "/store": config.STORE_CORS!.split(","), "/admin": config.ADMIN_CORS!.split(","), "/auth": config.AUTH_CORS!.split(",") };
}

/** What Medusa and the storefront answer for the requests smoke makes, with one fault at most. */
export function shop(lists: Record<string, string[]>, fault?: Fault) {
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
        const allowed = Object.entries(lists).find(([prefix]) => path.startsWith(prefix))?.[1] ?? [];
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

/** A certificate for both hosts, made here; a client trusts it through NODE_EXTRA_CA_CERTS=<certFile>. */
export class ShopCertificate {
  readonly dir = mkdtempSync(join(tmpdir(), "smoke-tls-"));
  readonly certFile = join(this.dir, "cert.pem");
  readonly cert: Buffer;
  readonly key: Buffer;

  constructor() {
    const keyFile = join(this.dir, "key.pem");
    execFileSync("openssl", [
      "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=smoke test", "-addext", `subjectAltName=DNS:${ADMIN},DNS:${SHOP}`,
      "-keyout", keyFile, "-out", this.certFile,
    ], { stdio: "ignore" });
    this.cert = readFileSync(this.certFile);
    this.key = readFileSync(keyFile);
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Runs `fn` with `server` listening on a port of 127.0.0.1, and the `--resolve` options that send both hosts there. */
export async function serving<T>(server: Server, fn: (resolve: string[]) => Promise<T>): Promise<T> {
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const port = (server.address() as AddressInfo).port;
  try {
    return await fn([ADMIN, SHOP].flatMap((host) => ["--resolve", `${host}=127.0.0.1:${port}`]));
  } finally {
    server.closeAllConnections();
    await new Promise((done) => server.close(done));
  }
}
