/** A package as the ResourceList kpt hands the function, and the function's answer to it: its output, results and files. */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { parse, parseAllDocuments } from "yaml";
import { readResourceList } from "../../src/core/resource-list.ts";
import type { Result } from "../../src/core/results.ts";
import { respond } from "../../src/entry/run.ts";
import { kustomizeBuild } from "../../../test/support/tools.ts";

export const FIXTURES = fileURLToPath(new URL("../fixtures", import.meta.url));

const PATH = "config.kubernetes.io/path";

/** The fixtures' shared package (a base and a rendered prod overlay), file path to text. */
export function fixturePackage(): Record<string, string> {
  const root = join(FIXTURES, "_package");
  const files: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else files[relative(root, path)] = readFileSync(path, "utf8");
    }
  };
  walk(root);
  return files;
}

/**
 * A package as kpt hands it to the function: a ResourceList with one item per document at column 0,
 * each annotated with its file. A file given as undefined is left out.
 */
export function packageList(files: Record<string, string | undefined>, functionConfig?: unknown): string {
  const items = Object.entries(files).flatMap(([path, text]) =>
    text === undefined ? [] : parseAllDocuments(text).filter((doc) => doc.contents !== null).map((doc) => {
      doc.setIn(["metadata", "annotations", PATH], path);
      return doc.toString({ directives: false }).trimEnd().split("\n").map((l, i) => (i ? `  ${l}` : `- ${l}`)).join("\n");
    }));
  const config = functionConfig === undefined ? [] : [`functionConfig: ${JSON.stringify(functionConfig)}`];
  return ["apiVersion: config.kubernetes.io/v1", "kind: ResourceList", "items:", ...items, ...config, ""].join("\n");
}

/** What an output ResourceList would have kpt write: each file's documents, annotations and all. */
export function filesOf(resourceList: string): Map<string, string[]> {
  const files = new Map<string, string[]>();
  for (const item of readResourceList(resourceList).items) {
    const path = item.path ?? "";
    files.set(path, [...(files.get(path) ?? []), item.source]);
  }
  return files;
}

/** One run of the function over a ResourceList: what it prints, its results and the files kpt would write. */
export function answer(input: string | (() => string)) {
  const out = { stdout: "", stderr: "" };
  const exitCode = respond(typeof input === "string" ? () => input : input, { write: (t: string) => (out.stdout += t) }, { write: (t: string) => (out.stderr += t) });
  return { exitCode, ...out, results: (parse(out.stdout).results ?? []) as Result[], files: filesOf(out.stdout) };
}

/** The real `kustomize build` of one overlay of a package, as `npm run render` hands it over. */
export function buildOf(files: Record<string, string | undefined>, overlay: string): string {
  const root = mkdtempSync(join(tmpdir(), "ecom-fn-build-"));
  try {
    for (const [path, text] of Object.entries(files)) {
      if (text === undefined) continue;
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    return kustomizeBuild(join(root, overlay));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
