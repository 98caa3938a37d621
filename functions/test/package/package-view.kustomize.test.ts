/**
 * The composition against the real kustomize: for each package below, the objects composeOverlay
 * emits are exactly those `kustomize build` emits (the composition leaves object order to the
 * build's own sorting, so both are compared by kind and name).
 */
import { describe, expect, test } from "vitest";
import type { KubeObject } from "../../src/core/kube.ts";
import { composeOverlay } from "../../src/package/package-view.ts";
import { builtObjectsOf, packageOf, withoutPaths } from "../support/package-index.ts";

const byId = (objects: KubeObject[]) => [...objects].sort((a, b) => `${a.kind}/${a.metadata?.name}`.localeCompare(`${b.kind}/${b.metadata?.name}`));

function expectSameAsKustomize(files: Record<string, string>, dir = "overlays/prod"): KubeObject[] {
  const { view, results, refusals } = composeOverlay(packageOf(files), dir);
  expect([...results, ...refusals]).toEqual([]);
  const composed = byId(withoutPaths(view!.objects));
  expect(composed).toEqual(byId(builtObjectsOf(files, dir)));
  return composed;
}

const kustomization = (body: string) => `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n${body}`;

const BASE = {
  "base/kustomization.yaml": kustomization("resources:\n  - app\n  - cron.yaml\n"),
  "base/app/kustomization.yaml": kustomization("resources:\n  - deployment.yaml\n  - service.yaml\n"),
  "base/app/deployment.yaml": `apiVersion: apps/v1
kind: Deployment
metadata:
  name: medusa
  labels: {app: medusa, tier: web}
spec:
  replicas: 1
  template:
    metadata:
      labels: {app: medusa}
    spec:
      volumes:
        - name: data
          emptyDir: {}
      imagePullSecrets:
        - name: pull
      initContainers:
        - name: wait
          image: reg.example:5000/tools/wait:1.0@sha256:abc
      containers:
        - name: medusa
          image: ghcr.io/x/medusa:1@sha256:def
          args: [a, b]
          env:
            - {name: A, value: "1"}
            - {name: B, value: "2"}
          volumeMounts:
            - {name: data, mountPath: /data}
          resources:
            limits: {cpu: "1", memory: 1Gi}
        - name: sidecar
          image: ghcr.io/x/sidecar:1
`,
  "base/app/service.yaml": "apiVersion: v1\nkind: Service\nmetadata:\n  name: medusa\n  labels: {app: medusa}\nspec:\n  selector: {app: medusa}\n  ports:\n    - {port: 80}\n",
  "base/cron.yaml": `apiVersion: batch/v1
kind: CronJob
metadata:
  name: cleanup
  labels: {app: cleanup}
spec:
  schedule: "0 * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          containers:
            - name: clean
              image: ghcr.io/x/medusa
`,
};

