import { describe, expect, test } from "vitest";
import { shopModel } from "../../src/core/shop-model.ts";
import { planMigrationJob } from "../../src/core/migration-job.ts";
import { container, deployment, migrationJob, policy, shop, view } from "../support/hand-built-overlay.ts";

const pinned = policy({ requirePinnedSha: true });
const plan = (objects = shop(), p = policy(), opts = {}) => planMigrationJob(shopModel(view(objects, opts)), p);
const MEDUSA = "ghcr.io/ekenheim/ecom/medusa";
const deploymentOf = (name: string, image: string) => deployment(name, "medusa", [container("medusa", image)]);

describe("planMigrationJob", () => {
  test("the Job is named after the medusa tag", () => {
    const out = plan(shop({ medusaImage: `${MEDUSA}:c0ffee1`, storefrontImage: "ghcr.io/ekenheim/ecom/storefront:b60245b" }));
    expect(out.results).toEqual([]);
    expect(out.plan!.name).toBe("medusa-migrate-c0ffee1");
    expect(out.plan!.job.kind).toBe("Job");
  });

  test("an already renamed Job gets the new tag, not a second suffix", () => {
    expect(plan(shop({ jobName: "medusa-migrate-b60245b", medusaImage: `${MEDUSA}:c0ffee1` })).plan!.name).toBe("medusa-migrate-c0ffee1");
  });

  test("a prefix already on the Job's name is kept; the prefix still to come is not added", () => {
    expect(plan(shop({ jobName: "shop-medusa-migrate" })).plan!.name).toBe("shop-medusa-migrate-b60245b");
    expect(plan(shop(), policy(), { namePrefix: "shop-" }).plan!.name).toBe("medusa-migrate-b60245b");
  });

  test("a registry port is not a tag", () => {
    const out = plan(shop({ medusaImage: "registry.local:5000/medusa:b60245b" }));
    expect(out.plan!.name).toBe("medusa-migrate-b60245b");
  });

  test.each([
    [`${MEDUSA}:latest`, 'has the tag "latest"'],
    [`${MEDUSA}:20260223-143012`, 'has the tag "20260223-143012"'],
    [`${MEDUSA}:B60245B`, 'has the tag "B60245B"'],
    [`${MEDUSA}:b60245`, 'has the tag "b60245"'],
    // Seven hex characters at either end of a longer tag are not a short SHA.
    [`${MEDUSA}:release-b60245b`, 'has the tag "release-b60245b"'],
    [`${MEDUSA}:b60245b-rc1`, 'has the tag "b60245b-rc1"'],
    [MEDUSA, "has no tag"],
    [`${MEDUSA}@sha256:0123456789abcdef`, "is pinned by digest only"],
  ])("the pinned-SHA policy refuses %s", (image, why) => {
    const out = plan(shop({ medusaImage: image }), pinned);
    const pin = out.results.filter((r) => r.message.includes("requires a pinned short SHA"));
    expect(pin).toEqual([expect.objectContaining({
      severity: "error",
      message: expect.stringContaining(why),
      resourceRef: { apiVersion: "apps/v1", kind: "Deployment", name: "medusa" },
      field: { path: "spec.template.spec.containers[0].image" },
    })]);
  });

  test("the pinned-SHA policy checks the storefront too, and accepts a short SHA with a digest", () => {
    const out = plan(shop({ medusaImage: `${MEDUSA}:b60245b@sha256:0123`, storefrontImage: "ghcr.io/ekenheim/ecom/storefront:latest" }), pinned);
    expect(out.results.map((r) => r.resourceRef?.name)).toEqual(["storefront"]);
    expect(out.plan!.name).toBe("medusa-migrate-b60245b");
  });

  test("without the policy, latest is a fine tag", () => {
    const out = plan(shop({ medusaImage: `${MEDUSA}:latest` }));
    expect(out.results).toEqual([]);
    expect(out.plan!.name).toBe("medusa-migrate-latest");
  });

  test("a medusa image with no tag leaves nothing to name the Job after", () => {
    const out = plan(shop({ medusaImage: `${MEDUSA}@sha256:0123` }));
    expect(out.plan).toBeUndefined();
    expect(out.results).toEqual([expect.objectContaining({ message: expect.stringContaining("has no tag to name the migration Job after") })]);
  });

  test("the Job must run the image the medusa Deployment runs", () => {
    const objects = shop().map((o) => (o.kind === "Job" ? migrationJob("medusa-migrate", `${MEDUSA}:0ld0ld0`) : o));
    const out = plan(objects);
    expect(out.results).toEqual([expect.objectContaining({
      severity: "error",
      resourceRef: { apiVersion: "batch/v1", kind: "Job", name: "medusa-migrate" },
      field: { path: "spec.template.spec.containers[0].image" },
      message: expect.stringContaining(`runs "${MEDUSA}:0ld0ld0" but the medusa Deployment runs "${MEDUSA}:b60245b"`),
    })]);
  });

  test.each([
    ["a tag that makes the name longer than 63 characters", "release-2026-02-23-build-1234567890-abcdef-hotfix", {}],
    ["a prefix still to come that pushes it over 63", "a".repeat(40), { namePrefix: "x".repeat(10) }],
    ["a tag with characters a name cannot have", "V1.2_rc", {}],
  ])("%s is an error on the medusa image, where the tag is set", (_, tag, opts) => {
    const out = plan(shop({ medusaImage: `${MEDUSA}:${tag}` }), policy(), opts);
    expect(out.plan).toBeUndefined();
    expect(out.results).toEqual([expect.objectContaining({
      severity: "error",
      resourceRef: expect.objectContaining({ kind: "Deployment", name: "medusa" }),
      field: { path: "spec.template.spec.containers[0].image" },
      message: expect.stringContaining("is not a DNS label"),
    })]);
  });

  test("a name of exactly 63 characters is fine", () => {
    const tag = "a".repeat(63 - "medusa-migrate-".length);
    expect(plan(shop({ medusaImage: `${MEDUSA}:${tag}` })).plan!.name).toHaveLength(63);
  });

  test("no migration Job, two of them, or no medusa Deployment are errors", () => {
    expect(plan(shop().filter((o) => o.kind !== "Job")).results.map((r) => r.message)).toEqual([expect.stringContaining("found 0")]);
    expect(plan([...shop(), migrationJob("medusa-migrate-old", `${MEDUSA}:b60245b`)]).results.map((r) => r.message))
      .toEqual([expect.stringContaining("found 2")]);
    expect(plan(shop().filter((o) => o.kind !== "Deployment")).results.map((r) => r.message))
      .toEqual([expect.stringContaining("no Deployment with pod label app=medusa")]);
  });

  test("a Job whose name merely contains medusa-migrate as a substring is not the migration Job", () => {
    const out = plan([...shop(), migrationJob("notmedusa-migrator", `${MEDUSA}:b60245b`)]);
    expect(out.results).toEqual([]);
  });
});

