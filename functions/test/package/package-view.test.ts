import { describe, expect, test } from "vitest";
import { PackageIndex, composeOverlay } from "../../src/package/package-view.ts";
import { newItem } from "../../src/core/resource-list.ts";
import { checkResources } from "../../src/checks/resources.ts";
import { policy } from "../support/hand-built-overlay.ts";
import { itemsOf, packageOf, withoutPaths } from "../support/package-index.ts";

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

const KUSTOMIZATION = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n";
const overlay = (extra: string) => `${KUSTOMIZATION}resources:\n  - ../../base\n${extra}`;
const OVERLAY_FILE = "overlays/prod/kustomization.yaml";
const RENDER = "run `npm run render`, which derives this overlay from the real `kustomize build` (`kpt fn render` cannot run kustomize)";

const FILES = {
  "base/kustomization.yaml": `${KUSTOMIZATION}resources:\n  - deployment.yaml\n`,
  "base/deployment.yaml": DEPLOYMENT,
};
const files = (extra: string, more: Record<string, string> = {}) => packageOf({ ...FILES, [OVERLAY_FILE]: overlay(extra), ...more });
const compose = (extra: string, more: Record<string, string> = {}) => composeOverlay(files(extra, more), "overlays/prod");
const deploymentPatch = (spec: string, name = "medusa", apiVersion = "apps/v1") =>
  `apiVersion: ${apiVersion}\nkind: Deployment\nmetadata:\n  name: ${name}\nspec:\n${spec}`;
const CONTAINER_PATCH = (fields: string) => deploymentPatch(`  template:\n    spec:\n      containers:\n        - name: medusa\n${fields}`);
const messages = (out: ReturnType<typeof composeOverlay>) => [...out.results, ...out.refusals].map((r) => [r.tags.code, r.file?.path, r.field?.path, r.message]);

describe("PackageIndex", () => {
  test("finds a kustomization by any of the names kustomize reads", () => {
    for (const name of ["kustomization.yaml", "kustomization.yml", "Kustomization"]) {
      const index = packageOf({ ...FILES, [`overlays/prod/${name}`]: overlay("") });
      expect(index.kustomization("overlays/prod")?.path).toBe(`overlays/prod/${name}`);
      expect(composeOverlay(index, "overlays/prod").view!.objects.map((o) => o.metadata!.name)).toEqual(["medusa"]);
    }
    expect(packageOf(FILES).kustomization("overlays/prod")).toBeUndefined();
  });

  test("holds every document of a file, and only items with a path", () => {
    const index = new PackageIndex([...itemsOf({ "a.yaml": "kind: A\nmetadata:\n  name: one\n---\nkind: A\nmetadata:\n  name: two\n" }), newItem("kind: B\nmetadata:\n  name: nowhere\n")]);
    expect([...index.byPath].map(([path, items]) => [path, items.map((i) => i.name)])).toEqual([["a.yaml", ["one", "two"]]]);
  });
});

