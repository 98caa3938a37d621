import { describe, expect, test } from "vitest";
import type { KubeObject } from "../../src/core/kube.ts";
import { pathOf, shopModel } from "../../src/core/shop-model.ts";
import { deployment, ingress, service, shop, view } from "../support/hand-built-overlay.ts";

const model = (objects: KubeObject[]) => shopModel(view(objects));
const codes = (objects: KubeObject[]) => model(objects).results.map((r) => `${r.tags.code}: ${r.message}`);

describe("shopModel: the shop as the objects make it, whatever their names or order", () => {
  test("each app's one Deployment is its server; every workload of its pods is listed, in name order", () => {
    const m = model(shop());
    expect([m.servers.medusa?.metadata?.name, m.servers.storefront?.metadata?.name]).toEqual(["medusa", "storefront"]);
    expect(m.workloads.medusa.map((o) => `${o.kind} ${o.metadata?.name}`)).toEqual(["Deployment medusa"]);
    expect(m.results).toEqual([]);
  });

  test("two Deployments of one app are refused, naming both in name order", () => {
    const second = deployment("a-canary", "medusa", [{ name: "medusa", image: "ghcr.io/ekenheim/ecom/medusa:b60245b" }]);
    expect(codes([...shop(), second])).toEqual([
      "app-workload: overlays/test: 2 Deployments run pods labelled app=medusa (a-canary, medusa); the shop's medusa must be one Deployment, so its image and config are not a guess",
    ]);
    expect(model([...shop(), second]).servers.medusa).toBeUndefined();
  });

  test("a Service belongs to an app by the pods it selects: ExternalName, empty or missing selectors and other namespaces do not", () => {
    const external = { apiVersion: "v1", kind: "Service", metadata: { name: "ext" }, spec: { type: "ExternalName", selector: { app: "medusa" }, externalName: "x.example.com" } };
    const empty = { apiVersion: "v1", kind: "Service", metadata: { name: "empty" }, spec: { selector: {} } };
    const none = { apiVersion: "v1", kind: "Service", metadata: { name: "none" }, spec: {} };
    const elsewhere = { ...service("elsewhere", "medusa", 80, 9000), metadata: { name: "elsewhere", namespace: "other" } };
    const objects = [...shop(), external, empty, none, elsewhere].map((o) => (o.kind === "Deployment" ? { ...o, metadata: { ...o.metadata, namespace: "shop" } } : o));
    expect(model(objects).services.medusa.map((s) => s.metadata?.name)).toEqual(["medusa"]);
    expect(model([...shop(), service("api", "medusa", 80, 9000)]).services.medusa.map((s) => s.metadata?.name)).toEqual(["api", "medusa"]);
  });

  test("every Ingress path is listed with the Service and app behind it; a path to another app has neither role", () => {
    const files = ingress([{ host: "files.example.com", paths: [["/", "object-store"]] }], [], "files");
    const paths = model([...shop(), files]).paths.map((p) => `${p.ingress.metadata?.name} ${p.rule}/${p.path} ${String(p.host)} ${p.service?.metadata?.name ?? "-"} ${p.role ?? "-"}`);
    expect(paths).toEqual([
      "ecom-ingress 0/0 shop.example.com storefront storefront",
      "ecom-ingress 1/0 admin.example.com medusa medusa",
      "files 0/0 files.example.com - -",
    ]);
  });

  test("serves answers by host and request path across Ingresses", () => {
    const split = ingress([{ host: "shop.example.com", paths: [["/store", "medusa"]] }], [], "split");
    const m = model([...shop(), split]);
    expect([m.serves("shop.example.com", "/store/regions"), m.serves("shop.example.com", "/"), m.serves("admin.example.com", "/app"), m.serves("nowhere.example.com", "/")])
      .toEqual(["medusa", "storefront", "medusa", undefined]);
  });

  test("a path without path or pathType is / as ImplementationSpecific; a conflict with another app's Service names that Service", () => {
    const objects = shop();
    const ing = objects.find((o) => o.kind === "Ingress")!;
    ing.spec.rules[1].http.paths[0] = { backend: { service: { name: "medusa", port: { number: 9000 } } } };
    const m = model(objects);
    expect(pathOf(m.paths[1]!)).toEqual({ path: "/", pathType: "ImplementationSpecific" });
    const other = ingress([{ host: "admin.example.com", paths: [["/", "grafana"]] }], [], "z-other");
    expect(codes([...objects, other])).toEqual([
      'ingress-path-conflict: routes Prefix / on admin.example.com to Service "grafana", but Ingress ecom-ingress routes the same path to the medusa app; which one answers is up to the controller, so give the path to one of them',
    ]);
    const resource = ingress([{ host: "admin.example.com", paths: [["/", "x"]] }], [], "z-resource");
    resource.spec.rules[0].http.paths[0].backend = { resource: { kind: "Bucket", name: "b" } };
    expect(codes([...objects, resource])[0]).toContain("to a backend that is no Service, but Ingress ecom-ingress");
    const sameApp = ingress([{ host: "admin.example.com", paths: [["/", "medusa"]] }], [], "z-same");
    expect(codes([...objects, sameApp])).toEqual([]);
  });
});
