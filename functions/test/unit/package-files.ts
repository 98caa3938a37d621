import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parseAllDocuments } from "yaml";
import type { KubeObject } from "../../src/kube.ts";
import { PackageIndex } from "../../src/package-view.ts";
import { type Item, newItem } from "../../src/resource-list.ts";
import { tool } from "../../../test/support/tools.ts";

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

/** What the real `kustomize build` of `dir` emits for these files. */
export function kustomizeBuild(files: Record<string, string>, dir: string): KubeObject[] {
  const root = mkdtempSync(join(tmpdir(), "ecom-package-view-"));
  try {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    const out = execFileSync(tool("kustomize"), ["build", join(root, dir)], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    return parseAllDocuments(out).map((d) => d.toJS() as KubeObject);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
