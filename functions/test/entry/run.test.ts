import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { parse } from "yaml";
import { FIXTURES, answer, buildOf, filesOf, fixturePackage, packageList } from "../support/resource-lists.ts";

const POLICY = "overlays/prod/policy/policy.yaml";
const NOT_RENDERED = (overlay: string) => ({
  severity: "error", tags: { code: "no-policy" }, file: { path: `${overlay}/kustomization.yaml` },
  message: `lists its derived component, but ${overlay}/policy/policy.yaml holds no DeployPolicy, so nothing keeps its derived values in step with its Ingress: ` +
    "restore the overlay's policy there (functions/README.md), or drop the derived component",
});
const codes = (results: { tags: { code: string } }[]) => results.map((r) => r.tags.code);

describe("the function's answer", () => {
  test("an unreadable input is one error, on stdout as a result and on stderr, with exit code 1", () => {
    const out = answer("kind: ResourceList\nitems: 3\n");
    expect(out.exitCode).toBe(1);
    expect(parse(out.stdout)).toEqual({
      apiVersion: "config.kubernetes.io/v1", kind: "ResourceList", items: [],
      results: [{ severity: "error", tags: { code: "input-invalid" }, message: "ecom-fn: items of the ResourceList is not a list" }],
    });
    expect(out.stderr).toBe("[error] input-invalid: ecom-fn: items of the ResourceList is not a list\n");
  });

  test("stdin that cannot be read is an input error too", () => {
    const out = answer(() => {
      throw new Error("EAGAIN: resource temporarily unavailable, read");
    });
    expect(out.exitCode).toBe(1);
    expect(out.stderr).toBe("[error] input-invalid: ecom-fn: EAGAIN: resource temporarily unavailable, read\n");
  });

  test("a rendered package passes: exit code 0, nothing on stderr, no results", () => {
    const out = answer(packageList(fixturePackage()));
    expect(out).toMatchObject({ exitCode: 0, stderr: "", results: [] });
    expect(out.files).toEqual(filesOf(packageList(fixturePackage())));
  });

  test("warnings alone leave the exit code 0, each one a line on stderr", () => {
    const input = readFileSync(join(FIXTURES, "build-drift", "input.yaml"), "utf8");
    const out = answer(input);
    expect(out.exitCode).toBe(0);
    expect(codes(out.results)).toEqual(["build-stale", "build-stale", "build-stale"]);
    expect(out.stderr.split("\n")).toEqual([
      expect.stringMatching(/^\[warning\] build-stale: ConfigMap ecom-prod\/medusa-config: data\.STORE_CORS: was "https:\/\/old-shop/),
      expect.stringMatching(/^\[warning\] build-stale: ConfigMap ecom-prod\/storefront-config: data\.MEDUSA_BACKEND_URL: was /),
      expect.stringMatching(/^\[warning\] build-stale: Job ecom-prod\/medusa-migrate: metadata\.name: was "medusa-migrate"/),
      "",
    ]);
  });
});

describe("function configs", () => {
  const pkg = () => fixturePackage();

  test.each([
    ["a ConfigMap with data", { apiVersion: "v1", kind: "ConfigMap", data: { a: "b" } }, 'kind "ConfigMap"'],
    ["a DeployPolicy of another version", { apiVersion: "fn.ecom.ekenheim.dev/v1", kind: "DeployPolicy" }, 'kind "DeployPolicy"'],
    ["an object without a kind", { metadata: { name: "x" } }, "no kind"],
    ["a kind that is not text", { kind: 7 }, "no kind"],
    ["a list", ["DeployPolicy"], "no kind"],
  ])("%s is refused and the items pass through", (_what, config, got) => {
    const input = packageList(pkg(), config);
    const out = answer(input);
    expect(out.exitCode).toBe(1);
    expect(out.results).toEqual([{
      severity: "error", tags: { code: "function-config" }, message: `functionConfig must be a DeployPolicy or absent, got ${got}`,
    }]);
    expect(out.files).toEqual(filesOf(input));
  });

  test.each([
    ["no functionConfig", undefined],
    ["a null one", null],
    ["an empty one", {}],
    ["kpt's empty ConfigMap", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "function-input" } }],
    ["a ConfigMap with empty data", { apiVersion: "v1", kind: "ConfigMap", data: {} }],
  ])("%s runs over the package", (_what, config) => {
    const files = pkg();
    files["overlays/prod/ingress.yaml"] = files["overlays/prod/ingress.yaml"]!.replaceAll("shop.example.com", "store.example.com");
    const out = answer(packageList(files, config));
    expect(out).toMatchObject({ exitCode: 0, results: [] });
    expect(out.files.get("overlays/prod/derived/medusa-config.yaml")![0]).toContain("STORE_CORS: https://store.example.com\n");
  });

  test("a package without a DeployPolicy is an error saying where the policy goes", () => {
    const out = answer(packageList({ ...pkg(), [POLICY]: undefined }));
    expect(out.exitCode).toBe(1);
    expect(out.results).toEqual([{
      severity: "error", tags: { code: "no-policy" },
      message: "no DeployPolicy in the package: each overlay carries one at <overlay>/policy/policy.yaml",
    }, NOT_RENDERED("overlays/prod")]);
  });

  test("an overlay that lists its derived component but lost its policy is refused by name, beside one that renders", () => {
    const files: Record<string, string | undefined> = pkg();
    for (const [path, text] of Object.entries(pkg())) if (path.startsWith("overlays/prod/")) files[path.replace("overlays/prod/", "overlays/stage/")] = text;
    files["overlays/stage/policy/policy.yaml"] = undefined;
    files["overlays/prod/ingress.yaml"] = files["overlays/prod/ingress.yaml"]!.replaceAll("shop.example.com", "store.example.com");
    const out = answer(packageList(files));
    expect(out.exitCode).toBe(1);
    expect(out.results).toEqual([NOT_RENDERED("overlays/stage")]);
    files["overlays/stage/kustomization.yaml"] = files["overlays/stage/kustomization.yaml"]!.replace(/\n\s*- derived\n/, "\n");
    expect(answer(packageList(files)).results).toEqual([]);
  });

  test.each([
    ["absent", undefined],
    ["a list", ["overlays/prod"]],
  ])("OverlayBuilds whose builds are %s is an error and the package is not rendered", (_what, builds) => {
    const files = pkg();
    files["overlays/prod/ingress.yaml"] = files["overlays/prod/ingress.yaml"]!.replaceAll("shop.example.com", "store.example.com");
    const input = packageList(files, { apiVersion: "fn.ecom.ekenheim.dev/v1alpha1", kind: "OverlayBuilds", builds });
    const out = answer(input);
    expect(out.exitCode).toBe(1);
    expect(codes(out.results)).toEqual(["builds-invalid"]);
    expect(out.files).toEqual(filesOf(input));
  });
});

