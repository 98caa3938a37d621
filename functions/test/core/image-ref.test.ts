import { describe, expect, test } from "vitest";
import { formatImageRef, parseImageRef } from "../../src/core/image-ref.ts";

describe("parseImageRef", () => {
  test.each([
    ["ghcr.io/ekenheim/ecom/medusa:b60245b", { name: "ghcr.io/ekenheim/ecom/medusa", tag: "b60245b" }],
    ["ghcr.io/ekenheim/ecom/medusa", { name: "ghcr.io/ekenheim/ecom/medusa" }],
    // The port's colon comes before the last slash, so it is not a tag.
    ["registry.local:5000/ecom/medusa", { name: "registry.local:5000/ecom/medusa" }],
    ["registry.local:5000/ecom/medusa:1.2.3", { name: "registry.local:5000/ecom/medusa", tag: "1.2.3" }],
    ["ghcr.io/ekenheim/ecom/medusa@sha256:abc123", { name: "ghcr.io/ekenheim/ecom/medusa", digest: "sha256:abc123" }],
    ["registry.local:5000/medusa:b60245b@sha256:abc123", { name: "registry.local:5000/medusa", tag: "b60245b", digest: "sha256:abc123" }],
    ["busybox:1.36", { name: "busybox", tag: "1.36" }],
    ["busybox", { name: "busybox" }],
    ["@sha256:abc123", { name: "", digest: "sha256:abc123" }],
    ["busybox@sha256:abc123", { name: "busybox", digest: "sha256:abc123" }],
  ])("%s", (image, ref) => {
    expect(parseImageRef(image)).toStrictEqual(ref);
  });

  test.each([
    "ghcr.io/ekenheim/ecom/medusa:b60245b",
    "registry.local:5000/ecom/medusa",
    "registry.local:5000/medusa:b60245b@sha256:abc123",
    "medusa@sha256:abc123",
  ])("%s formats back to itself", (image) => {
    expect(formatImageRef(parseImageRef(image))).toBe(image);
  });

  test("an empty tag is kept, so a trailing colon round-trips", () => {
    expect(parseImageRef("medusa:")).toEqual({ name: "medusa", tag: "" });
  });
});
