/**
 * What the in-function composition (package-view.ts) models of a
 * kustomization, as an allow-list: every other field kustomize accepts is
 * refused with the file and the feature, never guessed at. `npm run render`
 * derives such overlays from the real `kustomize build` instead.
 */
import { type Result, error } from "../core/results.ts";

export const RENDER_INSTEAD =
  "run `npm run render`, which derives this overlay from the real `kustomize build` (`kpt fn render` cannot run kustomize)";

/** Fields followed exactly, or that cannot change anything the function reads (noted why). */
const MODELLED = new Set([
  "apiVersion", "kind", "metadata",
  "resources", "components", "patches", "patchesStrategicMerge", "images",
  // Checked per entry below.
  "labels", "commonLabels",
  // Top level only: names and the namespace of everything at once.
  "namePrefix", "nameSuffix", "namespace",
  // Replica counts and annotations are not read; generated Secrets count by name, their data is never read.
  "replicas", "commonAnnotations", "secretGenerator", "generatorOptions",
]);
const TOP_LEVEL_ONLY = new Set(["namePrefix", "nameSuffix", "namespace"]);
const PATCH_KEYS = new Set(["path", "patch", "target", "options"]);
const TARGET_KEYS = new Set(["group", "version", "kind", "name"]);
const LABEL_KEYS = new Set(["pairs", "includeSelectors", "includeTemplates"]);
const IMAGE_KEYS = new Set(["name", "newName", "newTag", "digest"]);
/** The label roles are told apart by (roles.ts): a transformer that sets it would move objects between roles. */
const ROLE_LABEL = "app";

export function refusalsOf(k: any, file: string, isRoot: boolean): Result[] {
  const out: Result[] = [];
  const refuse = (field: string, what: string) =>
    out.push(error("not-modelled", `${what} is not modelled by the function's own composition of overlays; ${RENDER_INSTEAD}`, { file, field }));
  if (typeof k !== "object" || k === null || Array.isArray(k)) {
    refuse("(root)", "a kustomization that is not a mapping");
    return out;
  }
  for (const key of Object.keys(k)) {
    if (!MODELLED.has(key)) refuse(key, `\`${key}\``);
    else if (TOP_LEVEL_ONLY.has(key) && !isRoot) refuse(key, `\`${key}\` in a nested kustomization or component (it covers only part of the build)`);
  }
  for (const key of ["resources", "components", "patches", "patchesStrategicMerge", "images", "labels"]) {
    if (k[key] !== undefined && k[key] !== null && !Array.isArray(k[key])) refuse(key, `\`${key}\` that is not a list`);
  }
  for (const [i, entry] of list(k.resources).entries()) {
    if (typeof entry !== "string") refuse(`resources[${i}]`, "a resource entry that is not a path");
    else if (/^[a-z][a-z0-9+.-]*:\/\/|^(git@|github\.com\/)/i.test(entry)) refuse(`resources[${i}]`, `the remote resource "${entry}"`);
  }
  for (const [i, entry] of list(k.components).entries()) {
    if (typeof entry !== "string") refuse(`components[${i}]`, "a component entry that is not a path");
  }
  for (const [i, entry] of list(k.patchesStrategicMerge).entries()) {
    if (typeof entry !== "string" || entry.includes("\n")) refuse(`patchesStrategicMerge[${i}]`, "an inline patchesStrategicMerge entry");
  }
  for (const [i, p] of list(k.patches).entries()) {
    const at = `patches[${i}]`;
    if (typeof p !== "object" || p === null) {
      refuse(at, "a patch entry that is not a mapping");
      continue;
    }
    for (const key of Object.keys(p)) if (!PATCH_KEYS.has(key)) refuse(`${at}.${key}`, `the patch field \`${key}\``);
    if ((typeof p.path === "string") === (typeof p.patch === "string")) refuse(at, "a patch without exactly one of `path` and `patch`");
    for (const key of Object.keys(p.target ?? {})) {
      if (!TARGET_KEYS.has(key)) refuse(`${at}.target.${key}`, `selecting patch targets by \`${key}\``);
      else if (typeof p.target[key] !== "string") refuse(`${at}.target.${key}`, "a target selector that is not a string");
    }
    for (const [key, value] of Object.entries(p.options ?? {})) {
      if (key !== "allowNameChange" || typeof value !== "boolean") refuse(`${at}.options.${key}`, `the patch option \`${key}\``);
    }
  }
  for (const [i, image] of list(k.images).entries()) {
    for (const key of Object.keys(image ?? {})) if (!IMAGE_KEYS.has(key)) refuse(`images[${i}].${key}`, `the image field \`${key}\``);
    if (typeof image?.name !== "string") refuse(`images[${i}].name`, "an image entry without a name");
  }
  for (const [i, entry] of list(k.labels).entries()) {
    for (const key of Object.keys(entry ?? {})) {
      if (!LABEL_KEYS.has(key)) refuse(`labels[${i}].${key}`, `the \`labels\` field \`${key}\``);
    }
    if (entry?.pairs && ROLE_LABEL in entry.pairs) refuse(`labels[${i}].pairs.${ROLE_LABEL}`, `a \`labels\` transformer that sets \`${ROLE_LABEL}\``);
  }
  if (k.commonLabels && ROLE_LABEL in k.commonLabels) refuse(`commonLabels.${ROLE_LABEL}`, `\`commonLabels\` that set \`${ROLE_LABEL}\``);
  return out;
}

const list = (v: unknown): any[] => (Array.isArray(v) ? v : []);
