/**
 * Core: edits to a YAML document that keep its comments and read back the same in YAML 1.1 and 1.2.
 */
import type { Document } from "yaml";
import { yamlLib } from "./yaml-lib.ts";

/**
 * Writes a string so both YAML 1.1 readers (kubectl, kustomize) and YAML 1.2
 * readers get a string back: `yes`, `on` or `1234567` are double-quoted.
 */
export function setString(doc: Document, path: readonly string[], value: string): boolean {
  const { Scalar: ScalarNode, isScalar } = yamlLib();
  const current = doc.getIn(path, true);
  if (isScalar(current) && current.value === value) return false;
  const node = isScalar(current) ? current : new ScalarNode(value);
  node.value = value;
  if (!readsAsString(value)) node.type = ScalarNode.QUOTE_DOUBLE;
  doc.setIn(path, node);
  return true;
}

/** Makes the mapping at `path` hold exactly `values`, editing in place so untouched lines keep their text. */
export function setStringMap(doc: Document, path: readonly string[], values: Record<string, string>): boolean {
  let changed = false;
  const map = doc.getIn(path, true);
  if (yamlLib().isMap(map)) {
    for (const pair of [...map.items]) {
      // A scalar key is written as its value.
      const key = String(pair.key);
      if (!Object.hasOwn(values, key)) {
        map.delete(pair.key);
        changed = true;
      }
    }
  }
  for (const [key, value] of Object.entries(values)) changed = setString(doc, [...path, key], value) || changed;
  return changed;
}

export function readsAsString(value: string): boolean {
  return (["1.1", "1.2"] as const).every((version) => {
    try {
      return yamlLib().parse(value, { version }) === value;
    } catch {
      return false;
    }
  });
}
