import { parseAllDocuments } from "yaml";
import { type KubeObject, isPlainObject } from "./kube.ts";
import { type Result, error } from "./results.ts";

/**
 * `npm run render` hands the function the real `kustomize build` of each
 * overlay as its functionConfig, so an overlay whose kustomization the
 * in-function composition refuses is derived from what kustomize builds.
 * `kpt fn render` cannot run kustomize and sends no such config.
 */
export const BUILDS_KIND = "OverlayBuilds";

export const isBuildsObject = (fc: unknown): boolean => isPlainObject(fc) && fc.kind === BUILDS_KIND;

export function parseOverlayBuilds(fc: any): { builds: Map<string, KubeObject[]> } | { results: Result[] } {
  const builds = new Map<string, KubeObject[]>();
  if (!isPlainObject(fc.builds)) return { results: [error("builds-invalid", `${BUILDS_KIND}: builds must map each overlay directory to its kustomize build`, { field: "builds" })] };
  for (const [overlay, text] of Object.entries(fc.builds)) {
    const field = `builds.${overlay}`;
    if (typeof text !== "string") return { results: [error("builds-invalid", `${BUILDS_KIND}: must be the text of a kustomize build`, { field })] };
    const objects: KubeObject[] = [];
    for (const doc of parseAllDocuments(text)) {
      if (doc.errors.length) return { results: [error("builds-invalid", `${BUILDS_KIND}: not YAML: ${doc.errors[0]!.message.split("\n")[0]}`, { field })] };
      const o = doc.toJS();
      // An empty document (between two `---`, or only comments) reads as null.
      if (o === null) continue;
      if (!isPlainObject(o)) return { results: [error("builds-invalid", `${BUILDS_KIND}: a document is not an object`, { field })] };
      objects.push(o as KubeObject);
    }
    builds.set(overlay, objects);
  }
  return { builds };
}
