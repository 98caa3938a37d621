/**
 * Using the running shop as its users do: the store API with the seeded publishable key, the first
 * admin created as docs/operations.md says and a login, CORS preflights from every origin the
 * Ingress serves and from a foreign one, the session cookie behind a TLS-terminating Ingress, the
 * admin at /app with its baked backend URL, product images through the files host, the worker's
 * mode, a hung server restarted by its liveness probe, and a graceful stop.
 */
import { ingressHosts, ingressRoute, send, viaIngress, type Reply } from "./http.ts";
import { solidPng } from "./images-external-assets-server.ts";
import { must, seconds } from "./report.ts";
import { MEDUSA_IMAGE, type Shop } from "./shop-run.ts";

const ADMIN_EMAIL = "admin@rehearsal.invalid";
const ADMIN_PASSWORD = "rehearsal-admin-password";
const FOREIGN_ORIGIN = "https://foreign.invalid";

type Env = Record<string, string>;

/** What the container running the medusa image really receives, from the pod runner's plan. */
function medusaEnv(shop: Shop, owner: string): Env {
  const pod = shop.pods.find((p) => p.owner.kind === "Deployment" && p.owner.name === owner);
  must(pod !== undefined, `no Deployment ${owner} in the build`);
  const plan = shop.plans.get(pod.name);
  must(plan !== undefined, `Deployment ${owner} was not started`);
  const spec = pod.spec.containers.find((c: { image: string }) => c.image.replace(/:[^/:]*$/, "") === MEDUSA_IMAGE);
  must(spec !== undefined, `Deployment ${owner} runs no ${MEDUSA_IMAGE} container`);
  const c = plan.containers.find((x) => x.name === spec.name)!;
  return Object.fromEntries(c.env.map((e) => [e.name, e.value]));
}

const list = (v: string | undefined) => (v ?? "").split(",").map((s) => s.trim()).filter(Boolean);

/** The admin/API host: the Ingress host whose `/app` reaches the medusa server. */
function adminHost(shop: Shop): string {
  for (const host of ingressHosts(shop.objects)) {
    const routed = (() => {
      try {
        return ingressRoute(shop.objects, host, "/app");
      } catch {
        return undefined;
      }
    })();
    if (routed?.service === "medusa") return host;
  }
  throw new Error("no Ingress host routes /app to the medusa Service");
}

async function psql(shop: Shop, sql: string): Promise<string> {
  const pod = shop.pods.find((p) => p.owner.kind === "StatefulSet" && p.owner.name === "postgres");
  must(pod !== undefined, "no postgres pod");
  const c = shop.running.get(pod.name)?.container("postgres");
  must(c !== undefined, "postgres is not running");
  const creds = shop.shop.credentials.postgres;
  const r = await c.exec(["psql", "-h", "127.0.0.1", "-U", creds.user, "-d", creds.database, "-tAc", sql], 20_000);
  must(r.exitCode === 0, `psql ${sql}: exit ${r.exitCode}: ${r.output.trim()}`);
  return r.output.trim();
}