describe("planMigrationJob: which container and what the messages say", () => {
  test("the medusa container is the one named medusa, wherever it stands among the containers", () => {
    const objects = shop({ medusaImage: `${MEDUSA}:c0ffee1` });
    const medusa = objects.find((o) => o.kind === "Deployment" && o.metadata!.name === "medusa")!;
    medusa.spec.template.spec.containers.unshift(container("proxy", "envoyproxy/envoy:v1.31"));
    const out = plan(objects, pinned);
    expect(out.results).toEqual([]);
    expect(out.plan!.name).toBe("medusa-migrate-c0ffee1");
    medusa.spec.template.spec.containers[1].image = `${MEDUSA}:latest`;
    expect(plan(objects, pinned).results.map((r) => r.field?.path)).toContain("spec.template.spec.containers[1].image");
  });

  test("without a container named after the app, the first one is the app's", () => {
    const objects = shop();
    const storefront = objects.find((o) => o.kind === "Deployment" && o.metadata!.name === "storefront")!;
    storefront.spec.template.spec.containers = [container("web", "ghcr.io/ekenheim/ecom/storefront:latest"), container("proxy", "envoyproxy/envoy:v1.31")];
    expect(plan(objects, pinned).results.map((r) => [r.field?.path, r.message])).toEqual([[
      "spec.template.spec.containers[0].image",
      'policy test requires a pinned short SHA, but the storefront image "ghcr.io/ekenheim/ecom/storefront:latest" has the tag "latest"; ' +
        "pin a 7-character git short SHA, e.g. `npm run set-image -- <env> <medusa|storefront> a1b2c3d`",
    ]]);
  });

  test("an app without its Deployment or containers is not a pin finding", () => {
    const objects = shop().filter((o) => !(o.kind === "Deployment" && o.metadata!.name === "storefront"));
    expect(plan(objects, pinned).results).toEqual([]);
    const noContainers = shop();
    noContainers.find((o) => o.metadata!.name === "storefront" && o.kind === "Deployment")!.spec.template.spec.containers = [];
    expect(plan(noContainers, pinned).results).toEqual([]);
    const noPodSpec = shop();
    delete noPodSpec.find((o) => o.metadata!.name === "storefront" && o.kind === "Deployment")!.spec.template.spec;
    expect(plan(noPodSpec, pinned).results).toEqual([]);
  });

  test("a medusa Deployment with no pod spec has no image to name the Job after, and says where it would be", () => {
    const objects = shop();
    delete objects.find((o) => o.kind === "Deployment" && o.metadata!.name === "medusa")!.spec.template.spec;
    expect(plan(objects).results.find((r) => r.tags.code === "job-no-tag")).toEqual(expect.objectContaining({
      resourceRef: expect.objectContaining({ kind: "Deployment", name: "medusa" }),
      field: { path: "spec.template.spec.containers[0].image" },
      message: 'the medusa image "" has no tag to name the migration Job after; pin a 7-character git short SHA, e.g. `npm run set-image -- <env> <medusa|storefront> a1b2c3d`',
    }));
  });

  test("the medusa Deployment is a Deployment: a StatefulSet labelled app=medusa before it is not", () => {
    const sts = { ...deploymentOf("old-medusa", `${MEDUSA}:0ld0ld0`), kind: "StatefulSet" };
    expect(plan([sts, ...shop()]).results).toEqual([]);
  });

  test("the Job's init containers may run other images", () => {
    const objects = shop();
    objects.find((o) => o.kind === "Job")!.spec.template.spec.initContainers = [container("wait-for-postgres", "busybox:1.36")];
    expect(plan(objects).results).toEqual([]);
  });

  test("findings about the image name the file that set it", () => {
    const objects = shop({ medusaImage: `${MEDUSA}:latest` });
    const medusa = objects.find((o) => o.kind === "Deployment" && o.metadata!.name === "medusa")!;
    const c = medusa.spec.template.spec.containers[0];
    const out = plan(objects, pinned, { files: new Map([[medusa, "base/medusa.yaml"]]) });
    expect(out.results.map((r) => r.file?.path)).toEqual(["base/medusa.yaml"]);
    const v = view(objects);
    v.fileOf = (node, field) => (node === c && field === "image" ? "overlays/prod/kustomization.yaml" : undefined);
    expect(planMigrationJob(shopModel(v), pinned).results.map((r) => r.file?.path)).toEqual(["overlays/prod/kustomization.yaml"]);
  });

  test("a Job running another image is named with the file that set the image", () => {
    const objects = shop().map((o) => (o.kind === "Job" ? migrationJob("medusa-migrate", `${MEDUSA}:0ld0ld0`) : o));
    const job = objects.find((o) => o.kind === "Job")!;
    const v = view(objects);
    v.fileOf = (node, field) => (node === job.spec.template.spec.containers[0] && field === "image" ? "overlays/prod/job.yaml" : undefined);
    expect(planMigrationJob(shopModel(v), policy()).results.map((r) => r.file?.path)).toEqual(["overlays/prod/job.yaml"]);
  });

  test("the invalid-name and count messages say what is wrong in full", () => {
    const tag = "a".repeat(50);
    expect(plan(shop({ medusaImage: `${MEDUSA}:${tag}` })).results.map((r) => r.message)).toEqual([
      `the tag "${tag}" would name the migration Job "medusa-migrate-${tag}", which is not a DNS label (lowercase letters, digits and '-', at most 63 characters); ` +
        "pin a 7-character git short SHA, e.g. `npm run set-image -- <env> <medusa|storefront> a1b2c3d`",
    ]);
    expect(plan(shop().filter((o) => o.kind !== "Job")).results.map((r) => r.message)).toEqual(["overlays/test: expected exactly one medusa-migrate Job, found 0"]);
    expect(plan(shop().filter((o) => o.kind !== "Deployment")).results.map((r) => r.message)).toEqual(["overlays/test: no Deployment with pod label app=medusa"]);
  });

  test("no medusa Deployment is job-no-medusa, even beside another finding of the model", () => {
    const noMedusa = shop().filter((o) => !(o.kind === "Deployment" && o.metadata?.name === "medusa"));
    const twoStorefronts = [...noMedusa, deployment("a-canary", "storefront", [container("storefront", "ghcr.io/ekenheim/ecom/storefront:b60245b")])];
    expect(shopModel(view(twoStorefronts)).results.map((r) => r.message)).toEqual([expect.stringContaining("2 Deployments run pods labelled app=storefront")]);
    for (const objects of [noMedusa, twoStorefronts]) {
      expect(plan(objects).results.map((r) => r.message)).toEqual(["overlays/test: no Deployment with pod label app=medusa"]);
    }
  });

  test("two medusa Deployments are the model's finding, not job-no-medusa", () => {
    const out = plan([...shop(), deploymentOf("a-canary", `${MEDUSA}:b60245b`)]);
    expect(out.plan).toBeUndefined();
    expect(out.results).toEqual([]);
  });

  test("a name suffix still to come counts toward the 63 characters", () => {
    const tag = "a".repeat(63 - "medusa-migrate-".length);
    expect(plan(shop({ medusaImage: `${MEDUSA}:${tag}` }), policy(), { nameSuffix: "-x" }).plan).toBeUndefined();
  });
});

