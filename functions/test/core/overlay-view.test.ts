import { expect, test } from "vitest";
import { fieldOf, fileWhere } from "../../src/core/overlay-view.ts";
import { view } from "../support/hand-built-overlay.ts";

const object = { kind: "Deployment" };
const container = { name: "medusa" };
const files = new Map<object, string>([[object, "base/deployment.yaml"], [container, "overlays/prod/patch.yaml"]]);
const overlay = { ...view([], { files }), fileOf: (node: object, field?: string) => (field === "image" ? "overlays/prod/kustomization.yaml" : files.get(node)) };

test("a finding names the file of its most specific location that has one", () => {
  expect(fileWhere(overlay, object, container, fieldOf(container, "image"))).toEqual({ file: "overlays/prod/kustomization.yaml" });
  expect(fileWhere(overlay, object, container)).toEqual({ file: "overlays/prod/patch.yaml" });
  expect(fileWhere(overlay, object, { name: "unknown" }, undefined)).toEqual({ file: "base/deployment.yaml" });
});

test("a finding whose locations have no file names none", () => {
  expect(fileWhere(overlay, { name: "unknown" }, fieldOf(undefined, "image"))).toEqual({});
  expect(fileWhere(overlay)).toEqual({});
});
