import { describe, expect, test } from "vitest";
import { PackageIndex, composeOverlay } from "../../src/package-view.ts";
import { newItem } from "../../src/resource-list.ts";
import { validateResources } from "../../src/resource-limits.ts";
import { policy } from "./helpers.ts";

/** Package files as kpt hands them over: one item per document, each annotated with its path. */
function pkg(files: Record<string, string>): PackageIndex {
  return new PackageIndex(Object.entries(files).map(([path, text]) =>
    newItem(text.replace(/^metadata:\n/m, `metadata:\n  annotations:\n    config.kubernetes.io/path: '${path}'\n`)
      .replace(/^(kind: Kustomization)$/m, `$1\nmetadata:\n  annotations:\n    config.kubernetes.io/path: '${path}'`))));
}

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: medusa
spec:
  template:
    metadata:
      labels:
        app: medusa
    spec:
      containers:
        - name: medusa
          image: ghcr.io/ekenheim/ecom/medusa
          resources:
            requests: {cpu: 250m, memory: 512Mi}
            limits: {cpu: "1", memory: 1Gi}
`;

const overlay = (extra: string) => `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ../../base
${extra}`;

const files = (extra: string, more: Record<string, string> = {}) => pkg({
  "base/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - deployment.yaml\n",
  "base/deployment.yaml": DEPLOYMENT,
  "overlays/prod/kustomization.yaml": overlay(extra),
  ...more,
});

describe("composeOverlay", () => {
  test("images set the tag, and the view knows the kustomization set it", () => {
    const { view, results } = composeOverlay(files('images:\n  - name: ghcr.io/ekenheim/ecom/medusa\n    newTag: "b60245b"\n'), "overlays/prod");
    expect(results).toEqual([]);
    const c = view!.objects[0]!.spec.template.spec.containers[0];
    expect(c.image).toBe("ghcr.io/ekenheim/ecom/medusa:b60245b");
    expect(view!.fileOf(c, "image")).toBe("overlays/prod/kustomization.yaml");
  });

  test.each([
    ["1234567", 'newTag 1234567 is read as a number, not a string: quote it ("1234567")'],
    ["0x1f", 'newTag 0x1f is read as a number, not a string: quote it ("0x1f")'],
    ["12e4567", 'newTag 12e4567 is read as a number, not a string: quote it ("12e4567")'],
  ])("an unquoted numeric newTag %s is an error that quotes the tag as written", (tag, message) => {
    const { view, results } = composeOverlay(files(`images:\n  - name: ghcr.io/ekenheim/ecom/medusa\n    newTag: ${tag}\n`), "overlays/prod");
    expect(view).toBeUndefined();
    expect(results).toEqual([{ severity: "error", tags: { code: "image-tag-type" }, message, field: { path: "images[0].newTag" }, file: { path: "overlays/prod/kustomization.yaml" } }]);
  });

  test("namePrefix and nameSuffix are carried, not applied", () => {
    const { view } = composeOverlay(files("namePrefix: shop-\nnameSuffix: -v2\n"), "overlays/prod");
    expect([view!.namePrefix, view!.nameSuffix, view!.objects[0]!.metadata!.name]).toEqual(["shop-", "-v2", "medusa"]);
  });

  // A quantity set by an overlay patch must be reported in that patch, not in the base it patches.
  test("a resource finding names the patch that set the quantity", () => {
    const patch = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: medusa
spec:
  template:
    spec:
      containers:
        - name: medusa
          resources:
            limits:
              memory: 1Gb
`;
    const { view } = composeOverlay(files("patches:\n  - path: resources.yaml\n", { "overlays/prod/resources.yaml": patch }), "overlays/prod");
    const found = validateResources(view!, policy());
    expect(found.map((r) => [r.field?.path, r.file?.path])).toEqual([
      ["spec.template.spec.containers[0].resources.limits.memory", "overlays/prod/resources.yaml"],
    ]);
  });

  // kustomize applies a Component to what the including kustomization has accumulated so far.
  test("a component's patches apply to the including overlay's objects, and its resources join them", () => {
    const component = "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nmetadata:\nresources:\n  - extra.yaml\npatches:\n  - path: replicas.yaml\n";
    const replicas = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: medusa\nspec:\n  replicas: 3\n";
    const extra = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n";
    const { view, results } = composeOverlay(files("components:\n  - scale\n", {
      "overlays/prod/scale/kustomization.yaml": component,
      "overlays/prod/scale/replicas.yaml": replicas,
      "overlays/prod/scale/extra.yaml": extra,
    }), "overlays/prod");
    expect(results).toEqual([]);
    expect(view!.objects.map((o) => `${o.kind}/${o.metadata!.name}`)).toEqual(["Deployment/medusa", "ConfigMap/extra"]);
    expect(view!.objects[0]!.spec.replicas).toBe(3);
    expect(view!.fileOf(view!.objects[0]!.spec, "replicas")).toBe("overlays/prod/scale/replicas.yaml");
  });

  test("the function's own derived component may be missing (a first render creates it); any other may not", () => {
    expect(composeOverlay(files("components:\n  - derived\n"), "overlays/prod").results).toEqual([]);
    expect(composeOverlay(files("components:\n  - scale\n"), "overlays/prod").results.map((r) => r.message))
      .toEqual(["no kustomization.yaml in overlays/prod/scale (or it is excluded by .krmignore)"]);
  });

  test("a targeted patch changes fields, never the target's kind or apiVersion", () => {
    const patch = "patches:\n  - target: {kind: Deployment, name: medusa}\n    patch: |\n      {apiVersion: v1, kind: Any, metadata: {name: any}, spec: {replicas: 2}}\n";
    const { view, results } = composeOverlay(files(patch), "overlays/prod");
    expect(results).toEqual([]);
    expect([view!.objects[0]!.apiVersion, view!.objects[0]!.kind, view!.objects[0]!.spec.replicas]).toEqual(["apps/v1", "Deployment", 2]);
  });
});
