import { describe, expect, test } from "vitest";
import { shopModel } from "../../src/core/shop-model.ts";
import { checkBakedUrls } from "../../src/checks/baked-urls.ts";
import { deriveCors } from "../../src/core/cors.ts";
import type { KubeObject } from "../../src/core/kube.ts";
import { type Rule, policy, shop, view } from "../support/hand-built-overlay.ts";

const BUILT_FOR = {
  medusa: { BACKEND_URL: "https://admin.example.com" },
  storefront: { NEXT_PUBLIC_MEDUSA_BACKEND_URL: "https://admin.example.com", NEXT_PUBLIC_BASE_URL: "https://shop.example.com" },
};

function check(objects: KubeObject[], baked: Record<string, unknown> = BUILT_FOR, more: Record<string, unknown> = {}) {
  const model = shopModel(view(objects));
  const p = policy({ bakedUrls: baked, ...more });
  const { origins } = deriveCors(model, p);
  return checkBakedUrls(model, p, origins!);
}

const rules = (shopHost: string, adminHost: string): Rule[] => [
  { host: shopHost, paths: [["/", "storefront"]] },
  { host: adminHost, paths: [["/", "medusa"]] },
];

describe("checkBakedUrls", () => {
  test("nothing to say when the Ingress serves the hosts the images were built for", () => {
    expect(check(shop())).toEqual([]);
  });

  test("nothing declared, nothing checked", () => {
    expect(check(shop({ rules: rules("a.example.org", "b.example.org"), tls: [] }), {})).toEqual([]);
  });

  test("a new admin host: both images that call the backend are named, with the declared value and both fixes", () => {
    const results = check(shop({ rules: rules("shop.example.com", "backoffice.example.org"), tls: ["shop.example.com", "backoffice.example.org"] }));
    expect(results.map((r) => r.message)).toEqual([
      "the Ingress serves the admin (/app, /admin and /auth reach medusa) at backoffice.example.org, but ghcr.io/ekenheim/ecom/medusa:b60245b was built with BACKEND_URL=https://admin.example.com " +
        "(policy test, spec.bakedUrls.medusa.BACKEND_URL): the admin UI would call that backend and its login fail. " +
        "Rebuild the image with BACKEND_URL=https://backoffice.example.org and pin its tag, then update spec.bakedUrls; or serve admin.example.com again",
      "the Ingress serves the store API (/store reaches medusa) at backoffice.example.org, but ghcr.io/ekenheim/ecom/storefront:b60245b was built with NEXT_PUBLIC_MEDUSA_BACKEND_URL=https://admin.example.com " +
        "(policy test, spec.bakedUrls.storefront.NEXT_PUBLIC_MEDUSA_BACKEND_URL): browsers would send store calls there and fail on CORS or reach the wrong backend. " +
        "Rebuild the image with NEXT_PUBLIC_MEDUSA_BACKEND_URL=https://backoffice.example.org and pin its tag, then update spec.bakedUrls; or serve admin.example.com again",
    ]);
    expect(results[0]).toMatchObject({ severity: "error", resourceRef: { kind: "Ingress", name: "ecom-ingress" }, field: { path: "spec.rules" } });
  });

  test("http where the image was built for https: the advice is the TLS layout, never an image rebuilt for http", () => {
    const results = check(shop({ tls: ["admin.example.com"] }));
    expect(results.map((r) => r.message)).toEqual([expect.stringMatching(/^the Ingress serves the storefront \(\/ reaches the storefront\) at shop\.example\.com, but .* NEXT_PUBLIC_BASE_URL=https:\/\/shop\.example\.com .*The host is served over http here: list shop\.example\.com in the Ingress's spec\.tls, or, if TLS ends before the Ingress \(a load balancer or tunnel\), set spec\.tlsBeforeIngress: true in policy test$/)]);
    expect(results[0]!.message).not.toContain("Rebuild");
  });

  test("TLS that ends before the Ingress, declared in the policy, makes every origin https", () => {
    expect(check(shop({ tls: [] }), undefined, { tlsBeforeIngress: true })).toEqual([]);
  });

  test("Flux variables are compared verbatim: the same variable host passes, another one fails", () => {
    const hosts = ["storefront.${SECRET_DOMAIN}", "medusa.${SECRET_DOMAIN}"];
    const objects = shop({ rules: rules(hosts[0]!, hosts[1]!), tls: hosts });
    const owner = {
      medusa: { BACKEND_URL: "https://medusa.${SECRET_DOMAIN}" },
      storefront: { NEXT_PUBLIC_MEDUSA_BACKEND_URL: "https://medusa.${SECRET_DOMAIN}", NEXT_PUBLIC_BASE_URL: "https://storefront.${SECRET_DOMAIN}" },
    };
    expect(check(objects, owner)).toEqual([]);
    expect(check(objects, { medusa: { BACKEND_URL: "https://admin.${SECRET_DOMAIN}" } }).map((r) => r.message)).toEqual([
      expect.stringContaining("BACKEND_URL=https://admin.${SECRET_DOMAIN}"),
    ]);
  });

  test("without the Deployment the image is named by its role, and the finding names the file that set the rules", () => {
    // Its pods run under another kind of workload: the Service still selects them, but no Deployment names the image.
    const objects = shop({ rules: rules("shop.example.com", "api.example.com"), tls: [] })
      .map((o) => (o.kind === "Deployment" && o.metadata!.name === "medusa" ? { ...o, kind: "StatefulSet" } : o));
    const ing = objects.find((o) => o.kind === "Ingress")!;
    const v = view(objects);
    v.fileOf = (node, field) => (node === ing.spec && field === "rules" ? "overlays/prod/ingress.yaml" : undefined);
    const p = policy({ bakedUrls: { medusa: { BACKEND_URL: "http://api.example.com:8080" } } });
    expect(checkBakedUrls(shopModel(v), p, deriveCors(shopModel(v), p).origins!)).toEqual([{
      severity: "error", tags: { code: "baked-url" },
      resourceRef: { apiVersion: "networking.k8s.io/v1", kind: "Ingress", name: "ecom-ingress" }, field: { path: "spec.rules" }, file: { path: "overlays/prod/ingress.yaml" },
      message: "the Ingress serves the admin (/app, /admin and /auth reach medusa) at api.example.com, but the medusa image was built with BACKEND_URL=http://api.example.com:8080 " +
        "(policy test, spec.bakedUrls.medusa.BACKEND_URL): the admin UI would call that backend and its login fail. " +
        "Rebuild the image with BACKEND_URL=http://api.example.com and pin its tag, then update spec.bakedUrls; or serve api.example.com:8080 again",
    }]);
  });
});
