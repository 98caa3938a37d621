/**
 * Overlays that pull the published images pin only tags that exist: the app repository builds an
 * image only for commits touching its directory (docs/published-images.yaml lists the verified ones).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { howToFindTag, parsePublishedImages, readPublishedImages, unpublishedProblem } from "../../scripts/lib/published-images.ts";
import { APP_IMAGES } from "../../scripts/lib/set-image.ts";
import { built, overlayDirs } from "../support/builds.ts";
import { containersOf, imageRepo, imageTag, workloads } from "../support/k8s.ts";
import { REPO_ROOT } from "../support/tools.ts";

const table = readPublishedImages(REPO_ROOT);

/** Overlays whose policy requires pinned SHAs pull published images; dev builds its own. */
const pinnedOverlays = overlayDirs().filter(
  (o) => (parse(readFileSync(join(REPO_ROOT, o, "policy/policy.yaml"), "utf8")) as { spec?: { requirePinnedSha?: boolean } }).spec?.requirePinnedSha === true,
);

describe("docs/published-images.yaml", () => {
  it("lists both app images with the workflow and directory that publish them", () => {
    expect([...table.keys()].sort()).toEqual(Object.values(APP_IMAGES).sort());
    expect(table.get(APP_IMAGES.medusa)).toMatchObject({ workflow: ".github/workflows/docker-backend.yml", paths: expect.arrayContaining(["medusa/"]) });
    expect(table.get(APP_IMAGES.storefront)).toMatchObject({ workflow: ".github/workflows/docker-storefront.yml", paths: expect.arrayContaining(["storefront/"]) });
  });

  it("knows that b60245b built the storefront but never the medusa image", () => {
    expect(unpublishedProblem(table, APP_IMAGES.storefront, "b60245b")).toBeUndefined();
    expect(unpublishedProblem(table, APP_IMAGES.medusa, "b60245b")).toMatch(/not a known published tag: only commits that touch medusa\//);
    expect(howToFindTag(table, APP_IMAGES.medusa)).toContain("-- medusa/ .github/workflows/docker-backend.yml");
  });

  it("refuses a malformed table by name instead of reading it as empty", () => {
    expect(() => parsePublishedImages("images:\n  x:\n    workflow: w\n    paths: [a/]\n    tags: [{tag: 1234567}]\n", "t.yaml")).toThrow(/t\.yaml: images\.x needs/);
    expect(() => parsePublishedImages("other: 1\n", "t.yaml")).toThrow(/no `images:` map/);
  });
});

describe("overlays pin only published tags", () => {
  it("finds the overlays that pull published images", () => {
    expect(pinnedOverlays).toEqual(expect.arrayContaining(["overlays/prod", "overlays/home-ops"]));
  });

  for (const overlay of pinnedOverlays) {
    it(`${overlay}: every app image tag is in docs/published-images.yaml`, () => {
      const problems = workloads(built(overlay).objects)
        .flatMap(containersOf)
        .filter(({ container: c }) => table.has(imageRepo(c.image ?? "")))
        .flatMap(({ where, container: c }) => {
          const p = unpublishedProblem(table, imageRepo(c.image!), imageTag(c.image!) ?? "");
          return p ? [`${where}: ${p}`] : [];
        });
      expect(problems).toEqual([]);
    });
  }
});