describe("planMigrationJob on a build handed to a plugin, before kustomize fixed names", () => {
  const renamed = (name: string, previous: string) => {
    const objects = shop({ jobName: name });
    const job = objects.find((o) => o.kind === "Job")!;
    job.metadata!.annotations = { "internal.config.kubernetes.io/previousNames": previous, "internal.config.kubernetes.io/previousKinds": previous.split(",").map(() => "Job").join(",") };
    return objects;
  };
  test("a nameSuffix after the old tag stays after the new one", () => {
    expect(plan(renamed("medusa-migrate-0000000-eu", "medusa-migrate,medusa-migrate-0000000")).plan?.name).toBe("medusa-migrate-b60245b-eu");
    expect(plan(renamed("shop-medusa-migrate-0000000-eu", "medusa-migrate,medusa-migrate-0000000")).plan?.name).toBe("shop-medusa-migrate-b60245b-eu");
    // Renamed after its tag only: what follows the untagged name is the old tag, not a suffix.
    expect(plan(renamed("medusa-migrate-0000000", "medusa-migrate")).plan?.name).toBe("medusa-migrate-b60245b");
  });
  test("without a suffix, or names of another kind, nothing is added", () => {
    expect(plan(renamed("shop-medusa-migrate-0000000", "medusa-migrate,medusa-migrate-0000000")).plan?.name).toBe("shop-medusa-migrate-b60245b");
    const other = renamed("medusa-migrate-0000000-eu", "medusa-migrate-0000000");
    other.find((o) => o.kind === "Job")!.metadata!.annotations!["internal.config.kubernetes.io/previousKinds"] = "CronJob";
    expect(plan(other).plan?.name).toBe("medusa-migrate-b60245b");
  });
});
