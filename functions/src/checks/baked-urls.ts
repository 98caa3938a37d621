/**
 * Check: every public URL an app image was built with (the policy's bakedUrls) is a host that
 * serves what the image calls it for.
 */
import { type Origins, type PublicUrl, PUBLIC_URLS, firstIngress, hostOf, originsServing } from "../core/cors.ts";
import { refOf } from "../core/kube.ts";
import type { Policy } from "../core/policy.ts";
import { type Result, error } from "../core/results.ts";
import { type Role, mainContainer } from "../core/roles.ts";
import { type ShopModel, rulesFile } from "../core/shop-model.ts";

/** Which Ingress-routed component each baked URL must be an origin of, and what goes wrong otherwise. */
const CHECKS: ReadonlyArray<{ image: Role; arg: string; serves: PublicUrl; breaks: string }> = [
  { image: "medusa", arg: "BACKEND_URL", serves: "admin", breaks: "the admin UI would call that backend and its login fail" },
  { image: "storefront", arg: "NEXT_PUBLIC_MEDUSA_BACKEND_URL", serves: "store", breaks: "browsers would send store calls there and fail on CORS or reach the wrong backend" },
  { image: "storefront", arg: "NEXT_PUBLIC_BASE_URL", serves: "storefront", breaks: "links and redirects would point there" },
];

/**
 * The app images carry public URLs fixed at build time, which nobody can read off an image: the
 * policy declares them and every one must still be an origin the Ingress serves. Flux `${VAR}`
 * hosts are compared verbatim, as written on both sides.
 */
export function checkBakedUrls(model: ShopModel, policy: Policy, origins: Origins): Result[] {
  const results: Result[] = [];
  for (const { image, arg, serves, breaks } of CHECKS) {
    const baked: string | undefined = (policy.bakedUrls[image] as Record<string, string | undefined> | undefined)?.[arg];
    const serving = originsServing(model, origins, serves);
    if (baked === undefined || serving.includes(baked)) continue;
    const ingress = firstIngress(model, PUBLIC_URLS[serves].role);
    const deployment = model.servers[image];
    const ref = (deployment && mainContainer(deployment, image)?.image) ?? `the ${image} image`;
    const served = serving.length ? `the Ingress serves ${PUBLIC_URLS[serves].what} at ${serving.map(hostOf).join(", ")}` : `no host serves ${PUBLIC_URLS[serves].what}`;
    results.push(error(
      "baked-url",
      `${served}, but ${ref} was built with ${arg}=${baked} (policy ${policy.name}, spec.bakedUrls.${image}.${arg}): ${breaks}. ${advice(serving, baked, arg, policy)}`,
      { ref: refOf(ingress), field: "spec.rules", ...rulesFile(model.view, ingress) },
    ));
  }
  return results;
}

/**
 * What to do about a baked URL the Ingress does not serve. When only the scheme differs the image
 * is right and the TLS layout is what to say: either the Ingress lacks the host's tls, or TLS ends
 * before the Ingress, which the policy declares.
 */
function advice(serving: string[], baked: string, arg: string, policy: Policy): string {
  const sameHost = serving.find((o) => hostOf(o) === hostOf(baked));
  if (sameHost && baked.startsWith("https://")) {
    return `The host is served over http here: list ${hostOf(baked)} in the Ingress's spec.tls, or, if TLS ends before the Ingress (a load balancer or tunnel), ` +
      `set spec.tlsBeforeIngress: true in policy ${policy.name}`;
  }
  const to = serving[0] ? `${arg}=${serving[0]}` : `the URL of a host that serves it`;
  return `Rebuild the image with ${to} and pin its tag, then update spec.bakedUrls; or serve ${hostOf(baked)} again`;
}
