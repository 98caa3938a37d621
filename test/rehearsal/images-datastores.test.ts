/**
 * How the third-party images are told apart and refused, and the PNGs the demo-asset stand-in
 * serves. Making the images themselves needs the Debian packages and is checked by running them.
 */
import { inflateSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { datastoreImage, repositoryOf } from "./images-datastores.ts";
import { pngFor, solidPng } from "./images-external-assets-server.ts";

describe("repositoryOf", () => {
  it.each([
    ["postgres:17-alpine", "postgres", "17-alpine"],
    ["docker.io/library/postgres:17", "postgres", "17"],
    ["ghcr.io/versity/versitygw:v1.8.0", "versity/versitygw", "v1.8.0"],
    ["amazon/aws-cli:2.27.9", "amazon/aws-cli", "2.27.9"],
    ["busybox", "busybox", "latest"],
    ["localhost:5000/redis:7", "redis", "7"],
    ["getmeili/meilisearch:v1.12.8@sha256:0123", "getmeili/meilisearch", "v1.12.8"],
  ])("%s is %s at %s", (ref, repository, tag) => {
    expect(repositoryOf(ref)).toEqual({ repository, tag });
  });
});

describe("datastoreImage", () => {
  const log = () => {};

  it("refuses an image it does not know, naming it and the ones it knows", async () => {
    await expect(datastoreImage("nginx:1.27", { log })).rejects.toThrow(/^nginx:1\.27: not a third-party image the rehearsal can make \(known: postgres, redis/);
    await expect(datastoreImage("ghcr.io/ekenheim/ecom/medusa:dev", { log })).rejects.toThrow(/ecom\/medusa:dev: not a third-party image/);
  });

  it("refuses an object store tag that names no module version, before building anything", async () => {
    await expect(datastoreImage("ghcr.io/versity/versitygw:latest", { log })).rejects.toThrow(/versitygw:latest: .*needs a release tag \(vX\.Y\.Z\)/);
  });
});

describe("demo-asset PNGs", () => {
  it("are valid 64x64 RGB images, the same for the same path and different for another", () => {
    const png = pngFor("/fashion-starter/products/astrid-curve/image.png");
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(png.readUInt32BE(16)).toBe(64);
    expect(png.readUInt32BE(20)).toBe(64);
    const idatLength = png.readUInt32BE(33);
    expect(png.subarray(37, 41).toString("ascii")).toBe("IDAT");
    expect(inflateSync(png.subarray(41, 41 + idatLength))).toHaveLength(64 * (1 + 64 * 3));
    expect(pngFor("/fashion-starter/products/astrid-curve/image.png")).toEqual(png);
    expect(pngFor("/fashion-starter/products/oslo-drift/image.png")).not.toEqual(png);
    expect(solidPng([1, 2, 3], 2)).not.toEqual(solidPng([1, 2, 4], 2));
  });
});
