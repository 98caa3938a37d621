/**
 * The storefront, once the backend answers: its image bakes the publishable key the seed created
 * and reads the backend while it builds, so it is built now, with the build args the overlay's policy
 * names, then started as its Deployment says and used through its public host.
 */
import { storefrontImage } from "./images-apps.ts";
import { viaIngress } from "./http.ts";
import { must, seconds } from "./report.ts";
import type { Shop } from "./shop-run.ts";

export async function storefrontStage(shop: Shop, publishableKey: string): Promise<void> {
  const pods = shop.podsOf("Deployment", "storefront");
  if (pods.length === 0) return;
  const report = shop.opts.report;
  const medusaIp = shop.net.services[pods[0]!.namespace]?.medusa?.[0];
  must(medusaIp !== undefined, "no medusa pod for the storefront build to read");
  const t0 = Date.now();
  const buildArgs = { ...shop.shop.bakedUrls.storefront, NEXT_PUBLIC_MEDUSA_PUBLISHABLE_KEY: publishableKey };
  const ref = pods[0]!.spec.containers[0].image as string;
  await shop.image(ref, () => storefrontImage({ source: shop.opts.source, buildArgs, buildEnv: { MEDUSA_BACKEND_URL: `http://${medusaIp}:9000` }, log: shop.opts.log }));
  report.measure("storefront image (built against the running backend, or cached)", seconds(Date.now() - t0));
  await shop.bringUp(pods, "storefront");

  const shopUrl = shop.shop.bakedUrls.storefront.NEXT_PUBLIC_BASE_URL;
  must(shopUrl !== undefined, "the overlay's policy names no NEXT_PUBLIC_BASE_URL");
  await report.attempt("storefront health path", async () => {
    const r = await viaIngress(shop.objects, shop.net, `${shopUrl}/api/health`);
    must(r.status === 200, `GET /api/health answered ${r.status}`);
    return `GET ${shopUrl}/api/health: 200 ${r.text().trim()}`;
  });
}