describe("composeOverlay", () => {
  test("images set the tag, and the view knows the kustomization set it", () => {
    const { view, results } = compose('images:\n  - name: ghcr.io/ekenheim/ecom/medusa\n    newTag: "b60245b"\n');
    expect(results).toEqual([]);
    const c = view!.objects[0]!.spec.template.spec.containers[0];
    expect(c.image).toBe("ghcr.io/ekenheim/ecom/medusa:b60245b");
    expect(view!.fileOf(c, "image")).toBe(OVERLAY_FILE);
    expect(view!.fileOf(c, "name")).toBeUndefined();
  });

  test("the view is labelled with the overlay, and knows which file each object came from", () => {
    const { view } = compose("secretGenerator:\n  - name: shop-secrets\n    envs: [secrets.env]\n  - envs: [nameless.env]\n");
    expect(view!.label).toBe("overlays/prod");
    expect(view!.objects.map((o) => [o.apiVersion, o.kind, o.metadata!.name, view!.fileOf(o)]))
      .toEqual([["apps/v1", "Deployment", "medusa", "base/deployment.yaml"], ["v1", "Secret", "shop-secrets", OVERLAY_FILE]]);
  });

  test.each([
    ["1234567", "number"],
    ["0x1f", "number"],
    ["12e4567", "number"],
    ["yes", "boolean"],
    ["0o17", "number"],
  ])("an unquoted newTag %s (a %s in YAML 1.1 or 1.2) is one error that quotes the tag as written", (tag, type) => {
    const { view, results } = compose(`images:\n  - name: other\n    newTag: "ok"\n  - name: ghcr.io/ekenheim/ecom/medusa\n    newTag: ${tag}\n`);
    expect(view).toBeUndefined();
    expect(results).toEqual([{
      severity: "error", tags: { code: "image-tag-type" }, field: { path: "images[1].newTag" }, file: { path: OVERLAY_FILE },
      message: `newTag ${tag} is read as a ${type}, not a string: quote it ("${tag}")`,
    }]);
  });

  test("namePrefix and nameSuffix of the overlay are carried, not applied", () => {
    const { view } = compose("namePrefix: shop-\nnameSuffix: -v2\n");
    expect([view!.namePrefix, view!.nameSuffix, view!.objects[0]!.metadata!.name]).toEqual(["shop-", "-v2", "medusa"]);
    const plain = compose("").view!;
    expect([plain.namePrefix, plain.nameSuffix]).toEqual(["", ""]);
  });

  test("a finding and a refusal together fail the composition, each reported", () => {
    const out = compose("images:\n  - name: ghcr.io/ekenheim/ecom/medusa\n    newTag: 1234567\ncomponents:\n  - extra\n", {
      "overlays/prod/extra/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nvars: []\n",
    });
    expect(out.view).toBeUndefined();
    expect(messages(out).map((m) => [m[0], m[1]])).toEqual([["image-tag-type", OVERLAY_FILE], ["not-modelled", "overlays/prod/extra/kustomization.yaml"]]);
  });

  test("images skip a container without an image", () => {
    const more = { "base/deployment.yaml": DEPLOYMENT.replace("      containers:\n", "      initContainers:\n        - name: no-image\n      containers:\n") };
    const { view, results } = compose('images:\n  - name: ghcr.io/ekenheim/ecom/medusa\n    newTag: "b60245b"\n', more);
    expect(results).toEqual([]);
    expect(view!.objects[0]!.spec.template.spec.initContainers).toEqual([{ name: "no-image" }]);
    expect(view!.objects[0]!.spec.template.spec.containers[0].image).toBe("ghcr.io/ekenheim/ecom/medusa:b60245b");
  });

  test("a prefix set in a base is refused, naming the base's kustomization, and nothing is composed", () => {
    const out = composeOverlay(packageOf({ ...FILES, "base/kustomization.yaml": `${KUSTOMIZATION}namePrefix: shop-\nresources:\n  - deployment.yaml\n`, [OVERLAY_FILE]: overlay("") }), "overlays/prod");
    expect(out.view).toBeUndefined();
    expect(messages(out)).toEqual([["not-modelled", "base/kustomization.yaml", "namePrefix",
      `\`namePrefix\` in a nested kustomization or component (it covers only part of the build) is not modelled by the function's own composition of overlays; ${RENDER}`]]);
  });

  // A quantity set by an overlay patch must be reported in that patch, not in the base it patches.
  test("a resource finding names the patch that set the quantity", () => {
    const { view } = compose("patches:\n  - path: resources.yaml\n", {
      "overlays/prod/resources.yaml": CONTAINER_PATCH("          resources:\n            limits:\n              memory: 1Gb\n"),
    });
    const found = checkResources(view!, policy());
    expect(found.map((r) => [r.field?.path, r.file?.path])).toEqual([
      ["spec.template.spec.containers[0].resources.limits.memory", "overlays/prod/resources.yaml"],
    ]);
  });

  // kustomize applies a Component to what the including kustomization has accumulated so far.
  test("a component's patches apply to the including overlay's objects, and its resources join them", () => {
    const component = "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources:\n  - extra.yaml\npatches:\n  - path: replicas.yaml\n";
    const { view, results } = compose("components:\n  - scale\n", {
      "overlays/prod/scale/kustomization.yaml": component,
      "overlays/prod/scale/replicas.yaml": deploymentPatch("  replicas: 3\n"),
      "overlays/prod/scale/extra.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n",
    });
    expect(results).toEqual([]);
    expect(view!.objects.map((o) => `${o.kind}/${o.metadata!.name}`)).toEqual(["Deployment/medusa", "ConfigMap/extra"]);
    expect(view!.objects[0]!.spec.replicas).toBe(3);
    expect(view!.fileOf(view!.objects[0]!.spec, "replicas")).toBe("overlays/prod/scale/replicas.yaml");
  });

  test("the function's own derived component may be missing (a first render creates it); any other may not", () => {
    expect(compose("components:\n  - derived\n").results).toEqual([]);
    expect(messages(compose("components:\n  - scale\n")))
      .toEqual([["kustomization-missing", undefined, undefined, "no kustomization.yaml in overlays/prod/scale (or it is excluded by .krmignore)"]]);
    expect(messages(composeOverlay(packageOf(FILES), "overlays/prod")))
      .toEqual([["kustomization-missing", undefined, undefined, "no kustomization.yaml in overlays/prod (or it is excluded by .krmignore)"]]);
  });

  test("an overlay that is no directory with a kustomization, named by a policy out of its place: the policy is the file to move", () => {
    const POLICY = "apiVersion: fn.ecom.ekenheim.dev/v1alpha1\nkind: DeployPolicy\nmetadata:\n  name: prod\n";
    const misplaced = packageOf({ ...FILES, [OVERLAY_FILE]: overlay(""), "overlays/prod/policy.yaml": POLICY, "overlays/prod/policy/notes.yaml": "kind: Note\n" });
    expect(messages(composeOverlay(misplaced, "overlays"))).toEqual([["kustomization-missing", "overlays/prod/policy.yaml", undefined,
      "a DeployPolicy configures the overlay two directories above its file, and overlays has no kustomization.yaml: move the policy to <overlay>/policy/policy.yaml of the overlay it configures"]]);
    // In its place, the policy is right and the kustomization is what is missing.
    expect(messages(composeOverlay(packageOf({ ...FILES, "overlays/prod/policy/policy.yaml": POLICY }), "overlays/prod")))
      .toEqual([["kustomization-missing", undefined, undefined, "no kustomization.yaml in overlays/prod (or it is excluded by .krmignore)"]]);
  });

  test("a patch of the function's own derived files may be missing; another patch file may not", () => {
    expect(messages(compose("patches:\n  - path: derived/medusa-config.yaml\n"))).toEqual([]);
    const out = compose("patches:\n  - path: ./fix.yaml\n");
    expect(out.view).toBeUndefined();
    expect(messages(out)).toEqual([["not-modelled", OVERLAY_FILE, "patches[0]",
      `the patch file "overlays/prod/fix.yaml" is not visible to the function: a JSON 6902 patch file (a list, which kpt cannot read), or a file .krmignore excludes; ${RENDER}`]]);
  });

  test("a resource that is neither a file nor a kustomization is named", () => {
    const out = compose("", { [OVERLAY_FILE]: `${KUSTOMIZATION}resources:\n  - ../../base/\n  - ./missing.yaml\n` });
    expect(out.view).toBeUndefined();
    expect(messages(out)).toEqual([["resource-missing", OVERLAY_FILE, "resources", 'resource "./missing.yaml" is not a file or kustomization in this package']]);
  });

  test("a kustomization that includes itself is a cycle, reported once", () => {
    const out = composeOverlay(packageOf({
      [OVERLAY_FILE]: `${KUSTOMIZATION}resources:\n  - ../loop\n`,
      "overlays/loop/kustomization.yaml": `${KUSTOMIZATION}resources:\n  - ../prod\n`,
    }), "overlays/prod");
    expect(out.view).toBeUndefined();
    expect(messages(out)).toEqual([["kustomization-cycle", OVERLAY_FILE, undefined, "kustomization cycle through overlays/prod"]]);
  });

  test("a targeted patch changes fields, never the target's kind or apiVersion", () => {
    const patch = "patches:\n  - target: {kind: Deployment, name: medusa}\n    patch: |\n      {apiVersion: v1, kind: Any, metadata: {name: any}, spec: {replicas: 2}}\n";
    const { view, results } = compose(patch);
    expect(results).toEqual([]);
    expect([view!.objects[0]!.apiVersion, view!.objects[0]!.kind, view!.objects[0]!.metadata!.name, view!.objects[0]!.spec.replicas])
      .toEqual(["apps/v1", "Deployment", "medusa", 2]);
  });

  test("allowNameChange renames the target, and the view knows the patch did", () => {
    const patch = (options: string) => `patches:\n  - path: rename.yaml\n    target: {kind: Deployment}\n${options}`;
    const more = { "overlays/prod/rename.yaml": deploymentPatch("  replicas: 2\n", "medusa-v2") };
    const renamed = compose(patch("    options: {allowNameChange: true}\n"), more).view!.objects[0]!;
    expect(renamed.metadata!.name).toBe("medusa-v2");
    expect(compose("", more).view!.fileOf(renamed.metadata!, "name")).toBeUndefined();
    const view = compose(patch("    options: {allowNameChange: true}\n"), more).view!;
    expect(view.fileOf(view.objects[0]!.metadata!, "name")).toBe("overlays/prod/rename.yaml");
    expect(compose(patch("    options: {allowNameChange: false}\n"), more).view!.objects[0]!.metadata!.name).toBe("medusa");
    const same = compose(patch("    options: {allowNameChange: true}\n"), { "overlays/prod/rename.yaml": deploymentPatch("  replicas: 2\n") }).view!;
    expect(same.fileOf(same.objects[0]!.metadata!, "name")).toBeUndefined();
    expect(compose(patch(""), more).view!.objects[0]!.metadata!.name).toBe("medusa");
  });

  test("a patch's metadata merges into the target's, except its name", () => {
    const more = { "overlays/prod/labels.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: medusa\n  labels:\n    tier: web\n" };
    const o = compose("patches:\n  - path: labels.yaml\n", more).view!.objects[0]!;
    expect(o.metadata).toMatchObject({ name: "medusa", labels: { tier: "web" } });
  });

  describe("strategic merge patches", () => {
    const merged = (fields: string) => {
      const out = compose("patches:\n  - path: p.yaml\n", { "overlays/prod/p.yaml": CONTAINER_PATCH(fields) });
      return { ...out, container: out.view?.objects[0]!.spec.template.spec.containers[0] };
    };

    test("a list without a known merge key is refused when both sides have it, set when only the patch has it", () => {
      const out = merged("          ports:\n            - containerPort: 9000\n");
      expect(out.view!.objects[0]!.spec.template.spec.containers[0].ports).toEqual([{ containerPort: 9000 }]);
      const more = { "base/deployment.yaml": DEPLOYMENT.replace("          resources:", "          ports:\n            - containerPort: 80\n          resources:") };
      const refused = compose("patches:\n  - path: p.yaml\n", { ...more, "overlays/prod/p.yaml": CONTAINER_PATCH("          ports:\n            - containerPort: 9000\n") });
      expect(refused.view).toBeUndefined();
      expect(messages(refused)).toEqual([["not-modelled", "overlays/prod/p.yaml", "patches[0]",
        `merging the list \`ports\`, whose strategic merge strategy the function does not know; ${RENDER}`]]);
    });

    test("a list the function knows kustomize replaces is replaced", () => {
      const more = { "base/deployment.yaml": DEPLOYMENT.replace("          resources:", "          args: [a, b]\n          resources:") };
      const out = compose("patches:\n  - path: p.yaml\n", { ...more, "overlays/prod/p.yaml": CONTAINER_PATCH("          args: [c]\n") });
      expect(out.view!.objects[0]!.spec.template.spec.containers[0].args).toEqual(["c"]);
    });

    test("null deletes a field; a new element is the patch's, and later patches merge into it", () => {
      const more = { "base/deployment.yaml": DEPLOYMENT.replace("          resources:", "          env: [{name: A, value: \"0\"}]\n          resources:") };
      const out = compose("patches:\n  - path: p.yaml\n  - path: q.yaml\n", {
        ...more,
        "overlays/prod/p.yaml": CONTAINER_PATCH("          resources: null\n          env:\n            - {name: B, value: \"1\"}\n"),
        "overlays/prod/q.yaml": CONTAINER_PATCH("          env:\n            - {name: B, valueFrom: {secretKeyRef: {name: s, key: k}}}\n"),
      });
      const c = out.view!.objects[0]!.spec.template.spec.containers[0];
      expect(c.resources).toBeUndefined();
      expect(c.env).toEqual([{ name: "B", value: "1", valueFrom: { secretKeyRef: { name: "s", key: "k" } } }, { name: "A", value: "0" }]);
      expect([c.env[0], c.env[1]].map((e) => out.view!.fileOf(e))).toEqual(["overlays/prod/p.yaml", undefined]);
      expect(out.view!.fileOf(c.env[0], "valueFrom")).toBe("overlays/prod/q.yaml");
    });

    test("a merge that fails part way stops at the first refusal, in a list element, a mapping or the patch", () => {
      const base = DEPLOYMENT
        .replace("  name: medusa\n", "  name: medusa\n  finalizers: [a]\n")
        .replace("          resources:", "          ports: [{containerPort: 80}]\n          resources:")
        .replace("      containers:\n", "      tolerations: [{key: a}]\n      containers:\n");
      const patch = (spec: string) => `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: medusa\n  finalizers: [b]\nspec:\n${spec}`;
      for (const spec of [
        "  template:\n    spec:\n      containers:\n        - name: medusa\n          ports: [{containerPort: 1}]\n      tolerations: [{key: b}]\n",
        "  template:\n    spec:\n      tolerations: [{key: b}]\n  selector: {matchLabels: {x: y}}\n",
      ]) {
        const out = compose("patches:\n  - path: p.yaml\n", { "base/deployment.yaml": base, "overlays/prod/p.yaml": patch(spec) });
        expect(messages(out).map((m) => m[3]).join("\n")).toMatch(/^merging the list `(ports|tolerations)`[^\n]*$/);
      }
    });

    test("a patch without metadata needs a target, and then applies", () => {
      const out = compose("patches:\n  - target: {kind: Deployment}\n    patch: |\n      spec: {replicas: 2}\n");
      expect(messages(out)).toEqual([]);
      expect(out.view!.objects[0]!.spec.replicas).toBe(2);
    });

    test("a patch file may hold several patches, each applied", () => {
      const out = compose("patches:\n  - path: p.yaml\n", {
        [OVERLAY_FILE]: overlay("  - service.yaml\npatches:\n  - path: p.yaml\n"),
        "overlays/prod/service.yaml": "apiVersion: v1\nkind: Service\nmetadata:\n  name: medusa\nspec:\n  ports: [{port: 80}]\n",
        "overlays/prod/p.yaml": `${deploymentPatch("  replicas: 2\n")}---\napiVersion: v1\nkind: Service\nmetadata:\n  name: medusa\nspec:\n  type: NodePort\n`,
      });
      expect(messages(out)).toEqual([]);
      expect(out.view!.objects.map((o) => o.spec.replicas ?? o.spec.type)).toEqual([2, "NodePort"]);
    });

    test("what a patch adds is credited to the patch, down to the new mapping", () => {
      const out = compose("patchesStrategicMerge:\n  - p.yaml\n", { "overlays/prod/p.yaml": deploymentPatch("  strategy:\n    type: Recreate\n") });
      const spec = out.view!.objects[0]!.spec;
      expect([out.view!.fileOf(spec, "strategy"), out.view!.fileOf(spec.strategy)]).toEqual(["overlays/prod/p.yaml", "overlays/prod/p.yaml"]);
    });

    test.each([
      ["$patch: delete\n", "`$patch` at (root)"],
      ["spec:\n  $retainKeys: [replicas]\n", "`$retainKeys` at spec"],
      ["spec:\n  template:\n    spec:\n      $setElementOrder/containers: [{name: medusa}]\n", "`$setElementOrder/containers` at spec.template.spec"],
      ["spec:\n  template:\n    spec:\n      containers:\n        - name: medusa\n        - name: other\n          $patch: delete\n", "`$patch` at spec.template.spec.containers[1]"],
    ])("a strategic merge directive is refused, naming where it is: %j", (body, where) => {
      const out = compose("patches:\n  - path: p.yaml\n", { "overlays/prod/p.yaml": `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: medusa\n${body}` });
      expect(messages(out)).toEqual([["not-modelled", "overlays/prod/p.yaml", "patches[0]", `the strategic merge directive ${where}; ${RENDER}`]]);
    });

    test("a refusal of a patchesStrategicMerge entry names that entry", () => {
      const out = compose("patchesStrategicMerge:\n  - p.yaml\n", { "overlays/prod/p.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: medusa\n$patch: delete\n" });
      expect(messages(out).map((m) => m[2])).toEqual(["patchesStrategicMerge[0]"]);
    });

    test("a patch that is neither a mapping nor a list is refused, naming its file", () => {
      expect(messages(compose("patches:\n  - patch: just text\n    target: {kind: Deployment}\n"))).toEqual([["not-modelled", OVERLAY_FILE, "patches[0]",
        `a patch that is neither a mapping (strategic merge) nor a list (JSON 6902); ${RENDER}`]]);
    });

    test("an untargeted patch finds its object by apiVersion, kind and name, or fails as kustomize build does", () => {
      const applied = (patch: string) => compose("patchesStrategicMerge:\n  - p.yaml\n", { "overlays/prod/p.yaml": patch });
      expect(applied(deploymentPatch("  replicas: 2\n")).view!.objects[0]!.spec.replicas).toBe(2);
      for (const [patch, what] of [
        [deploymentPatch("  replicas: 2\n", "medusa", "apps/v1beta2"), "Deployment medusa"],
        [deploymentPatch("  replicas: 2\n", "medusa", "extensions/v1"), "Deployment medusa"],
        [deploymentPatch("  replicas: 2\n", "storefront"), "Deployment storefront"],
        ["apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: medusa\n", "StatefulSet medusa"],
      ]) {
        const out = applied(patch!);
        expect(out.view).toBeUndefined();
        expect(messages(out)).toEqual([["patch-no-match", "overlays/prod/p.yaml", undefined, `the patch for ${what} matches no object, which fails \`kustomize build\``]]);
      }
    });

    test("a targeted patch that matches nothing changes nothing", () => {
      const out = compose("patches:\n  - path: p.yaml\n    target: {kind: StatefulSet}\n", { "overlays/prod/p.yaml": deploymentPatch("  replicas: 2\n") });
      expect(messages(out)).toEqual([]);
      expect(out.view!.objects[0]!.spec.replicas).toBeUndefined();
    });
  });

  describe("inline JSON 6902 patches", () => {
    const jsonPatch = (ops: string, target = "    target: {kind: Deployment}\n") => compose(`patches:\n  - patch: |\n      ${ops}\n${target}`);

    test("apply to every target, written as JSON or as a YAML list", () => {
      for (const ops of ['[{"op": "add", "path": "/spec/replicas", "value": 4}]', "- {op: add, path: /spec/replicas, value: 4}"]) {
        const out = jsonPatch(ops, "    target: {name: medusa}\n");
        expect(messages(out)).toEqual([]);
        expect(out.view!.objects[0]!.spec.replicas).toBe(4);
      }
    });

    test.each([
      ['[{"op": "add", "value": 4}]', "    target: {kind: Deployment}\n", "json6902-invalid", "the JSON 6902 patch operation 0 has no path"],
      ["[{op: add, path: /spec/replicas, value: 4}]", "    target: {kind: Deployment}\n", "json6902-invalid",
        "the JSON 6902 patch starts with `[` but is not JSON, which fails `kustomize build`"],
      ['[{"op": "add", "path": "/spec/replicas", "value": 4}]', "", "json6902-invalid", "a JSON 6902 patch needs a target"],
      ['[{"op": "remove", "path": "/spec/replicas"}]', "    target: {kind: Deployment}\n", "json6902-failed",
        'the JSON 6902 patch cannot apply to Deployment medusa: operation 0 (remove /spec/replicas): "/spec/replicas" does not exist, which fails `kustomize build`'],
    ])("%s is an error naming the patch", (ops, target, code, message) => {
      const out = jsonPatch(ops, target);
      expect(out.view).toBeUndefined();
      expect(messages(out)).toEqual([[code, OVERLAY_FILE, "patches[0]", message]]);
    });
  });
});