describe("policies", () => {
  const invalid = (policy: string) => {
    const files = fixturePackage();
    files[POLICY] = policy;
    return answer(packageList(files));
  };

  test("each problem of an overlay's policy is an error naming its file, object and field; the overlay is not rendered", () => {
    const files = fixturePackage();
    files[POLICY] = files[POLICY]!.replace("requirePinnedSha: true", "requirePinnedSha: yes\n  colour: blue");
    files["overlays/prod/ingress.yaml"] = files["overlays/prod/ingress.yaml"]!.replaceAll("shop.example.com", "store.example.com");
    const input = packageList(files);
    const out = answer(input);
    expect(out.exitCode).toBe(1);
    const where = { apiVersion: "fn.ecom.ekenheim.dev/v1alpha1", kind: "DeployPolicy", name: "prod" };
    expect(out.results).toEqual(expect.arrayContaining([
      { severity: "error", tags: { code: "policy-invalid" }, message: "invalid DeployPolicy: unknown field", resourceRef: where,
        field: { path: "spec.colour" }, file: { path: POLICY } },
      { severity: "error", tags: { code: "policy-invalid" }, message: "invalid DeployPolicy: expected boolean", resourceRef: where,
        field: { path: "spec.requirePinnedSha" }, file: { path: POLICY } },
    ]));
    expect(out.results).toHaveLength(2);
    expect(out.stderr).toContain(`[error] policy-invalid: ${POLICY}: DeployPolicy prod: spec.colour: invalid DeployPolicy: unknown field\n`);
    expect(out.files).toEqual(filesOf(input));
  });

  test("a policy without a name is named by an empty name", () => {
    const out = invalid("apiVersion: fn.ecom.ekenheim.dev/v1alpha1\nkind: DeployPolicy\nspec: {}\n");
    expect(out.results).toEqual([{
      severity: "error", tags: { code: "policy-invalid" }, message: "invalid DeployPolicy: expected string",
      resourceRef: { apiVersion: "fn.ecom.ekenheim.dev/v1alpha1", kind: "DeployPolicy", name: "" },
      field: { path: "metadata.name" }, file: { path: POLICY },
    }]);
  });

  test("a policy without an apiVersion is named by an empty one", () => {
    const out = invalid(fixturePackage()[POLICY]!.replace(/^apiVersion: .*\n/m, ""));
    expect(out.results).toEqual([{
      severity: "error", tags: { code: "policy-invalid" }, message: 'invalid DeployPolicy: expected "fn.ecom.ekenheim.dev/v1alpha1"',
      resourceRef: { apiVersion: "", kind: "DeployPolicy", name: "prod" }, field: { path: "apiVersion" }, file: { path: POLICY },
    }]);
  });

  test("in plugin mode a policy without metadata is named by an empty name", () => {
    const input = readFileSync(join(FIXTURES, "build-drift", "input.yaml"), "utf8");
    const out = answer(input.replace(/^functionConfig:\n[^]*$/m, "functionConfig:\n  apiVersion: fn.ecom.ekenheim.dev/v1alpha1\n  kind: DeployPolicy\n"));
    expect(out.results).toEqual([{
      severity: "error", tags: { code: "policy-invalid" }, message: "invalid DeployPolicy: expected object",
      resourceRef: { apiVersion: "fn.ecom.ekenheim.dev/v1alpha1", kind: "DeployPolicy", name: "" }, field: { path: "metadata" },
    }]);
  });

  test("in plugin mode a policy problem names the functionConfig, with no file", () => {
    const input = readFileSync(join(FIXTURES, "build-drift", "input.yaml"), "utf8").replace("requirePinnedSha: true", "requirePinnedSha: 1");
    const out = answer(input);
    expect(out.exitCode).toBe(1);
    expect(out.results).toEqual([{
      severity: "error", tags: { code: "policy-invalid" }, message: "invalid DeployPolicy: expected boolean",
      resourceRef: { apiVersion: "fn.ecom.ekenheim.dev/v1alpha1", kind: "DeployPolicy", name: "prod" },
      field: { path: "spec.requirePinnedSha" },
    }]);
    expect(out.files).toEqual(filesOf(input));
  });
});

