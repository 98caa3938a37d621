import { describe, expect, test } from "vitest";
import { applyJsonPatch, operationsProblem } from "../../src/json-patch.ts";
import { refusalsOf } from "../../src/kustomization-model.ts";

const refused = (k: unknown, isRoot = true) => refusalsOf(k, "overlays/x/kustomization.yaml", isRoot).map((r) => r.field?.path);

describe("refusalsOf: an allow-list of what the composition models", () => {
  test("the repository's own kustomization fields pass", () => {
    expect(refused({
      apiVersion: "v1", kind: "Kustomization", namespace: "ns", resources: ["../../base"], components: ["../c"],
      images: [{ name: "a", newTag: "b" }], replicas: [{ name: "s", count: 2 }], secretGenerator: [{ name: "s" }],
      labels: [{ pairs: { "app.kubernetes.io/part-of": "ecom" }, includeSelectors: false }],
      patches: [{ path: "p.yaml", target: { kind: "Job", name: "j" }, options: { allowNameChange: true } }, { patch: "[]", target: { kind: "Deployment|Job" } }],
    })).toEqual([]);
  });

  test.each([
    ["replacements", { replacements: [] }],
    ["configMapGenerator", { configMapGenerator: [] }],
    ["helmCharts", { helmCharts: [] }],
    ["transformers", { transformers: ["x"] }],
    ["patchesJson6902", { patchesJson6902: [] }],
    ["vars", { vars: [] }],
    ["patches[0].target.labelSelector", { patches: [{ path: "p.yaml", target: { labelSelector: "app=x" } }] }],
    ["patches[0].target.annotationSelector", { patches: [{ path: "p.yaml", target: { annotationSelector: "a=b" } }] }],
    ["patches[0].target.namespace", { patches: [{ path: "p.yaml", target: { namespace: "x" } }] }],
    ["patches[0].options.allowKindChange", { patches: [{ path: "p.yaml", options: { allowKindChange: true } }] }],
    ["resources[0]", { resources: ["https://github.com/x/y//base"] }],
    ["labels[0].pairs.app", { labels: [{ pairs: { app: "x" } }] }],
    ["labels[0].fields", { labels: [{ pairs: { a: "x" }, fields: [] }] }],
    ["commonLabels.app", { commonLabels: { app: "x" } }],
    ["images[0].digestFrom", { images: [{ name: "a", digestFrom: "x" }] }],
  ])("%s is refused, naming the field", (field, k) => {
    expect(refused(k)).toEqual([field]);
  });

  test("prefixes, suffixes and namespaces are refused below the overlay itself", () => {
    for (const key of ["namePrefix", "nameSuffix", "namespace"]) {
      expect(refused({ [key]: "x" }, true)).toEqual([]);
      expect(refused({ [key]: "x" }, false)).toEqual([key]);
    }
  });

  test("a refusal says what is not modelled and what to run instead", () => {
    const [r] = refusalsOf({ replacements: [] }, "overlays/x/kustomization.yaml", true);
    expect(r).toMatchObject({ severity: "error", file: { path: "overlays/x/kustomization.yaml" } });
    expect(r!.message).toMatch(/`replacements` is not modelled .*npm run render/);
  });

  test("wrong shapes are refused, never thrown", () => {
    for (const k of [null, "x", [], { resources: "base" }, { patches: [7] }, { images: [null] }]) expect(() => refused(k)).not.toThrow();
    expect(refused("x")).toEqual(["(root)"]);
  });
});

describe("applyJsonPatch: RFC 6902 as kustomize applies it", () => {
  const doc = () => ({ spec: { list: [{ name: "a" }, { name: "b" }], value: 1 } });

  test("add, remove, replace, move, copy and test, in order", () => {
    const out = applyJsonPatch(doc(), [
      { op: "test", path: "/spec/list/0/name", value: "a" },
      { op: "replace", path: "/spec/list/0/name", value: "z" },
      { op: "add", path: "/spec/list/-", value: { name: "c" } },
      { op: "add", path: "/spec/list/0", value: { name: "first" } },
      { op: "remove", path: "/spec/value" },
      { op: "copy", from: "/spec/list/1", path: "/spec/copied" },
      { op: "move", from: "/spec/copied", path: "/spec/moved" },
      { op: "add", path: "/spec/a~1b~0c", value: true },
    ]);
    expect(out).toEqual({ doc: { spec: { list: [{ name: "first" }, { name: "z" }, { name: "b" }, { name: "c" }], moved: { name: "z" }, "a/b~c": true } } });
  });

  test.each([
    [{ op: "test", path: "/spec/value", value: 2 }, /not 2/],
    [{ op: "replace", path: "/spec/missing", value: 1 }, /does not exist/],
    [{ op: "remove", path: "/spec/list/5" }, /does not exist/],
    [{ op: "add", path: "/spec/list/9", value: 1 }, /not an index/],
    [{ op: "add", path: "/nope/deeper", value: 1 }, /does not exist/],
    [{ op: "replace", path: "/spec/list/-1", value: 1 }, /does not exist/],
    [{ op: "add", path: "spec", value: 1 }, /not a JSON pointer/],
  ])("%j fails the patch, as it fails kustomize build", (op, problem) => {
    const out = applyJsonPatch(doc(), [op]);
    expect("problem" in out && out.problem).toMatch(problem);
  });

  test("malformed operations are named", () => {
    expect(operationsProblem({})).toMatch(/not a list/);
    expect(operationsProblem([{ op: "frobnicate", path: "/a" }])).toMatch(/unknown op/);
    expect(operationsProblem([{ op: "add", path: "/a" }])).toMatch(/no value/);
    expect(operationsProblem([{ op: "move", path: "/a" }])).toMatch(/no from/);
    expect(operationsProblem([{ op: "add", path: "/a", value: null }])).toBeUndefined();
  });
});
