/**
 * `npm run render` hands the function the real `kustomize build` of each
 * overlay as its functionConfig, so an overlay whose kustomization the
 * in-function composition refuses is derived from what kustomize builds.
 * `kpt fn render` cannot run kustomize and sends no such config.
 */
import { CORE_SCHEMA, loadAll } from "js-yaml";
import { type KubeObject, isPlainObject } from "../core/kube.ts";
import { type Result, error } from "../core/results.ts";
import { yamlLib } from "../core/yaml-lib.ts";

export const BUILDS_KIND = "OverlayBuilds";

export const isBuildsObject = (fc: unknown): boolean => isPlainObject(fc) && fc.kind === BUILDS_KIND;

export function parseOverlayBuilds(fc: any): { builds: Map<string, KubeObject[]> } | { results: Result[] } {
  const builds = new Map<string, KubeObject[]>();
  if (!isPlainObject(fc.builds)) return { results: [error("builds-invalid", `${BUILDS_KIND}: builds must map each overlay directory to its kustomize build`, { field: "builds" })] };
  for (const [overlay, text] of Object.entries(fc.builds)) {
    const field = `builds.${overlay}`;
    if (typeof text !== "string") return { results: [error("builds-invalid", `${BUILDS_KIND}: must be the text of a kustomize build`, { field })] };
    const docs = documentsOf(text);
    if ("problem" in docs) return { results: [error("builds-invalid", `${BUILDS_KIND}: not YAML: ${docs.problem}`, { field })] };
    // An empty document (between two `---`, or only comments) reads as null.
    const objects = docs.filter((o) => o !== null && o !== undefined);
    if (!objects.every(isPlainObject)) return { results: [error("builds-invalid", `${BUILDS_KIND}: a document is not an object`, { field })] };
    builds.set(overlay, objects as KubeObject[]);
  }
  return { builds };
}

/**
 * A build's documents, read by js-yaml (several times faster on a whole build); what it refuses is
 * read again by `yaml`, whose first message line is the one reported.
 */
function documentsOf(text: string): unknown[] | { problem: string } {
  try {
    return loadAll(text, null, { schema: CORE_SCHEMA });
  } catch {
    const bad = yamlLib().parseAllDocuments(text).find((doc) => doc.errors.length);
    return bad ? { problem: bad.errors[0]!.message.split("\n")[0]! } : yamlLib().parseAllDocuments(text).map((doc) => doc.toJS());
  }
}
