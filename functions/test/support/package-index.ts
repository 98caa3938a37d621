/** A kpt package's files as the items and index package-view.ts reads, and what the real kustomize builds of them. */
import type { KubeObject } from "../../src/core/kube.ts";
import { PackageIndex } from "../../src/package/package-view.ts";
import { type Item, newItem } from "../../src/core/resource-list.ts";
import { parseAll } from "../../../test/support/tools.ts";
import { buildOf } from "./resource-lists.ts";

const PATH_ANNOTATION = "config.kubernetes.io/path";

/**
 * Package files as kpt hands them over: one item per YAML document, each annotated with its path.
 * The annotation is added as text, so every scalar keeps the spelling it was written with.
 */
export function itemsOf(files: Record<string, string>): Item[] {
  return Object.entries(files).flatMap(([path, text]) =>
    text.split(/^---\n/m).filter((doc) => doc.trim() !== "").map((doc) => {
      const annotated = /^metadata:\n/m.test(doc)
        ? doc.replace(/^metadata:\n/m, `metadata:\n  annotations:\n    ${PATH_ANNOTATION}: '${path}'\n`)
        : `${doc.trimEnd()}\nmetadata:\n  annotations:\n    ${PATH_ANNOTATION}: '${path}'\n`;
      return newItem(annotated);
    }));
}

export const packageOf = (files: Record<string, string>): PackageIndex => new PackageIndex(itemsOf(files));

/** Objects as they leave the build, without the annotation kpt adds to know each one's file. */
export function withoutPaths(objects: readonly KubeObject[]): KubeObject[] {
  return objects.map((o) => {
    const copy = structuredClone(o);
    const annotations = copy.metadata?.annotations;
    if (annotations) {
      delete annotations[PATH_ANNOTATION];
      if (Object.keys(annotations).length === 0) delete copy.metadata!.annotations;
    }
    return copy;
  });
}

/** What the real `kustomize build` of `dir` emits for these files, as objects. */
export const builtObjectsOf = (files: Record<string, string>, dir: string): KubeObject[] => parseAll(buildOf(files, dir));
