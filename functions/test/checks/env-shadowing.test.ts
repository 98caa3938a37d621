import { describe, expect, test } from "vitest";
import { checkEnvShadowing } from "../../src/checks/env-shadowing.ts";
import type { KubeObject } from "../../src/core/kube.ts";
import { shopModel } from "../../src/core/shop-model.ts";
import { shop, view } from "../support/hand-built-overlay.ts";

function objects(): KubeObject[] {
  const out: any[] = shop();
  for (const role of ["medusa", "storefront"]) {
    out.find((o) => o.kind === "Deployment" && o.metadata.name === role).spec.template.spec.containers[0].envFrom = [{ configMapRef: { name: `${role}-config` } }];
  }
  out.push(
    { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "medusa-config" }, data: { STORE_CORS: "x", DB_NAME: "medusa" } },
    { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "storefront-config" }, data: { NEXT_PUBLIC_BASE_URL: "x" } },
    { apiVersion: "v1", kind: "Secret", metadata: { name: "medusa-secret" }, data: { STORE_CORS: "eA==", JWT_SECRET: "eA==" } },
  );
  return out;
}
const container = (o: KubeObject[], name: string): any => o.find((x) => x.metadata?.name === name && x.kind === "Deployment")!.spec.template.spec.containers[0];
const lines = (o: KubeObject[]) => checkEnvShadowing(shopModel(view(o))).map((r) => `${r.tags.code} ${r.resourceRef?.name} ${r.field?.path}: ${r.message}`);

describe("checkEnvShadowing: the derived value is the one the container receives", () => {
  test("nothing after the derived ConfigMap sets its keys: nothing to say", () => {
    expect(lines(objects())).toEqual([]);
  });

  test("a Secret after the derived ConfigMap that sets a derived key is named with the key", () => {
    const o = objects();
    container(o, "medusa").envFrom.push({ secretRef: { name: "medusa-secret" } });
    expect(lines(o)).toEqual([
      "env-shadowed medusa spec.template.spec.containers[0].envFrom[1]: container medusa: Secret medusa-secret (envFrom[1]) sets STORE_CORS, which ConfigMap medusa-config derives from the Ingress; " +
        "the container would receive that value instead. Remove STORE_CORS from it, or list it before the derived ConfigMap",
    ]);
    container(o, "medusa").envFrom.reverse();
    expect(lines(o)).toEqual([]);
  });

  test("an env entry that sets a derived key is named, in every container that loads the ConfigMap", () => {
    const o = objects();
    container(o, "storefront").env = [{ name: "NEXT_PUBLIC_BASE_URL", value: "https://elsewhere.example.net" }];
    expect(lines(o)).toEqual([
      "env-shadowed storefront spec.template.spec.containers[0].env[0]: container storefront: env NEXT_PUBLIC_BASE_URL (env[0]) sets NEXT_PUBLIC_BASE_URL, which ConfigMap storefront-config derives from the Ingress; " +
        "the container would receive that value instead. Remove NEXT_PUBLIC_BASE_URL from it",
    ]);
  });

  test("a later source whose keys only its store knows is refused; an earlier one, or one loaded with a prefix, is fine", () => {
    const store = { apiVersion: "external-secrets.io/v1", kind: "ExternalSecret", metadata: { name: "store" }, spec: { dataFrom: [{ extract: { key: "k" } }] } } as KubeObject;
    const o = [...objects(), store];
    container(o, "medusa").envFrom.push({ secretRef: { name: "store" } });
    expect(lines(o)).toEqual([
      "env-shadowed medusa spec.template.spec.containers[0].envFrom[1]: container medusa: Secret store (envFrom[1]) comes after the derived ConfigMap and may override a derived value: " +
        "ExternalSecret store takes whatever keys its store holds (dataFrom without a template); list it before the derived ConfigMap, or give it a template that lists its keys",
    ]);
    container(o, "medusa").envFrom.reverse();
    expect(lines(o)).toEqual([]);
    const prefixed = objects();
    container(prefixed, "medusa").envFrom = [{ prefix: "OLD_", configMapRef: { name: "medusa-config" } }, { secretRef: { name: "medusa-secret" } }];
    expect(lines(prefixed)).toEqual([]);
    const before = [...objects(), store];
    container(before, "medusa").envFrom = [{ prefix: "OLD_", configMapRef: { name: "medusa-config" } }, { secretRef: { name: "store" } }, { configMapRef: { name: "medusa-config" } }];
    expect(lines(before)).toEqual([]);
  });

  test("a ConfigMap without derived keys is not a derived one, and a key the derived ConfigMap lacks is not checked", () => {
    const o = objects();
    (o.find((x) => x.metadata?.name === "storefront-config") as any).data = { OTHER: "1" };
    container(o, "storefront").env = [{ name: "NEXT_PUBLIC_BASE_URL", value: "x" }];
    expect(lines(o)).toEqual([]);
    const m = objects();
    container(m, "medusa").env = [{ name: "ADMIN_CORS", value: "x" }];
    expect(lines(m)).toEqual([]);
  });

  test("a finding names the file that set the container's env or envFrom when the view knows it", () => {
    const o = objects();
    const c = container(o, "medusa");
    c.envFrom.push({ secretRef: { name: "medusa-secret" } });
    const v = view(o);
    v.fileOf = (node, field) => (node === c && field === "envFrom" ? "overlays/prod/secret-after.yaml" : node === c && field === "env" ? "overlays/prod/env.yaml" : undefined);
    expect(checkEnvShadowing(shopModel(v)).map((r) => r.file?.path)).toEqual(["overlays/prod/secret-after.yaml"]);
    c.envFrom.pop();
    c.env = [{ name: "BACKEND_URL", value: "x" }];
    (o.find((x) => x.metadata?.name === "medusa-config") as any).data.BACKEND_URL = "y";
    expect(checkEnvShadowing(shopModel(v)).map((r) => r.file?.path)).toEqual(["overlays/prod/env.yaml"]);
  });

  test("only a ConfigMap of the server's that carries derived keys is derived; a Secret of that name, or a ConfigMap named so without the key, is not", () => {
    const o = objects();
    o.push({ apiVersion: "v1", kind: "Secret", metadata: { name: "plain" }, data: { STORE_CORS: "eA==" } } as KubeObject);
    container(o, "medusa").envFrom.push({ configMapRef: { name: "plain" } });
    expect(lines(o)).toEqual([]);
  });
});