/** Returns the admin's token (empty when the login failed). */
export async function backendChecks(shop: Shop): Promise<string> {
  const report = shop.opts.report;
  const env = medusaEnv(shop, "medusa");
  const admin = adminHost(shop);
  const adminUrl = `https://${admin}`;

  await report.attempt("admin UI at /app carries the baked backend URL", async () => {
    const html = await viaIngress(shop.objects, shop.net, `${adminUrl}/app/`);
    must(html.status === 200, `GET ${adminUrl}/app/ answered ${html.status}`);
    const baked = shop.shop.bakedUrls.medusa.BACKEND_URL;
    must(baked !== undefined, "the overlay's policy names no BACKEND_URL for the medusa image");
    const scripts = [...html.text().matchAll(/src="(\/app\/[^"]+\.js)"/g)].map((m) => m[1]!);
    must(scripts.length > 0, "the admin page references no script");
    for (const s of scripts) {
      const js = await viaIngress(shop.objects, shop.net, `${adminUrl}${s}`);
      if (js.text().includes(baked)) return `GET /app/ 200, ${s} holds ${baked}`;
    }
    throw new Error(`none of ${scripts.join(", ")} holds ${baked}`);
  });

  let token = "";
  await report.attempt("first admin (docs/operations.md: medusa user) and a login", async () => {
    const server = shop.running.get(shop.podsOf("Deployment", "medusa")[0]!.name)?.container("medusa");
    must(server !== undefined, "the medusa server is not running");
    const created = await server.exec(["/app/node_modules/.bin/medusa", "user", "-e", ADMIN_EMAIL, "-p", ADMIN_PASSWORD], 120_000);
    must(created.exitCode === 0, `medusa user exited ${created.exitCode}: ${created.output.trim().split("\n").slice(-3).join(" | ")}`);
    const login = await viaIngress(shop.objects, shop.net, `${adminUrl}/auth/user/emailpass`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD }),
    });
    must(login.status === 200, `POST /auth/user/emailpass answered ${login.status}: ${login.text().slice(0, 200)}`);
    token = JSON.parse(login.text()).token;
    const me = await viaIngress(shop.objects, shop.net, `${adminUrl}/admin/users/me`, { headers: { Authorization: `Bearer ${token}` } });
    must(me.status === 200, `GET /admin/users/me answered ${me.status}`);
    return `user created, login 200, /admin/users/me 200 as ${JSON.parse(me.text()).user?.email}`;
  });

  await report.attempt("session cookie is Secure behind the TLS-terminating Ingress, and only there", async () => {
    must(token !== "", "no login token");
    const https = await viaIngress(shop.objects, shop.net, `${adminUrl}/auth/session`, { method: "POST", headers: { Authorization: `Bearer ${token}` } });
    const httpOnly = await viaIngress(shop.objects, shop.net, `http://${admin}/auth/session`, { method: "POST", headers: { Authorization: `Bearer ${token}` } });
    const cookie = (r: Reply) => [r.headers["set-cookie"] ?? []].flat().join("; ");
    must(https.status === 200 && /;\s*Secure/i.test(cookie(https)), `with X-Forwarded-Proto https: ${https.status}, Set-Cookie ${cookie(https) || "none"}`);
    must(!/connect\.sid/.test(cookie(httpOnly)), `plain http also got a session cookie: ${cookie(httpOnly)}`);
    return `https: ${cookie(https).replace(/connect\.sid=[^;]+/, "connect.sid=…")}; plain http: ${cookie(httpOnly) || "no cookie"}`;
  });

  await report.attempt("CORS preflights: every Ingress origin accepted exactly where the derived lists say, a foreign one nowhere", async () => {
    const families = [
      { key: "STORE_CORS", path: "/store/products", method: "GET" },
      { key: "ADMIN_CORS", path: "/admin/users/me", method: "GET" },
      { key: "AUTH_CORS", path: "/auth/user/emailpass", method: "POST" },
    ];
    const origins = [...ingressHosts(shop.objects).map((h) => `https://${h}`), FOREIGN_ORIGIN];
    const wrong: string[] = [];
    let asked = 0;
    for (const f of families) {
      const allowed = list(env[f.key]);
      must(allowed.length > 0, `${f.key} is empty in the medusa container's environment`);
      for (const origin of origins) {
        const r = await viaIngress(shop.objects, shop.net, `${adminUrl}${f.path}`, {
          method: "OPTIONS",
          headers: { Origin: origin, "Access-Control-Request-Method": f.method, "Access-Control-Request-Headers": "content-type" },
        });
        asked++;
        const accepted = r.headers["access-control-allow-origin"] === origin;
        if (accepted !== allowed.includes(origin)) wrong.push(`${f.path} from ${origin}: ${accepted ? "accepted" : "refused"}, ${f.key} says ${allowed.includes(origin) ? "accept" : "refuse"}`);
      }
    }
    must(wrong.length === 0, wrong.join("; "));
    const store = list(env.STORE_CORS);
    const shopHosts = ingressHosts(shop.objects).filter((h) => h !== admin && store.includes(`https://${h}`));
    must(shopHosts.length > 0, `STORE_CORS (${env.STORE_CORS}) accepts no Ingress host but the admin's`);
    must(list(env.ADMIN_CORS).includes(adminUrl) && list(env.AUTH_CORS).includes(adminUrl), `the admin origin ${adminUrl} is missing from ADMIN_CORS or AUTH_CORS`);
    return `${asked} preflights as derived (store: ${env.STORE_CORS}; admin: ${env.ADMIN_CORS}; auth: ${env.AUTH_CORS})`;
  });
  return token;
}