describe("overlays the composition does not model", () => {
  const OVERLAY = "overlays/prod/kustomization.yaml";
  const JOB = "overlays/prod/derived/migration-job.yaml";
  // A generator is kustomize's to run; a new tag makes the derived Job name change.
  const unmodelled = (naming: string) => {
    const files = fixturePackage();
    files[OVERLAY] = `${files[OVERLAY]!.replaceAll('"b60245b"', '"c0ffee1"')}${naming}configMapGenerator:\n  - name: extra\n    literals: [A=b]\n`;
    return files;
  };
  const buildsConfig = (builds: Record<string, string>) => ({ apiVersion: "fn.ecom.ekenheim.dev/v1alpha1", kind: "OverlayBuilds", metadata: { name: "builds" }, builds });

  test("an overlay the composition models takes no build: its prefix is no part of the Job name its files write", () => {
    const files = fixturePackage();
    files[OVERLAY] = `${files[OVERLAY]!.replaceAll('"b60245b"', '"c0ffee1"')}namePrefix: shop-\n`;
    const out = answer(packageList(files));
    expect(out.results).toEqual([]);
    expect(parse(out.files.get(JOB)![0]!).metadata.name).toBe("medusa-migrate-c0ffee1");
  });

  test("without a build the overlay is refused, saying to run render", () => {
    const out = answer(packageList(unmodelled("")));
    expect(out.exitCode).toBe(1);
    expect(out.results).toEqual([{
      severity: "error", tags: { code: "not-modelled" }, file: { path: OVERLAY }, field: { path: "configMapGenerator" },
      message: expect.stringContaining("`configMapGenerator` is not modelled by the function's own composition of overlays; run `npm run render`"),
    }]);
  });

  test.each([
    ["no prefix or suffix", "", "c0ffee1"],
    ["a prefix and a suffix", "namePrefix: shop-\nnameSuffix: -eu\n", "c0ffee1"],
    // The suffix comes after the tag and is no part of it, even where the tag ends the same way.
    ["a suffix the tag ends with", "nameSuffix: -rc1\n", "v2-rc1"],
  ])("with its real build the overlay is derived from it; with %s the Job is named as the overlay's files write it", (_what, naming, tag) => {
    const files = unmodelled(naming);
    files[OVERLAY] = files[OVERLAY]!.replaceAll('"c0ffee1"', `"${tag}"`);
    files[POLICY] = files[POLICY]!.replace("requirePinnedSha: true", "requirePinnedSha: false");
    const out = answer(packageList(files, buildsConfig({ "overlays/prod": buildOf(files, "overlays/prod") })));
    expect(out.results).toEqual([]);
    expect(parse(out.files.get(JOB)![0]!).metadata.name).toBe(`medusa-migrate-${tag}`);
  });

  test("a build given for an overlay whose files have errors does not hide them", () => {
    const files = fixturePackage();
    files["base/kustomization.yaml"] += "configMapGenerator:\n  - name: extra\n    literals: [A=b]\n";
    files["overlays/prod/ingress.yaml"] = files["overlays/prod/ingress.yaml"]!.replaceAll("admin.example.com", "ops.example.com");
    const build = buildOf(files, "overlays/prod");
    files[OVERLAY] = files[OVERLAY]!.replace("  - ../../base\n", "  - ../../base\n  - missing.yaml\n");
    const input = packageList(files, buildsConfig({ "overlays/prod": build }));
    const out = answer(input);
    expect(out.exitCode).toBe(1);
    // The base's generator is kustomize's to run, so the function composes an empty base: nothing for the overlay's patches to match.
    expect(new Set(codes(out.results))).toEqual(new Set(["resource-missing", "patch-no-match"]));
    expect(out.files).toEqual(filesOf(input));
  });

  test("a build is used only for its own overlay", () => {
    const files = unmodelled("");
    const out = answer(packageList(files, buildsConfig({ "overlays/staging": "" })));
    expect(codes(out.results)).toEqual(["not-modelled"]);
  });
});

