import { expect, test } from "vitest";
import { refOf } from "../../src/kube.ts";

test("a finding names its object by apiVersion, kind, name and namespace", () => {
  expect(refOf({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "medusa", namespace: "ecom-prod" } }))
    .toEqual({ apiVersion: "apps/v1", kind: "Deployment", name: "medusa", namespace: "ecom-prod" });
});

test("what an object lacks is empty in its reference, and no namespace is named when it has none", () => {
  expect(refOf({ metadata: {} } as never)).toEqual({ apiVersion: "", kind: "", name: "" });
  expect(refOf({ apiVersion: "v1", kind: "Service", metadata: { name: "medusa", namespace: "" } })).toEqual({ apiVersion: "v1", kind: "Service", name: "medusa" });
});
