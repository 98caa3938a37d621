import { type Origins, rulesFile } from "./cors.ts";
import { refOf } from "./kube.ts";
import type { OverlayView } from "./overlay-view.ts";
import type { Policy } from "./policy.ts";
import { type Result, error } from "./results.ts";
import { type Role, deploymentFor, mainContainer } from "./roles.ts";

/** Which Ingress-routed component each baked URL must be an origin of, and what goes wrong otherwise. */
const CHECKS: ReadonlyArray<{ image: Role; arg: string; servedBy: Role; breaks: string }> = [
  { image: "medusa", arg: "BACKEND_URL", servedBy: "medusa", breaks: "the admin UI would call that backend and its login fail" },
  { image: "storefront", arg: "NEXT_PUBLIC_MEDUSA_BACKEND_URL", servedBy: "medusa", breaks: "browsers would send store calls there and fail on CORS or reach the wrong backend" },
  { image: "storefront", arg: "NEXT_PUBLIC_BASE_URL", servedBy: "storefront", breaks: "links and redirects would point there" },
];

const hostOf = (origin: string) => origin.replace(/^https?:\/\//, "");

/**
 * The app images carry public URLs fixed at build time, which nobody can read off an image: the
 * policy declares them and every one must still be an origin the Ingress serves. Flux `${VAR}`
 * hosts are compared verbatim, as written on both sides.
 */
export function checkBakedUrls(view: OverlayView, policy: Policy, origins: Origins): Result[] {
  const results: Result[] = [];
  // The origins were derived from an Ingress, so there is one to name.
  const ingress = view.objects.find((o) => o.kind === "Ingress")!;
  for (const { image, arg, servedBy, breaks } of CHECKS) {
    const baked: string | undefined = (policy.bakedUrls[image] as Record<string, string | undefined> | undefined)?.[arg];
    if (baked === undefined || origins[servedBy].includes(baked)) continue;
    const deployment = deploymentFor(view.objects, image);
    const ref = (deployment && mainContainer(deployment, image)?.image) ?? `the ${image} image`;
    const served = origins[servedBy].map(hostOf).join(", ");
    results.push(error(
      "baked-url",
      `the Ingress serves the ${servedBy === "medusa" ? "backend and admin" : "storefront"} at ${served}, but ${ref} was built with ${arg}=${baked} ` +
      `(policy ${policy.name}, spec.bakedUrls.${image}.${arg}): ${breaks}. Rebuild the image with ${arg}=${origins[servedBy][0]} and pin its tag, ` +
      `then update spec.bakedUrls; or change the host back to ${hostOf(baked)}`,
      { ref: refOf(ingress), field: "spec.rules", ...rulesFile(view, ingress) },
    ));
  }
  return results;
}
