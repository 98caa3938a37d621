import { describe, expect, test } from "vitest";
import { refusalsOf } from "../../src/package/kustomization-model.ts";

const FILE = "overlays/x/kustomization.yaml";
const INSTEAD =
  "is not modelled by the function's own composition of overlays; run `npm run render`, which derives this overlay from the real `kustomize build` (`kpt fn render` cannot run kustomize)";

const refused = (k: unknown, isRoot = true) => refusalsOf(k, FILE, isRoot).map((r) => r.field?.path);
/** Each refusal as the field it names and what it says is not modelled. */
const said = (k: unknown, isRoot = true) =>
  refusalsOf(k, FILE, isRoot).map((r) => {
    expect(r).toMatchObject({ severity: "error", tags: { code: "not-modelled" }, file: { path: FILE } });
    expect(r.message.endsWith(` ${INSTEAD}`), r.message).toBe(true);
    return [r.field?.path, r.message.slice(0, -INSTEAD.length - 1)];
  });

describe("refusalsOf: an allow-list of what the composition models", () => {
  test("the repository's own kustomization fields pass", () => {
    expect(refused({
      apiVersion: "v1", kind: "Kustomization", namespace: "ns", resources: ["../../base"], components: ["../c"],
      images: [{ name: "a", newTag: "b" }], replicas: [{ name: "s", count: 2 }], secretGenerator: [{ name: "s" }],
      labels: [{ pairs: { "app.kubernetes.io/part-of": "ecom" }, includeSelectors: false }],
      patches: [{ path: "p.yaml", target: { kind: "Job", name: "j" }, options: { allowNameChange: true } }, { patch: "[]", target: { kind: "Deployment|Job" } }],
    })).toEqual([]);
  });

  test("every modelled field passes, with each entry field it models", () => {
    expect(refused({
      apiVersion: "kustomize.config.k8s.io/v1alpha1", kind: "Component", metadata: { name: "c" },
      resources: ["a.yaml", "../base", "my.dir/http/x.yaml"], components: ["c"], patchesStrategicMerge: ["p.yaml"],
      patches: [
        { path: "p.yaml", target: { group: "apps", version: "v1", kind: "Deployment", name: "medusa" }, options: { allowNameChange: false } },
        { patch: "{}" },
      ],
      images: [{ name: "a", newName: "b", newTag: "c", digest: "sha256:d" }],
      labels: [{ pairs: { tier: "web" }, includeSelectors: true, includeTemplates: true }],
      commonLabels: { tier: "web" }, commonAnnotations: { a: "b" }, replicas: [], secretGenerator: [], generatorOptions: {},
      namePrefix: "p-", nameSuffix: "-s", namespace: "n",
    })).toEqual([]);
  });

  test("fields that are absent or null are no lists to refuse", () => {
    const absent = { resources: null, components: null, patches: null, patchesStrategicMerge: null, images: null, labels: null, commonLabels: null };
    expect(refused(absent)).toEqual([]);
  });

  test.each([
    [{ replacements: [] }, [["replacements", "`replacements`"]]],
    [{ configMapGenerator: [] }, [["configMapGenerator", "`configMapGenerator`"]]],
    [{ helmCharts: [] }, [["helmCharts", "`helmCharts`"]]],
    [{ transformers: ["x"] }, [["transformers", "`transformers`"]]],
    [{ patchesJson6902: [] }, [["patchesJson6902", "`patchesJson6902`"]]],
    [{ vars: [] }, [["vars", "`vars`"]]],
  ])("an unmodelled field %j is refused, naming it", (k, want) => {
    expect(said(k)).toEqual(want);
  });

  test.each([null, "x", [], [{}], 7])("a kustomization that is not a mapping (%j) is one refusal", (k) => {
    expect(said(k)).toEqual([["(root)", "a kustomization that is not a mapping"]]);
  });

  test("a name prefix, suffix or namespace is refused below the overlay itself, saying why", () => {
    for (const key of ["namePrefix", "nameSuffix", "namespace"]) {
      expect(refused({ [key]: "x" }, true)).toEqual([]);
      expect(said({ [key]: "x" }, false)).toEqual([[key, `\`${key}\` in a nested kustomization or component (it covers only part of the build)`]]);
    }
    expect(refused({ resources: [], images: [] }, false)).toEqual([]);
  });

  test.each(["resources", "components", "patches", "patchesStrategicMerge", "images", "labels"])("%s that is not a list is refused", (key) => {
    expect(said({ [key]: "x" })).toEqual([[key, `\`${key}\` that is not a list`]]);
    expect(said({ [key]: { a: 1 } })).toEqual([[key, `\`${key}\` that is not a list`]]);
  });

  test("resources: only paths in this package", () => {
    expect(said({ resources: ["base", 7, { path: "x" }] })).toEqual([
      ["resources[1]", "a resource entry that is not a path"],
      ["resources[2]", "a resource entry that is not a path"],
    ]);
  });

  test.each([
    "https://github.com/x/y//base", "HTTPS://example.com/base", "git+ssh://host/repo", "s3://bucket/x", "a1.b-c://x",
    "git@github.com:x/y.git", "GIT@github.com:x/y", "github.com/x/y//base?ref=v1", "GitHub.com/x/y",
  ])("the remote resource %s is refused", (entry) => {
    expect(said({ resources: ["base", entry] })).toEqual([["resources[1]", `the remote resource "${entry}"`]]);
  });

  test.each(["../base", "dir/https://x", "1http://x", "-x://y", "a_b://y", "agit@x", "x/github.com/y", "github.com", "githubxcom/y", "http:/x"])("%s is a path", (entry) => {
    expect(refused({ resources: [entry] })).toEqual([]);
  });

  test("components: only paths", () => {
    expect(said({ components: ["c", 7] })).toEqual([["components[1]", "a component entry that is not a path"]]);
  });

  test("patchesStrategicMerge: only file names, never inline patches", () => {
    expect(said({ patchesStrategicMerge: ["p.yaml", "kind: Deployment\nmetadata: {name: x}\n", { kind: "Deployment" }] })).toEqual([
      ["patchesStrategicMerge[1]", "an inline patchesStrategicMerge entry"],
      ["patchesStrategicMerge[2]", "an inline patchesStrategicMerge entry"],
    ]);
  });

  test("patches: a mapping with exactly one of path and patch, a target by group, version, kind and name, allowNameChange", () => {
    expect(said({
      patches: [
        { path: "ok.yaml" },
        7,
        { path: "p.yaml", patch: "{}" },
        {},
        { path: "p.yaml", extra: true },
        { path: "p.yaml", target: { labelSelector: "app=x", kind: 7, name: "n" } },
        { path: "p.yaml", options: { allowNameChange: "yes", allowKindChange: true } },
        null,
      ],
    })).toEqual([
      ["patches[1]", "a patch entry that is not a mapping"],
      ["patches[2]", "a patch without exactly one of `path` and `patch`"],
      ["patches[3]", "a patch without exactly one of `path` and `patch`"],
      ["patches[4].extra", "the patch field `extra`"],
      ["patches[5].target.labelSelector", "selecting patch targets by `labelSelector`"],
      ["patches[5].target.kind", "a target selector that is not a string"],
      ["patches[6].options.allowNameChange", "the patch option `allowNameChange`"],
      ["patches[6].options.allowKindChange", "the patch option `allowKindChange`"],
      ["patches[7]", "a patch entry that is not a mapping"],
    ]);
  });

  test.each(["annotationSelector", "namespace"])("patch targets by %s are refused", (key) => {
    expect(refused({ patches: [{ path: "p.yaml", target: { [key]: "x" } }] })).toEqual([`patches[0].target.${key}`]);
  });

  test("images: a name, and only the fields the composition applies", () => {
    expect(said({ images: [{ name: "a" }, { name: "b", digestFrom: "x" }, { newTag: "t" }, null, { name: 7 }] })).toEqual([
      ["images[1].digestFrom", "the image field `digestFrom`"],
      ["images[2].name", "an image entry without a name"],
      ["images[3].name", "an image entry without a name"],
      ["images[4].name", "an image entry without a name"],
    ]);
  });

  test("labels: pairs and where they go, never the label that tells roles apart", () => {
    expect(said({ labels: [{ pairs: { tier: "web" } }, { pairs: { a: "x" }, fields: [] }, { pairs: { app: "x" } }, null, {}] })).toEqual([
      ["labels[1].fields", "the `labels` field `fields`"],
      ["labels[2].pairs.app", "a `labels` transformer that sets `app`"],
    ]);
  });

  test("commonLabels may not set the label that tells roles apart", () => {
    expect(said({ commonLabels: { app: "x", tier: "web" } })).toEqual([["commonLabels.app", "`commonLabels` that set `app`"]]);
    expect(said({ commonLabels: { "app.kubernetes.io/name": "x" } })).toEqual([]);
  });

  test("every refusal of one kustomization is reported, not just the first", () => {
    expect(refused({ vars: [], resources: ["https://x/y"], images: [{}] }, false)).toEqual(["vars", "resources[0]", "images[0].name"]);
  });
});
