/**
 * The storefront, once the backend answers, built the way docs/operations.md ("Building the images")
 * tells an operator to: the publishable key the seed created and Meilisearch's search key baked in,
 * the overlay's storefront-build-args.env and the policy's bakedUrls as build args, its
 * storefront.env.production copied into the app's checkout, and the medusa Service port-forwarded to
 * localhost:9000 while it builds. Then started as its Deployment says and used through its public
 * host: home, product and collection pages, product images through /_next/image, and search.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "../support/tools.ts";
import { storefrontImage } from "./images-apps.ts";
import { send, viaIngress } from "./http.ts";
import { must, seconds } from "./report.ts";
import { forwardTcp } from "./service-proxy.ts";
import { lastLines, type Shop } from "./shop-run.ts";

function envFile(path: string): Record<string, string> {
  if (!existsSync(path)) return {};
  return Object.fromEntries(
    readFileSync(path, "utf8")
      .split("\n")
      .filter((l) => l.trim() && !l.trim().startsWith("#"))
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
}

/** Meilisearch's "Default Search API Key", as an operator reads it with the master key. */
async function searchKey(shop: Shop, namespace: string): Promise<string> {
  const ip = shop.net.services[namespace]?.meilisearch?.[0];
  must(ip !== undefined, "no Meilisearch pod to read the search key from");
  const pod = shop.pods.find((p) => p.owner.kind === "StatefulSet" && p.owner.name === "meilisearch")!;
  const master = shop.plans.get(pod.name)?.containers[0]?.env.find((e) => e.name === "MEILI_MASTER_KEY")?.value;
  must(master !== undefined, "Meilisearch's container has no MEILI_MASTER_KEY");
  const r = await send(ip, 7700, "/keys", { headers: { Authorization: `Bearer ${master}` } });
  must(r.status === 200, `GET /keys answered ${r.status}`);
  const key = (JSON.parse(r.text()).results as Array<{ name: string; key: string }>).find((k) => k.name === "Default Search API Key")?.key;
  must(key !== undefined, "Meilisearch has no Default Search API Key");
  return key;
}