describe("plugin mode", () => {
  const input = (fixture: string) => readFileSync(join(FIXTURES, fixture, "input.yaml"), "utf8");

  test("a build with errors is reported and left as it came, stale values and all", () => {
    const stale = input("build-drift").replace(/(name: storefront\n(?:.*\n)*?\s+requests:\n(?:.*\n)*?\s+memory: )\S+/, "$14Gi");
    const out = answer(stale);
    expect(out.exitCode).toBe(1);
    expect(codes(out.results)).toEqual(["resources-request-above-limit"]);
    expect(out.files).toEqual(filesOf(stale));
  });

  test("a StatefulSet in the build is checked like any workload", () => {
    const statefulSet = [
      "- apiVersion: apps/v1", "  kind: StatefulSet", "  metadata:", "    name: postgres", "    namespace: ecom-prod", "  spec:",
      "    selector:", "      matchLabels:", "        app: postgres", "    serviceName: postgres", "    template:", "      metadata:", "        labels:",
      "          app: postgres", "      spec:", "        containers:", "        - image: postgres:16.4", "          name: postgres", "",
    ].join("\n");
    const out = answer(input("build-rendered").replace(/^functionConfig:/m, `${statefulSet}functionConfig:`));
    expect(out.exitCode).toBe(1);
    expect(out.results).toContainEqual(expect.objectContaining({
      severity: "error", tags: { code: "resources-missing" },
      resourceRef: { apiVersion: "apps/v1", kind: "StatefulSet", name: "postgres", namespace: "ecom-prod" },
    }));
  });

  const RESOURCES = "          resources: {limits: {cpu: \"1\", memory: 1Gi}, requests: {cpu: 250m, memory: 512Mi}}\n";

  test("the medusa container is the one named medusa, wherever it stands in its pod", () => {
    const rendered = input("build-rendered");
    const withSidecar = rendered.replace("        containers:\n        - envFrom:\n          - configMapRef:\n              name: medusa-config\n",
      `        containers:\n        - image: ghcr.io/example/log-shipper:2.0\n          name: log-shipper\n${RESOURCES}` +
      "        - envFrom:\n          - configMapRef:\n              name: medusa-config\n");
    expect(withSidecar).not.toBe(rendered);
    const out = answer(withSidecar);
    expect(out.results).toEqual([]);
    expect(out.files).toEqual(filesOf(withSidecar));
  });

  test("a workload of another kind labelled app=medusa is not the medusa Deployment", () => {
    const cronJob = [
      "- apiVersion: batch/v1", "  kind: CronJob", "  metadata:", "    name: medusa-cleanup", "    namespace: ecom-prod", "  spec:",
      "    schedule: '0 3 * * *'", "    jobTemplate:", "      spec:", "        template:", "          metadata:", "            labels:",
      "              app: medusa", "          spec:", "            restartPolicy: OnFailure", "            imagePullSecrets:",
      "            - name: ghcr-credentials", "            containers:", "            - image: ghcr.io/ekenheim/ecom/medusa:1111111",
      "              name: medusa", RESOURCES.replace(/^ {10}/, "              ").trimEnd(), "",
    ].join("\n");
    const rendered = input("build-rendered");
    const withCronJob = rendered.replace(/^- apiVersion: apps\/v1\n {2}kind: Deployment\n/m, `${cronJob}$&`);
    expect(withCronJob).not.toBe(rendered);
    const out = answer(withCronJob);
    expect(out.results).toEqual([]);
    expect(out.files).toEqual(filesOf(withCronJob));
  });

  test("findings about the whole build name it as the kustomize build", () => {
    const rendered = input("build-rendered");
    const jobAt = rendered.indexOf("- apiVersion: batch/v1\n  kind: Job\n");
    const withoutJob = rendered.slice(0, jobAt) + rendered.slice(rendered.indexOf("\n- apiVersion:", jobAt) + 1);
    const out = answer(withoutJob);
    expect(out.exitCode).toBe(1);
    expect(out.results).toEqual([{ severity: "error", tags: { code: "job-count" }, message: "kustomize build: expected exactly one medusa-migrate Job, found 0" }]);
  });
});