describe("a resource file that holds a list", () => {
  const SERVICE = (name: string) => ({ apiVersion: "v1", kind: "Service", metadata: { name } });
  const listFile = (items: string) => `apiVersion: v1\nkind: List\nitems:\n${items}`;
  const composeWith = (text: string) =>
    composeOverlay(packageOf({ [OVERLAY_FILE]: `${KUSTOMIZATION}resources:\n  - all.yaml\n`, "overlays/prod/all.yaml": text }), "overlays/prod");

  test("each item is an object of the build, after the file's other objects, and comes from the file", () => {
    const out = composeWith(`${listFile("  - {apiVersion: v1, kind: Service, metadata: {name: a}}\n  - {apiVersion: v1, kind: Service, metadata: {name: b}}\n")}---\napiVersion: v1\nkind: Service\nmetadata:\n  name: c\n`);
    expect(out.results).toEqual([]);
    expect(withoutPaths(out.view!.objects)).toEqual([SERVICE("c"), SERVICE("a"), SERVICE("b")]);
    expect(out.view!.objects.map((o) => out.view!.fileOf(o))).toEqual(Array(3).fill("overlays/prod/all.yaml"));
  });

  test("any kind ending in List, nested too; a list without items, or items that are no objects, adds nothing", () => {
    const out = composeWith(listFile("  - {apiVersion: v1, kind: ServiceList, items: [{apiVersion: v1, kind: Service, metadata: {name: inner}}]}\n  - {apiVersion: v1, kind: ConfigMapList}\n  - just-text\n  - {metadata: {name: kindless}}\n"));
    expect(withoutPaths(out.view!.objects)).toEqual([{ metadata: { name: "kindless" } }, SERVICE("inner")]);
  });

  test("a patch finds an object that came in a list by its name", () => {
    const out = composeOverlay(packageOf({
      [OVERLAY_FILE]: `${KUSTOMIZATION}resources:\n  - all.yaml\npatches:\n  - path: patch.yaml\n`,
      "overlays/prod/all.yaml": listFile("  - {apiVersion: v1, kind: Service, metadata: {name: a}}\n"),
      "overlays/prod/patch.yaml": "apiVersion: v1\nkind: Service\nmetadata:\n  name: a\nspec:\n  type: ClusterIP\n",
    }), "overlays/prod");
    expect(out.results).toEqual([]);
    expect(withoutPaths(out.view!.objects)).toEqual([{ ...SERVICE("a"), spec: { type: "ClusterIP" } }]);
  });
});