/**
 * An image an admin uploads, as the admin UI does it: stored in the object store and served back
 * byte for byte from the public URL (S3_FILE_URL) through the Ingress. Returns that URL.
 */
export async function uploadCheck(shop: Shop, token: string): Promise<string> {
  let url = "";
  await shop.opts.report.attempt("an image uploaded through the admin API is served from the files URL", async () => {
    must(token !== "", "no admin token");
    const png = solidPng([200, 120, 40]);
    const boundary = "rehearsal-boundary";
    const body = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="rehearsal.png"\r\nContent-Type: image/png\r\n\r\n`),
      png,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const admin = adminHost(shop);
    const r = await viaIngress(shop.objects, shop.net, `https://${admin}/admin/uploads`, {
      method: "POST",
      headers: { Authorization: `Bearer ${token}`, "Content-Type": `multipart/form-data; boundary=${boundary}` },
      body,
    });
    must(r.status === 200, `POST /admin/uploads answered ${r.status}: ${r.text().slice(0, 200)}`);
    url = JSON.parse(r.text()).files[0].url;
    const back = await viaIngress(shop.objects, shop.net, url, {}, shop.outside);
    must(back.status === 200 && back.body.equals(png), `GET ${url} answered ${back.status} with ${back.body.length} bytes, not the ${png.length} uploaded`);
    return `${url}: the same ${png.length} bytes`;
  });
  return url;
}


/** The products the seed made, through the store API with its publishable key, and their images through the files host. */
export async function catalogueChecks(shop: Shop): Promise<string> {
  const report = shop.opts.report;
  const key = await psql(shop, "SELECT token FROM api_key WHERE type = 'publishable' AND revoked_at IS NULL ORDER BY created_at LIMIT 1");
  must(key.startsWith("pk_"), `no publishable key in the database after the seed (got ${JSON.stringify(key)})`);
  const admin = adminHost(shop);
  let thumbnail = "";
  await report.attempt("store API lists the seeded products with the publishable key", async () => {
    const published = Number(await psql(shop, "SELECT count(*) FROM product WHERE status = 'published' AND deleted_at IS NULL"));
    const r = await viaIngress(shop.objects, shop.net, `https://${admin}/store/products?limit=100`, { headers: { "x-publishable-api-key": key } });
    must(r.status === 200, `GET /store/products answered ${r.status}: ${r.text().slice(0, 200)}`);
    const body = JSON.parse(r.text()) as { count: number; products: Array<{ thumbnail?: string | null }> };
    must(published > 0 && body.count === published, `the API lists ${body.count} products, the database has ${published} published`);
    thumbnail = body.products.find((p) => p.thumbnail)?.thumbnail ?? "";
    return `${body.count} products`;
  });
  await report.attempt("the seeded products' images are served from the files host", async () => {
    must(thumbnail !== "", "no product has a thumbnail");
    const r = await viaIngress(shop.objects, shop.net, thumbnail, {}, shop.outside);
    must(r.status === 200 && String(r.headers["content-type"]).startsWith("image/"), `GET ${thumbnail} answered ${r.status} ${r.headers["content-type"]}`);
    // The app's seed hands the file module each image as a "binary" string, which @medusajs/file-s3
    // stores as UTF-8: every byte above 0x7f doubles, the PNG signature first. Not this repository's
    // to fix; say so rather than fail on it (docs/operations.md, "Known defects of the app").
    if (r.body[0] === 0xc2 && r.body[1] === 0x89) report.note(`the app's seed stores its images re-encoded as UTF-8: ${thumbnail} starts c2 89, not 89 50 (PNG); uploads through the admin are intact`);
    return `GET ${thumbnail}: ${r.status} ${r.headers["content-type"]}, ${r.body.length} bytes`;
  });
  return key;
}

