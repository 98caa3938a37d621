/** Reading docs/published-images.yaml and the advice given for a tag that is not in it. */
import { describe, expect, it } from "vitest";
import { howToFindTag, parsePublishedImages, unpublishedProblem } from "../../scripts/lib/published-images.ts";

const TABLE = `
images:
  registry.example/shop/api:
    workflow: .github/workflows/api.yml
    paths: [api/, .github/workflows/api.yml]
    tags:
      - tag: "1234567"
        date: "2026-01-01"
      - tag: "89abcde"
  registry.example/shop/web:
    workflow: .github/workflows/web.yml
    paths: [web/]
    tags: []
`;

describe("parsePublishedImages", () => {
  it("reads each image's workflow, paths and tags", () => {
    expect(parsePublishedImages(TABLE, "t.yaml")).toEqual(
      new Map([
        ["registry.example/shop/api", { workflow: ".github/workflows/api.yml", paths: ["api/", ".github/workflows/api.yml"], tags: ["1234567", "89abcde"] }],
        ["registry.example/shop/web", { workflow: ".github/workflows/web.yml", paths: ["web/"], tags: [] }],
      ]),
    );
  });

  it("names the table file when it has no images map (by default docs/published-images.yaml)", () => {
    for (const text of ["", "other: 1\n", "images:\n", "images: 5\n", "images: some text\n"]) {
      expect(() => parsePublishedImages(text)).toThrow(new Error("docs/published-images.yaml: no `images:` map"));
    }
    expect(() => parsePublishedImages("other: 1\n", "t.yaml")).toThrow(new Error("t.yaml: no `images:` map"));
  });

  it.each([
    ["an empty entry", "x:\n"],
    ["no workflow", "x: {paths: [a/], tags: []}\n"],
    ["a workflow that is no string", "x: {workflow: [w], paths: [a/], tags: []}\n"],
    ["no paths", "x: {workflow: w, tags: []}\n"],
    ["paths that are one string", "x: {workflow: w, paths: a/, tags: []}\n"],
    ["a path that is no string", "x: {workflow: w, paths: [a/, 1], tags: []}\n"],
    ["no tags", "x: {workflow: w, paths: [a/]}\n"],
    ["tags that are a map", "x: {workflow: w, paths: [a/], tags: {tag: '1234567'}}\n"],
    ["a tag that is a bare string", "x: {workflow: w, paths: [a/], tags: ['1234567']}\n"],
    ["an empty tag entry", "x: {workflow: w, paths: [a/], tags: [~]}\n"],
    ["a tag YAML reads as a number", "x: {workflow: w, paths: [a/], tags: [{tag: 1234567}]}\n"],
  ])("refuses an entry with %s, naming it", (_, entry) => {
    const text = `images:\n  ok: {workflow: w, paths: [a/], tags: []}\n${entry.replace(/^/gm, "  ").trimEnd()}\n`;
    expect(() => parsePublishedImages(text, "t.yaml")).toThrow(new Error("t.yaml: images.x needs workflow, paths and tags[].tag (all strings)"));
  });
});

describe("advice for a tag that is not listed", () => {
  const table = parsePublishedImages(TABLE);

  it("accepts a listed tag of that image only", () => {
    expect(unpublishedProblem(table, "registry.example/shop/api", "89abcde")).toBeUndefined();
    expect(unpublishedProblem(table, "registry.example/shop/web", "89abcde")).toMatch(/^registry\.example\/shop\/web:89abcde is not a known published tag: /);
  });

  it("says which commits publish the image and how to find the newest one", () => {
    const advice =
      "only commits that touch api/ or .github/workflows/api.yml publish registry.example/shop/api (.github/workflows/api.yml); " +
      "in the app repository, `git log -1 --format=%h origin/main -- api/ .github/workflows/api.yml` prints the newest such commit. " +
      "Check the tag exists on the registry, then add it to docs/published-images.yaml";
    expect(howToFindTag(table, "registry.example/shop/api")).toBe(advice);
    expect(unpublishedProblem(table, "registry.example/shop/api", "0000000")).toBe(`registry.example/shop/api:0000000 is not a known published tag: ${advice}`);
  });

  it("says when the image is not in the table at all", () => {
    expect(howToFindTag(table, "registry.example/shop/admin")).toBe("registry.example/shop/admin is not in docs/published-images.yaml");
    expect(unpublishedProblem(table, "registry.example/shop/admin", "1234567")).toBe(
      "registry.example/shop/admin:1234567 is not a known published tag: registry.example/shop/admin is not in docs/published-images.yaml",
    );
  });
});
