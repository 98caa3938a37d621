/**
 * No Secret, ConfigMap or env entry overrides a value the KRM function derives (env-sources.ts):
 * in every overlay's build, nothing after a derived ConfigMap in a container's envFrom, and no
 * env entry, sets one of its keys. Provisioned Secrets count with the keys the bootstrap command
 * writes (scripts/lib/secret-keys.ts); any other source whose keys the build cannot show fails.
 */
import { describe, expect, it } from "vitest";
import { SECRET_KEYS, type SecretName } from "../../scripts/lib/secret-keys.ts";
import { built, overlayDirs } from "../support/builds.ts";
import { find, podSpec } from "../support/k8s.ts";
import type { BuiltObject } from "../../scripts/lib/built-object.ts";
import { derivedKeys, externalSecretKeys, shadowingFindings, sourceKeys } from "./env-sources.ts";

const provisioned = (name: string): readonly string[] | undefined =>
  name in SECRET_KEYS ? SECRET_KEYS[name as SecretName].map((k) => k.key) : undefined;

describe("no source overrides a derived value", () => {
  it.each(overlayDirs())("%s: nothing after a derived ConfigMap in envFrom, and no env entry, sets one of its keys", (overlay) => {
    const derived = derivedKeys(overlay);
    expect(derived.size, `${overlay}/derived holds ConfigMaps`).toBeGreaterThan(0);
    expect(shadowingFindings(built(overlay).objects, derived, provisioned)).toEqual([]);
  });
});

describe("the check itself, on overlays/home-ops", () => {
  const HOME_OPS = "overlays/home-ops";
  const fresh = (): BuiltObject[] => structuredClone(built(HOME_OPS).objects);
  const findings = (objects: BuiltObject[]) => shadowingFindings(objects, derivedKeys(HOME_OPS), provisioned);
  const medusaSecret = (objects: BuiltObject[]) => find(objects, "ExternalSecret", "medusa-secret").spec as any;

  it("names the Secret and the key when an ExternalSecret's template carries a derived key (the owner's medusa-secret)", () => {
    const objects = fresh();
    medusaSecret(objects).target.template.data.STORE_CORS = "https://storefront.example.net";
    const found = findings(objects);
    expect(found.length, "server, worker and migration Job each read medusa-secret").toBe(3);
    expect(found[0]).toMatch(/Deployment ecom\/medusa container medusa: Secret medusa-secret \(envFrom\[1\]\) sets STORE_CORS, which ConfigMap medusa-config derives/);
  });

  it("names the env entry that overrides a derived key", () => {
    const objects = fresh();
    const storefront = podSpec(find(objects, "Deployment", "storefront")).containers[0]!;
    storefront.env = [...(storefront.env ?? []), { name: "NEXT_PUBLIC_BASE_URL", value: "https://elsewhere.example.net" }];
    expect(findings(objects)).toEqual([
      expect.stringMatching(/Deployment ecom\/storefront container storefront: env NEXT_PUBLIC_BASE_URL overrides the value ConfigMap storefront-config derives/),
    ]);
  });

  it("refuses a later source whose keys the store decides (dataFrom without a replacing template)", () => {
    const objects = fresh();
    medusaSecret(objects).target.template = undefined;
    expect(findings(objects)[0]).toMatch(/Secret medusa-secret \(envFrom\[1\]\) comes after ConfigMap medusa-config and may override a derived value: .*takes whatever keys its store holds/);
  });

  it("lets a source before the derived ConfigMap set the key: the derived value wins there", () => {
    const objects = fresh();
    const medusa = podSpec(find(objects, "Deployment", "medusa")).containers[0]!;
    medusa.envFrom = [{ secretRef: { name: "medusa-secret" } }, ...(medusa.envFrom ?? []).filter((e) => e.secretRef?.name !== "medusa-secret")];
    medusaSecret(objects).target.template.data.STORE_CORS = "https://storefront.example.net";
    expect(findings(objects).filter((f) => f.includes("Deployment ecom/medusa container"))).toEqual([]);
  });

  it("reads a Secret's keys with an envFrom prefix applied", () => {
    const objects = fresh();
    const medusa = podSpec(find(objects, "Deployment", "medusa")).containers[0]! as any;
    medusa.envFrom.push({ prefix: "STORE_", secretRef: { name: "medusa-s3-secret" } });
    medusaSecret(objects).target.template.data.CORS = "x";
    expect(findings(objects).some((f) => f.includes("sets STORE_CORS"))).toBe(false);
    const withPrefix = fresh();
    (podSpec(find(withPrefix, "Deployment", "medusa")).containers[0]! as any).envFrom.push({ prefix: "STORE_", secretRef: { name: "medusa-secret" } });
    medusaSecret(withPrefix).target.template.data.CORS = "x";
    expect(findings(withPrefix)).toEqual([expect.stringMatching(/Secret medusa-secret \(envFrom\[4\]\) sets STORE_CORS, which ConfigMap medusa-config derives/)]);
  });
});

describe("keys of an ExternalSecret's target", () => {
  const es = (spec: Record<string, unknown>): BuiltObject => ({ apiVersion: "external-secrets.io/v1", kind: "ExternalSecret", metadata: { name: "s", namespace: "n" }, spec });
  const keys = (spec: Record<string, unknown>) => {
    const k = externalSecretKeys(es(spec));
    return "keys" in k ? [...k.keys].sort() : k.unknown;
  };

  it("a template replaces what the store holds (the default merge policy)", () => {
    expect(keys({ target: { template: { data: { A: "{{ .x }}" } } }, dataFrom: [{ extract: { key: "e" } }], data: [{ secretKey: "B" }] })).toEqual(["A"]);
  });

  it("without a template, or merging, the data entries count and dataFrom is unknowable", () => {
    expect(keys({ data: [{ secretKey: "B" }, { secretKey: "C" }] })).toEqual(["B", "C"]);
    expect(keys({ target: { template: { mergePolicy: "Merge", data: { A: "a" } } }, data: [{ secretKey: "B" }] })).toEqual(["A", "B"]);
    expect(keys({ dataFrom: [{ extract: { key: "e" } }] })).toMatch(/takes whatever keys its store holds \(dataFrom without a template\)/);
    expect(keys({ target: { template: { mergePolicy: "Merge" } }, dataFrom: [{ extract: { key: "e" } }] })).toMatch(/with mergePolicy Merge/);
    expect(keys({ target: { template: { templateFrom: [{ configMap: { name: "t" } }] } } })).toMatch(/templateFrom/);
  });

  it("a Secret outside the build counts with the keys its provisioning writes, or not at all", () => {
    expect(sourceKeys([], "Secret", "medusa-secret", provisioned)).toEqual({ keys: new Set(provisioned("medusa-secret")) });
    expect(sourceKeys([], "Secret", "other", provisioned)).toEqual({ unknown: "Secret other is not in the build and its keys are not known" });
    expect(sourceKeys([], "ConfigMap", "medusa-secret", provisioned)).toEqual({ unknown: "ConfigMap medusa-secret is not in the build and its keys are not known" });
  });
});
