// npm run smoke -- <env> [--resolve HOST=ADDRESS[:PORT]]... [--publishable-key pk_…] [--var NAME=VALUE]...
// After a deploy, from outside through the public hosts: health, admin, store API, CORS, TLS and
// the session cookie. One line per check; exit 1 when one fails (docs/operations.md, "After a
// deploy: smoke"). All decisions live in lib/smoke.ts.
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { parseArgs } from "node:util";
import { formatCheck, verdict } from "./lib/check-lines.ts";
import { CommandError, main } from "./lib/command.ts";
import { buildOverlay } from "./lib/overlay.ts";
import { parsePins, smokeChecks, targets, type Pin, type Reply, type Request } from "./lib/smoke.ts";

const USAGE = "usage: npm run smoke -- <env> [--resolve HOST=ADDRESS[:PORT]]... [--publishable-key pk_…] [--var NAME=VALUE]...";
const TIMEOUT_MS = 15_000;
/** Enough of a body to tell an HTML page or a token; the rest is not read. */
const BODY_LIMIT = 64 * 1024;

function send(pins: Map<string, Pin>, req: Request): Promise<Reply> {
  const url = new URL(req.url);
  const pin = pins.get(url.hostname);
  const tls = url.protocol === "https:";
  return new Promise((resolve) => {
    const r = (tls ? httpsRequest : httpRequest)(
      {
        host: pin?.address ?? url.hostname,
        port: pin?.port ?? (url.port || (tls ? 443 : 80)),
        // The certificate is checked against the public name, wherever the connection goes.
        servername: url.hostname,
        path: url.pathname + url.search,
        method: req.method,
        headers: { host: url.host, ...req.headers },
        agent: false,
        timeout: TIMEOUT_MS,
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => {
          if (body.length < BODY_LIMIT) body += d;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on("error", (e) => resolve({ error: e.message }));
      },
    );
    r.on("timeout", () => r.destroy(new Error(`no answer within ${TIMEOUT_MS / 1000}s`)));
    r.on("error", (e: NodeJS.ErrnoException) => resolve({ error: e.code ? `${e.code} ${e.message}` : e.message }));
    r.end(req.body);
  });
}

function vars(texts: readonly string[]): Record<string, string> {
  return Object.fromEntries(
    texts.map((t) => {
      const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(t);
      if (!m) throw new CommandError("usage", `--var ${t}: expected NAME=VALUE`);
      return [m[1]!, m[2]!];
    }),
  );
}

await main(async () => {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      resolve: { type: "string", multiple: true, default: [] },
      "publishable-key": { type: "string" },
      var: { type: "string", multiple: true, default: [] },
    },
  });
  if (positionals.length !== 1) throw new CommandError("usage", USAGE);
  const env = positionals[0]!;
  const pins = parsePins(values.resolve);
  const variables = vars(values.var);
  const t = targets(buildOverlay(env), env, variables);
  console.log(`smoke overlays/${env}: ${t.backend} and ${t.storefront}`);
  const { SMOKE_ADMIN_EMAIL: email, SMOKE_ADMIN_PASSWORD: password } = process.env;
  const checks = await smokeChecks(
    t,
    { ...(values["publishable-key"] ? { publishableKey: values["publishable-key"] } : {}), ...(email && password ? { admin: { email, password } } : {}) },
    (req) => send(pins, req),
  );
  for (const c of checks) console.log(formatCheck(c));
  verdict(checks, "smoke-failed", `overlays/${env} does not serve the shop as it should; fix the [fail] lines above`);
}, USAGE);
