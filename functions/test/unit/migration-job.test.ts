import { describe, expect, test } from "vitest";
import { planMigrationJob } from "../../src/migration-job.ts";
import { migrationJob, policy, shop, view } from "./helpers.ts";

const pinned = policy({ requirePinnedSha: true });
const plan = (objects = shop(), p = policy(), opts = {}) => planMigrationJob(view(objects, opts), p);
const MEDUSA = "ghcr.io/ekenheim/ecom/medusa";

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