/** Each worker pod runs in worker mode: healthy, but no store or admin API. */
export async function workerChecks(shop: Shop): Promise<void> {
  const workers = shop.podsOf("Deployment", "medusa-worker");
  if (workers.length === 0) return;
  await shop.opts.report.attempt("medusa-worker runs in worker mode", async () => {
    const env = medusaEnv(shop, "medusa-worker");
    must(env.MEDUSA_WORKER_MODE === "worker", `MEDUSA_WORKER_MODE is ${env.MEDUSA_WORKER_MODE ?? "unset"}`);
    const seen: string[] = [];
    for (const pod of workers) {
      const ip = shop.net.pods.find((p) => p.pod === pod.name)!.ip;
      const health = await send(ip, 9000, "/health");
      const store = await send(ip, 9000, "/store/regions");
      must(health.status === 200, `${pod.name}: /health answered ${health.status}`);
      must(store.status === 404, `${pod.name}: /store/regions answered ${store.status}, a worker should serve no API`);
      seen.push(`${pod.name}: /health 200, /store/regions 404`);
    }
    return seen.join("; ");
  });
}

/** A stopped server process fails its liveness probe and the kubelet restarts it; then it is ready again. */
export async function livenessCheck(shop: Shop, owner: string, container: string): Promise<void> {
  await shop.opts.report.attempt(`${owner}: a hung server is restarted by its liveness probe`, async () => {
    const pod = shop.podsOf("Deployment", owner)[0]!;
    const running = shop.running.get(pod.name)!;
    const c = running.container(container);
    must(c !== undefined, `${owner} is not running`);
    const probe = running.plan.containers.find((x) => x.name === container)!.livenessProbe;
    must(probe !== undefined, `${owner} has no liveness probe`);
    const before = running.status().find((s) => s.name === container)!.restarts;
    const window = (probe.periodSeconds * probe.failureThreshold + probe.timeoutSeconds + running.plan.terminationGracePeriodSeconds + 30) * 1000;
    const t0 = Date.now();
    c.signal("SIGSTOP");
    while (running.status().find((s) => s.name === container)!.restarts === before) {
      must(Date.now() - t0 < window, `still not restarted ${seconds(Date.now() - t0)} after SIGSTOP (liveness ${probe.handler.kind}, window ${seconds(window)})`);
      await new Promise((r) => setTimeout(r, 500));
    }
    const restarted = Date.now() - t0;
    await running.whenReady(5 * 60_000);
    return `restarted ${seconds(restarted)} after SIGSTOP, ready again after ${seconds(Date.now() - t0)}`;
  });
}

/** SIGTERM ends the app well inside its grace period (after the preStop pause). */
export async function gracefulStopCheck(shop: Shop, owner: string, container: string): Promise<void> {
  await shop.opts.report.attempt(`${owner}: stops gracefully`, async () => {
    const pod = shop.podsOf("Deployment", owner).at(-1)!;
    const running = shop.running.get(pod.name)!;
    const c = running.container(container);
    must(c !== undefined, `${owner} is not running`);
    const grace = running.plan.terminationGracePeriodSeconds;
    const t0 = Date.now();
    await running.stop();
    const exit = running.status().find((s) => s.name === container)?.lastExit;
    const took = Date.now() - t0;
    must(exit !== undefined && took < grace * 1000 && exit.exitCode !== 137, `exit ${exit?.exitCode} (${exit?.reason}) after ${seconds(took)}, grace ${grace} s`);
    return `exit ${exit.exitCode} after ${seconds(took)} (preStop pause included), grace ${grace} s`;
  });
}
