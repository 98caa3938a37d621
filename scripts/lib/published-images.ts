/**
 * The table of image tags known to exist (docs/published-images.yaml). The app repository builds
 * an image only for commits that touch that image's directory, so a commit's short SHA is usually
 * NOT a tag of both images: pinning one that was never built leaves the pods in ImagePullBackOff.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";

export const PUBLISHED_IMAGES_FILE = "docs/published-images.yaml";

export interface PublishedImage {
  workflow: string;
  /** what a commit must touch for the workflow to publish its short SHA */
  paths: string[];
  tags: string[];
}

export type PublishedImages = ReadonlyMap<string, PublishedImage>;

const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === "string");

/** Parses the table; a malformed entry is an error naming it, never skipped. */
export function parsePublishedImages(text: string, file = PUBLISHED_IMAGES_FILE): PublishedImages {
  const doc = parse(text) as { images?: Record<string, any> } | null;
  if (!doc?.images || typeof doc.images !== "object") throw new Error(`${file}: no \`images:\` map`);
  const out = new Map<string, PublishedImage>();
  for (const [image, entry] of Object.entries(doc.images)) {
    const tags = Array.isArray(entry?.tags) ? entry.tags.map((t: any) => t?.tag) : undefined;
    if (typeof entry?.workflow !== "string" || !isStrings(entry.paths) || !isStrings(tags)) {
      throw new Error(`${file}: images.${image} needs workflow, paths and tags[].tag (all strings)`);
    }
    out.set(image, { workflow: entry.workflow, paths: entry.paths, tags });
  }
  return out;
}

export function readPublishedImages(repoRoot: string): PublishedImages {
  return parsePublishedImages(readFileSync(join(repoRoot, PUBLISHED_IMAGES_FILE), "utf8"));
}

/** How to find a tag that exists, in the app repository's own terms. */
export function howToFindTag(images: PublishedImages, image: string): string {
  const entry = images.get(image);
  if (!entry) return `${image} is not in ${PUBLISHED_IMAGES_FILE}`;
  return (
    `only commits that touch ${entry.paths.join(" or ")} publish ${image} (${entry.workflow}); ` +
    `in the app repository, \`git log -1 --format=%h origin/main -- ${entry.paths.join(" ")}\` prints the newest such commit. ` +
    `Check the tag exists on the registry, then add it to ${PUBLISHED_IMAGES_FILE}`
  );
}

/** Why `image:tag` is not known to be published, or undefined. */
export function unpublishedProblem(images: PublishedImages, image: string, tag: string): string | undefined {
  if (images.get(image)?.tags.includes(tag)) return undefined;
  return `${image}:${tag} is not a known published tag: ${howToFindTag(images, image)}`;
}
