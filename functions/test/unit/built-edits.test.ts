import { describe, expect, test } from "vitest";
import { parse, stringify } from "yaml";
import { applyToBuild } from "../../src/built-edits.ts";
import { builtView } from "../../src/built-view.ts";
import { derive } from "../../src/derive.ts";
import { readResourceList, writeResourceList } from "../../src/resource-list.ts";
import { policy, shop } from "./helpers.ts";

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
});
