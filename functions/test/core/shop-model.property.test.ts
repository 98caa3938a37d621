/** Object order is not meaning: any permutation of an overlay's objects derives the same values and findings. */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { derive } from "../../src/core/derive.ts";
import type { KubeObject } from "../../src/core/kube.ts";
import { ingress, policy, service, shop, view } from "../support/hand-built-overlay.ts";

const RUNS = Number(process.env.FUZZ_RUNS ?? 200);

/** A shop with the layouts order used to decide: a second Service in front of each app, other apps' Ingresses, several hosts. */
function layout(): KubeObject[] {
  const objects = shop({ rules: [{ host: "shop.example.com", paths: [["/", "frontend"]] }, { host: "admin.example.com", paths: [["/", "api"]] }], tls: ["shop.example.com"] });
  return [
    ...objects,
    service("api", "medusa", 80, 9000),
    service("frontend", "storefront", 80, 8000),
    { apiVersion: "v1", kind: "Service", metadata: { name: "files" }, spec: { selector: { app: "object-store" }, ports: [{ port: 7070 }] } },
    ingress([{ host: "files.example.com", paths: [["/", "files"]] }], [], "a-files"),
    ingress([{ host: "shop.example.com", paths: [["/store", "medusa"]] }, { host: "brand.example.org", paths: [["/", "storefront"]] }], ["brand.example.org"], "b-brand"),
  ];
}

const summary = (objects: KubeObject[]) => {
  const d = derive(view(objects), policy({ bakedUrls: { storefront: { NEXT_PUBLIC_BASE_URL: "https://shop.example.com" } } }));
  return { cors: d.cors, job: d.migrationJob?.name, results: d.results.map((r) => JSON.stringify(r)).sort() };
};

describe("shuffling the objects never changes a result", () => {
  test("the layout derives values at all, so the property compares something", () => {
    expect(summary(layout()).cors?.medusa).toEqual({
      STORE_CORS: "https://brand.example.org,https://shop.example.com",
      ADMIN_CORS: "http://admin.example.com,https://shop.example.com,https://brand.example.org",
      AUTH_CORS: "http://admin.example.com,https://shop.example.com,https://brand.example.org",
      BACKEND_URL: "http://admin.example.com",
      STOREFRONT_URL: "https://shop.example.com",
    });
  });

  test(`holds for ${RUNS} permutations, with and without a finding`, () => {
    const broken = () => {
      const o = layout();
      o.push(ingress([{ host: "admin.example.com", paths: [["/", "frontend"]] }], [], "c-conflict"));
      return o;
    };
    for (const make of [layout, broken]) {
      const want = summary(make());
      fc.assert(fc.property(fc.shuffledSubarray(make().map((_, i) => i), { minLength: make().length }), (order) => {
        const objects = make();
        expect(summary(order.map((i) => objects[i]!))).toEqual(want);
      }), { numRuns: RUNS });
    }
  });
});
