import { describe, expect, test } from "vitest";
import { isNamed, namesOf, refOf } from "../../src/core/kube.ts";

test("a finding names its object by apiVersion, kind, name and namespace", () => {
  expect(refOf({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "medusa", namespace: "ecom-prod" } }))
    .toEqual({ apiVersion: "apps/v1", kind: "Deployment", name: "medusa", namespace: "ecom-prod" });
});

test("what an object lacks is empty in its reference, and no namespace is named when it has none", () => {
  expect(refOf({ metadata: {} } as never)).toEqual({ apiVersion: "", kind: "", name: "" });
  expect(refOf({ apiVersion: "v1", kind: "Service", metadata: { name: "medusa", namespace: "" } })).toEqual({ apiVersion: "v1", kind: "Service", name: "medusa" });
});

describe("namesOf: the names references may still use in a build handed to a plugin", () => {
  const renamed = (annotations: Record<string, string>) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "shop-medusa-config", annotations } });
  test("the name, then each earlier name of the same kind, once", () => {
    const o = renamed({ "internal.config.kubernetes.io/previousNames": "medusa-config,old,medusa-config", "internal.config.kubernetes.io/previousKinds": "ConfigMap,Secret,ConfigMap" });
    expect(namesOf(o)).toEqual(["shop-medusa-config", "medusa-config"]);
    expect(isNamed(o, "medusa-config")).toBe(true);
    expect(isNamed(o, "old")).toBe(false);
    expect(isNamed(o, undefined)).toBe(false);
  });
  test("without the annotations, only the name", () => {
    expect(namesOf(renamed({}))).toEqual(["shop-medusa-config"]);
    expect(namesOf({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a", annotations: { "internal.config.kubernetes.io/previousNames": "" } } })).toEqual(["a"]);
  });
});
