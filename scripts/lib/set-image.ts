/**
 * Pins an app image tag in an overlay's kustomization.yaml by replacing the tag's own characters
 * and nothing else: comments, quoting and layout of the rest of the file stay byte for byte.
 */
import { isMap, isScalar, isSeq, parseDocument } from "yaml";
import { SHORT_SHA } from "../../functions/src/core/shop-objects.ts";

export const APP_IMAGES = {
  medusa: "ghcr.io/ekenheim/ecom/medusa",
  storefront: "ghcr.io/ekenheim/ecom/storefront",
} as const;

export type App = keyof typeof APP_IMAGES;

export function isApp(name: string): name is App {
  return Object.hasOwn(APP_IMAGES, name);
}

/** Why `sha` is not a tag the app workflows publish, or undefined. */
export function shaProblem(sha: string): string | undefined {
  if (SHORT_SHA.test(sha)) return undefined;
  if (/^[0-9a-fA-F]{7}$/.test(sha)) return `'${sha}' has upper-case letters; git short SHAs (and the published tags) are lower case`;
  if (/^[0-9a-f]{8,40}$/.test(sha)) return `'${sha}' is ${sha.length} characters; the images are tagged with the 7-character short SHA (${sha.slice(0, 7)})`;
  return `'${sha}' is not a 7-character lower-case hex short SHA`;
}

export interface Edit {
  text: string;
  previous: string;
}

export function setImageTag(source: string, image: string, tag: string): Edit {
  const problem = shaProblem(tag);
  if (problem) throw new Error(problem);
  const doc = parseDocument(source);
  if (doc.errors.length > 0) throw new Error(`kustomization.yaml does not parse: ${doc.errors[0]!.message}`);
  const images = doc.get("images");
  if (!isSeq(images)) throw new Error("kustomization.yaml has no `images:` list");
  const entry = images.items.find((i) => isMap(i) && i.get("name") === image);
  if (!isMap(entry)) throw new Error(`kustomization.yaml has no images entry named ${image}`);
  const node = entry.get("newTag", true);
  if (!isScalar(node) || !node.range) throw new Error(`the images entry ${image} has no newTag to replace; add \`newTag: "<sha>"\` first`);
  const [start, end] = node.range;
  // Always double-quoted: a short SHA like 1234567 or 12e4567 would otherwise be read as a number.
  const text = `${source.slice(0, start)}"${tag}"${source.slice(end)}`;
  const check = parseDocument(text).getIn(["images", images.items.indexOf(entry), "newTag"]);
  if (check !== tag) throw new Error(`internal: the edit produced newTag ${JSON.stringify(check)}, not "${tag}"`);
  return { text, previous: String(node.value) };
}

/** Files whose content differs between two snapshots and are not in `allowed`. */
export function unexpectedChanges(before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>, allowed: (path: string) => boolean): string[] {
  const paths = new Set([...before.keys(), ...after.keys()]);
  return [...paths].filter((p) => before.get(p) !== after.get(p) && !allowed(p)).sort();
}
