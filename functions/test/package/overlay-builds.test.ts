import { describe, expect, test } from "vitest";
import { isBuildsObject, parseOverlayBuilds } from "../../src/package/overlay-builds.ts";

const builds = (value: unknown) => parseOverlayBuilds({ apiVersion: "fn.ecom.ekenheim.dev/v1alpha1", kind: "OverlayBuilds", builds: value });

const CONFIGMAP = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n";
const SERVICE = "apiVersion: v1\nkind: Service\nmetadata:\n  name: b\n";

describe("OverlayBuilds", () => {
  test("is recognised by its kind alone", () => {
    expect(isBuildsObject({ kind: "OverlayBuilds" })).toBe(true);
    expect(isBuildsObject({ kind: "DeployPolicy" })).toBe(false);
    expect(isBuildsObject([{ kind: "OverlayBuilds" }])).toBe(false);
    expect(isBuildsObject(null)).toBe(false);
  });

  test("each overlay's build text becomes its objects, in order; empty documents are skipped", () => {
    const parsed = builds({
      "overlays/prod": `---\n# emitted by kustomize\n${CONFIGMAP}---\n---\n${SERVICE}`,
      "overlays/staging": "",
    });
    expect(parsed).toEqual({
      builds: new Map([
        ["overlays/prod", [
          { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a" } },
          { apiVersion: "v1", kind: "Service", metadata: { name: "b" } },
        ]],
        ["overlays/staging", []],
      ]),
    });
  });

  test.each([
    ["absent", undefined],
    ["a list", ["overlays/prod"]],
    ["text", "overlays/prod"],
  ])("builds that is %s is an error on builds", (_what, value) => {
    expect(builds(value)).toEqual({ results: [{
      severity: "error", tags: { code: "builds-invalid" }, field: { path: "builds" },
      message: "OverlayBuilds: builds must map each overlay directory to its kustomize build",
    }] });
  });

  test("a build that is not text is an error naming the overlay", () => {
    expect(builds({ "overlays/prod": CONFIGMAP, "overlays/dev": { items: [] } })).toEqual({ results: [{
      severity: "error", tags: { code: "builds-invalid" }, field: { path: "builds.overlays/dev" },
      message: "OverlayBuilds: must be the text of a kustomize build",
    }] });
  });

  test("a build that is not YAML is an error with the parser's first line only", () => {
    expect(builds({ "overlays/prod": `${CONFIGMAP}---\ndata: [1,\n` })).toEqual({ results: [{
      severity: "error", tags: { code: "builds-invalid" }, field: { path: "builds.overlays/prod" },
      message: "OverlayBuilds: not YAML: Flow sequence in block collection must be sufficiently indented and end with a ] at line 7, column 1:",
    }] });
  });

  test.each([
    ["a scalar", "just text\n"],
    ["a list", "- apiVersion: v1\n  kind: ConfigMap\n"],
  ])("a document that is %s is an error naming the overlay", (_what, doc) => {
    expect(builds({ "overlays/prod": `${CONFIGMAP}---\n${doc}` })).toEqual({ results: [{
      severity: "error", tags: { code: "builds-invalid" }, field: { path: "builds.overlays/prod" },
      message: "OverlayBuilds: a document is not an object",
    }] });
  });

  test("a document js-yaml refuses but YAML 1.2 reads is read all the same, in order", () => {
    // A local tag: js-yaml knows none and stops, the `yaml` package reads the value under it.
    expect(builds({ "overlays/prod": `${SERVICE}---\nkind: !custom ConfigMap\n` })).toEqual({
      builds: new Map([["overlays/prod", [{ apiVersion: "v1", kind: "Service", metadata: { name: "b" } }, { kind: "ConfigMap" }]]]),
    });
  });
});