describe("composeOverlay builds what kustomize builds", () => {
  test("images: a new name keeps the tag, a new tag or digest replaces both old ones, empty fields are unset", () => {
    const out = expectSameAsKustomize({
      ...BASE,
      "overlays/prod/kustomization.yaml": kustomization(`resources:
  - ../../base
images:
  - name: ghcr.io/x/medusa
    newTag: "2"
  - name: reg.example:5000/tools/wait
    digest: sha256:999
  - name: ghcr.io/x/sidecar
    newName: ghcr.io/y/sidecar
    newTag: ""
  - name: ghcr.io/y/sidecar
    newName: ghcr.io/z/sidecar
    newTag: "3"
    digest: sha256:333
`),
    });
    const images = out.flatMap((o) => JSON.stringify(o).match(/"image":"[^"]*"/g) ?? []);
    expect(images).toEqual([
      '"image":"ghcr.io/x/medusa:2"',
      '"image":"reg.example:5000/tools/wait@sha256:999"', '"image":"ghcr.io/x/medusa:2"', '"image":"ghcr.io/z/sidecar:3@sha256:333"',
    ]);
  });

  test("strategic merge: lists merge by their key, the patch's elements first; listed lists are replaced; null deletes", () => {
    expectSameAsKustomize({
      ...BASE,
      "overlays/prod/kustomization.yaml": kustomization("resources:\n  - ../../base\npatchesStrategicMerge:\n  - smp.yaml\npatches:\n  - path: sidecar.yaml\n"),
      "overlays/prod/smp.yaml": `apiVersion: apps/v1
kind: Deployment
metadata:
  name: medusa
  labels: {added: "yes"}
spec:
  replicas: null
  template:
    spec:
      volumes:
        - name: data
          emptyDir: null
          persistentVolumeClaim: {claimName: data}
        - name: extra
          emptyDir: {}
      containers:
        - name: medusa
          args: [c]
          env:
            - {name: B, value: "3"}
            - {name: C, value: "4"}
          volumeMounts:
            - {name: extra, mountPath: /extra}
            - {name: data, mountPath: /data, readOnly: true}
          resources:
            limits: {memory: 2Gi}
        - name: new
          image: ghcr.io/x/new:1
`,
      "overlays/prod/sidecar.yaml": `apiVersion: apps/v1
kind: Deployment
metadata:
  name: medusa
spec:
  template:
    spec:
      imagePullSecrets:
        - name: other
      containers:
        - name: sidecar
          args: [x]
          command: [run]
`,
    });
  });

  test("targets select by group, version, kind and name as anchored patterns, an empty one selecting all", () => {
    const add = (label: string) => `    patch: |\n      - {op: add, path: /metadata/labels/${label}, value: "yes"}\n`;
    expectSameAsKustomize({
      ...BASE,
      "overlays/prod/kustomization.yaml": kustomization(`resources:
  - ../../base
patches:
  - target: {group: apps, version: v1, kind: "Deploy.*", name: "med.*"}
${add("all-four")}  - target: {group: "", version: "", kind: Deployment, name: ""}
${add("empty")}  - target: {kind: Deploy}
${add("partial-kind")}  - target: {name: edusa}
${add("partial-name")}  - target: {group: batch}
${add("batch")}  - target: {version: v1, kind: "Service|CronJob"}
${add("either")}  - target: {group: "app", kind: Deployment}
${add("partial-group")}  - target: {version: v, kind: Deployment}
${add("partial-version")}`),
    });
  });

  test("a renamed object is still patched by its original name, and by its new one", () => {
    expectSameAsKustomize({
      "base/kustomization.yaml": kustomization("resources:\n  - job.yaml\n"),
      "base/job.yaml": "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: medusa-migrate\nspec:\n  template:\n    spec:\n      restartPolicy: OnFailure\n      containers:\n        - {name: migrate, image: \"m:1\"}\n",
      "overlays/prod/kustomization.yaml": kustomization(`resources:
  - ../../base
patches:
  - path: rename.yaml
    target: {kind: Job, name: medusa-migrate}
    options: {allowNameChange: true}
  - path: by-original.yaml
  - path: by-new.yaml
  - target: {name: medusa-migrate}
    patch: |
      - {op: add, path: /metadata/labels, value: {original: "yes"}}
`),
      "overlays/prod/rename.yaml": "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: medusa-migrate-abc\nspec:\n  backoffLimit: 1\n",
      "overlays/prod/by-original.yaml": "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: medusa-migrate\nspec:\n  activeDeadlineSeconds: 60\n",
      "overlays/prod/by-new.yaml": "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: medusa-migrate-abc\nspec:\n  ttlSecondsAfterFinished: 30\n",
    });
  });

  test("a component transforms what its parent has accumulated, before the parent's own patches and images", () => {
    expectSameAsKustomize({
      ...BASE,
      "overlays/prod/kustomization.yaml": kustomization(`resources:
  - ../../base
components:
  - scale
patches:
  - path: replicas.yaml
images:
  - name: ghcr.io/x/extra
    newTag: "9"
`),
      "overlays/prod/replicas.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: medusa\nspec:\n  replicas: 5\n",
      "overlays/prod/scale/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources:\n  - extra.yaml\npatches:\n  - path: replicas.yaml\n",
      "overlays/prod/scale/replicas.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: medusa\nspec:\n  replicas: 3\n  minReadySeconds: 10\n",
      "overlays/prod/scale/extra.yaml": "apiVersion: v1\nkind: Pod\nmetadata:\n  name: extra\nspec:\n  containers:\n    - {name: extra, image: \"ghcr.io/x/extra:1\"}\n",
    });
  });
});

describe("composeOverlay fails where kustomize build fails", () => {
  test.each([
    ["a patch for another version of the kind", "patchesStrategicMerge:\n  - p.yaml\n", "patch-no-match", /no matches for Id Deployment\.v1beta2\.apps\/medusa/],
    ["a JSON 6902 operation on a missing field", "patches:\n  - target: {kind: Service}\n    patch: |\n      [{\"op\": \"remove\", \"path\": \"/spec/clusterIP\"}]\n", "json6902-failed", /clusterIP/],
    ["a JSON 6902 patch in YAML's flow style", "patches:\n  - target: {kind: Service}\n    patch: |\n      [{op: add, path: /spec/clusterIP, value: None}]\n", "json6902-invalid", /unable to parse SM or JSON patch/],
  ])("%s", (_, patches, code, kustomizeError) => {
    const files = {
      ...BASE,
      "overlays/prod/kustomization.yaml": kustomization(`resources:\n  - ../../base\n${patches}`),
      "overlays/prod/p.yaml": "apiVersion: apps/v1beta2\nkind: Deployment\nmetadata:\n  name: medusa\nspec:\n  replicas: 2\n",
    };
    const { view, results } = composeOverlay(packageOf(files), "overlays/prod");
    expect([view, results.map((r) => r.tags.code)]).toEqual([undefined, [code]]);
    expect(() => builtObjectsOf(files, "overlays/prod")).toThrow(kustomizeError);
  });
});