export async function storefrontStage(shop: Shop, publishableKey: string, uploadedImage: string): Promise<void> {
  const pods = shop.podsOf("Deployment", "storefront");
  if (pods.length === 0) return;
  const report = shop.opts.report;
  const namespace = pods[0]!.namespace;
  const overlayDir = join(REPO_ROOT, "overlays", shop.shop.overlay);
  const medusaIp = shop.net.services[namespace]?.medusa?.[0];
  must(medusaIp !== undefined, "no medusa pod for the storefront build to read");

  const t0 = Date.now();
  const buildArgs: Record<string, string> = {
    ...shop.shop.bakedUrls.storefront,
    ...envFile(join(overlayDir, "storefront-build-args.env")),
    NEXT_PUBLIC_MEDUSA_PUBLISHABLE_KEY: publishableKey,
    NEXT_PUBLIC_SEARCH_API_KEY: await searchKey(shop, namespace),
  };
  const dotEnv = join(overlayDir, "storefront.env.production");
  const addedFiles: Record<string, string> = existsSync(dotEnv) ? { ".env.production": readFileSync(dotEnv, "utf8") } : {};
  const ref = pods[0]!.spec.containers[0].image as string;
  // `kubectl port-forward svc/medusa 9000:9000`, as the build procedure has it.
  const closeForward = await forwardTcp("127.0.0.1", 9000, { ip: medusaIp, port: 9000 }, "the port-forward to medusa");
  try {
    await shop.image(ref, () => storefrontImage({ source: shop.opts.source, buildArgs, addedFiles, log: shop.opts.log }));
  } finally {
    await closeForward();
  }
  report.measure("storefront image (built against the running backend, or cached)", seconds(Date.now() - t0));
  await shop.bringUp(pods, "storefront");

  const shopUrl = shop.shop.bakedUrls.storefront.NEXT_PUBLIC_BASE_URL;
  must(shopUrl !== undefined, "the overlay's policy names no NEXT_PUBLIC_BASE_URL");
  const region = buildArgs.NEXT_PUBLIC_DEFAULT_REGION ?? "us";
  const get = (path: string) => viaIngress(shop.objects, shop.net, `${shopUrl}${path}`, { timeoutMs: 60_000 });
  const adminUrl = shop.shop.bakedUrls.medusa.BACKEND_URL!;
  const store = async (path: string) => JSON.parse((await viaIngress(shop.objects, shop.net, `${adminUrl}${path}`, { headers: { "x-publishable-api-key": publishableKey } })).text());

  await report.attempt("storefront health path", async () => {
    const r = await get("/api/health");
    must(r.status === 200, `GET /api/health answered ${r.status}`);
    return `GET ${shopUrl}/api/health: 200 ${r.text().trim()}`;
  });
  await report.attempt(`storefront home sends visitors to the default region /${region}, a seeded one`, async () => {
    const r = await get("/");
    const location = String(r.headers.location ?? "");
    must(r.status >= 300 && r.status < 400 && new URL(location, shopUrl).pathname === `/${region}`, `GET / answered ${r.status} to ${location || "nowhere"}`);
    const home = await get(`/${region}`);
    must(home.status === 200, `GET /${region} answered ${home.status}`);
    return `GET / → ${location}, 200`;
  });
  const { products } = await store("/store/products?limit=1&fields=id,handle,title,thumbnail");
  const product = products[0] as { id: string; handle: string; title: string; thumbnail: string };
  await report.attempt("a product page rendered from the backend", async () => {
    const r = await get(`/${region}/products/${product.handle}`);
    must(r.status === 200 && r.text().includes(product.title), `GET /${region}/products/${product.handle} answered ${r.status}${r.status === 200 ? ` without "${product.title}"` : ""}`);
    return `GET /${region}/products/${product.handle}: 200 with "${product.title}"`;
  });
  await report.attempt("a collection page", async () => {
    const { collections } = await store("/store/collections?limit=1");
    const handle = collections[0]?.handle as string | undefined;
    must(handle !== undefined, "the seed made no collection");
    const r = await get(`/${region}/collections/${handle}`);
    must(r.status === 200, `GET /${region}/collections/${handle} answered ${r.status}`);
    return `GET /${region}/collections/${handle}: 200`;
  });
  await report.attempt("an image from the files host through /_next/image", async () => {
    must(uploadedImage !== "", "no uploaded image to ask for");
    const r = await get(`/_next/image?url=${encodeURIComponent(uploadedImage)}&w=640&q=75`);
    must(r.status === 200 && String(r.headers["content-type"]).startsWith("image/"), `/_next/image for ${uploadedImage} answered ${r.status}: ${r.text().slice(0, 120)}`);
    return `${uploadedImage}: 200 ${r.headers["content-type"]}`;
  });
  await report.attempt("search through the baked endpoint and key", async () => {
    // The search page asks Meilisearch on the server and hands the hits' ids to the product grid,
    // which the browser fills in: the page carries the id of every product the search found.
    const word = product.title.split(/\s+/)[0]!;
    const r = await get(`/${region}/search?query=${encodeURIComponent(word)}`);
    must(r.status === 200 && r.text().includes(product.id), `GET /${region}/search?query=${word} answered ${r.status}${r.status === 200 ? ` without the id of "${product.title}" (${product.id})` : ""}`);
    return `GET /${region}/search?query=${word}: 200, found "${product.title}" (${product.id})`;
  });
  await report.attempt("a page regenerated after POST /api/revalidate", async () => {
    // ISR: after a tag is revalidated the next request renders the page again and Next.js writes
    // the new HTML and payload next to the prerendered ones, under .next/server/app.
    const secret = shop.plans.get(pods[0]!.name)?.containers.find((c) => c.role === "main")?.env.find((e) => e.name === "REVALIDATE_SECRET")?.value;
    must(secret !== undefined, "the storefront's container has no REVALIDATE_SECRET");
    const r = await viaIngress(shop.objects, shop.net, `${shopUrl}/api/revalidate`, {
      method: "POST",
      headers: { "x-revalidate-secret": secret, "Content-Type": "application/json" },
      body: JSON.stringify({ tag: "collections" }),
    });
    must(r.status === 200, `POST /api/revalidate answered ${r.status}: ${r.text()}`);
    const { collections } = await store("/store/collections?limit=1");
    const path = `/${region}/collections/${collections[0].handle}`;
    for (let i = 0; i < 3; i++) {
      const page = await get(path);
      must(page.status === 200, `GET ${path} after revalidating answered ${page.status}`);
      await new Promise((done) => setTimeout(done, 1000));
    }
    return `revalidated "collections", GET ${path} 200 three times`;
  });
  await report.attempt("the storefront writes only where its volumes are", async () => {
    const running = shop.running.get(pods[0]!.name)!;
    const log = running.status().flatMap((s) => s.logFiles).map((f) => readFileSync(f, "utf8")).join("\n");
    const refused = log.split("\n").filter((l) => /EROFS|read-only file system/i.test(l));
    must(refused.length === 0, `${refused.length} refused writes, e.g. ${refused[0]}; ${lastLines(running)}`);
    return "no write refused by the read-only root";
  });
}
