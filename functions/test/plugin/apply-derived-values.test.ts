import { describe, expect, test } from "vitest";
import { parse, stringify } from "yaml";
import { applyToBuild } from "../../src/plugin/apply-derived-values.ts";
import { builtView } from "../../src/plugin/view-of-build.ts";
import { derive } from "../../src/core/derive.ts";
import { readResourceList, writeResourceList } from "../../src/core/resource-list.ts";
import { policy, shop } from "../support/hand-built-overlay.ts";

function built(namespace: string, storeCors: string) {
  const objects: any[] = shop().map((o) => ({ ...o, metadata: { ...o.metadata, namespace } }));
  for (const [role, port] of [["medusa", 9000], ["storefront", 8000]] as const) {
    const d = objects.find((o) => o.kind === "Deployment" && o.metadata.name === role);
    d.spec.template.spec.containers[0].envFrom = [{ configMapRef: { name: `${role}-config` } }];
    d.spec.template.spec.containers[0].ports = [{ name: "http", containerPort: port }];
  }
  for (const o of objects.filter((x) => x.spec?.template?.spec)) o.spec.template.spec.imagePullSecrets = [{ name: "ghcr-credentials" }];
  objects.push(
    { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "medusa-config", namespace }, data: {
      STORE_CORS: storeCors, ADMIN_CORS: "https://admin.example.com,https://shop.example.com", AUTH_CORS: "https://admin.example.com,https://shop.example.com",
      BACKEND_URL: "https://admin.example.com", STOREFRONT_URL: "https://shop.example.com", DB_NAME: "medusa" } },
    { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "storefront-config", namespace }, data: {
      NEXT_PUBLIC_BASE_URL: "https://shop.example.com", MEDUSA_BACKEND_URL: "http://medusa:9000" } },
  );
  const items = readResourceList(`apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n${objects.map(asSeqItem).join("\n")}\n`).items;
  return items;
}

// Block style, as kustomize writes items.
const asSeqItem = (o: unknown) => stringify(o).trimEnd().split("\n").map((l, i) => (i ? `  ${l}` : `- ${l}`)).join("\n");

describe("applyToBuild", () => {
  test("a rendered build needs nothing", () => {
    const items = built("ecom-prod", "https://shop.example.com");
    const d = derive(builtView(items), policy());
    expect(d.results).toEqual([]);
    // Only the Job's name differs: the build here was not renamed.
    expect(applyToBuild(items, d).map((r) => r.field?.path)).toEqual(["metadata.name"]);
  });

  test("a stale value is corrected, with a warning on the namespaced object it changed", () => {
    const items = built("ecom-prod", "https://old.example.com");
    const results = applyToBuild(items, derive(builtView(items), policy()));
    const cors = results.find((r) => r.field?.path === "data.STORE_CORS");
    expect(cors).toEqual({
      severity: "warning",
      tags: { code: "build-stale" },
      message: expect.stringContaining('was "https://old.example.com", derived "https://shop.example.com"'),
      resourceRef: { apiVersion: "v1", kind: "ConfigMap", name: "medusa-config", namespace: "ecom-prod" },
      field: { path: "data.STORE_CORS" },
    });
    const out = parse(writeResourceList(items, []));
    expect(out.items.find((o: any) => o.metadata.name === "medusa-config").data).toMatchObject({ STORE_CORS: "https://shop.example.com", DB_NAME: "medusa" });
  });

  const NO_CONFIGMAP = (role: string, keys: string) => ({
    severity: "error", tags: { code: "build-no-configmap" },
    message: `no ConfigMap that the ${role} Deployment loads with envFrom carries ${keys}, so the derived values reach nothing that is deployed: ` +
      "list the overlay's derived/ files in its patches and run `npm run render` and commit, so plain kustomize and Flux build the same",
  });
  const STOREFRONT_KEYS = "NEXT_PUBLIC_BASE_URL, MEDUSA_BACKEND_URL";
  const pod = (items: ReturnType<typeof built>, role: string) =>
    items.find((i) => i.kind === "Deployment" && i.name === role)!.object().spec.template.spec;
  const apply = (items: ReturnType<typeof built>) => applyToBuild(items, derive(builtView(items), policy()));

  test("a Deployment that loads its ConfigMap only through env, not envFrom, gets no derived values: an error", () => {
    const items = built("ecom-prod", "https://shop.example.com");
    const c = pod(items, "storefront").containers[0];
    delete c.envFrom;
    c.env = [{ name: "MEDUSA_BACKEND_URL", valueFrom: { configMapKeyRef: { name: "storefront-config", key: "MEDUSA_BACKEND_URL" } } }];
    expect(apply(items).filter((r) => r.severity === "error")).toEqual([NO_CONFIGMAP("storefront", STOREFRONT_KEYS)]);
  });

  test("a Secret of the ConfigMap's name loaded with envFrom does not count", () => {
    const items = built("ecom-prod", "https://shop.example.com");
    pod(items, "medusa").containers[0].envFrom = [{ secretRef: { name: "medusa-config" } }];
    expect(apply(items).filter((r) => r.severity === "error"))
      .toEqual([NO_CONFIGMAP("medusa", "STORE_CORS, ADMIN_CORS, AUTH_CORS, BACKEND_URL, STOREFRONT_URL")]);
  });

  test("of the ConfigMaps a Deployment loads, the one with its derived keys gets the values", () => {
    const items = built("ecom-prod", "https://shop.example.com");
    pod(items, "storefront").containers[0].envFrom = [{ configMapRef: { name: "medusa-config" } }, { configMapRef: { name: "storefront-config" } }];
    pod(items, "medusa").containers[0].envFrom = [{ configMapRef: { name: "storefront-config" } }, { configMapRef: { name: "medusa-config" } }];
    const results = apply(items);
    expect(results.filter((r) => r.severity === "error")).toEqual([]);
    expect(results.filter((r) => r.resourceRef?.kind === "ConfigMap")).toEqual([]);
  });

  test("a ConfigMap without the derived keys is not the one, even when loaded", () => {
    const items = built("ecom-prod", "https://shop.example.com");
    const storefrontConfig = items.find((i) => i.name === "storefront-config")!.object();
    delete storefrontConfig.data.MEDUSA_BACKEND_URL;
    expect(apply(items).filter((r) => r.severity === "error")).toEqual([NO_CONFIGMAP("storefront", STOREFRONT_KEYS)]);
  });

  test("a derived key the ConfigMap lacks is added, and the warning says it was empty", () => {
    const items = built("ecom-prod", "https://shop.example.com");
    delete items.find((i) => i.name === "medusa-config")!.object().data.AUTH_CORS;
    const results = apply(items);
    expect(results.find((r) => r.field?.path === "data.AUTH_CORS")).toMatchObject({
      severity: "warning", message: expect.stringMatching(/^was "", derived "https:\/\/admin\.example\.com,https:\/\/shop\.example\.com": /),
    });
    const out = parse(writeResourceList(items, []));
    expect(out.items.find((o: any) => o.metadata.name === "medusa-config").data.AUTH_CORS).toBe("https://admin.example.com,https://shop.example.com");
  });
});
