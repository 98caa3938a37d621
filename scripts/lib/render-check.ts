/**
 * The real kustomize judges every render: each overlay is built with the
 * standalone kustomize and the function runs over that build (plugin mode),
 * deriving every value again from what would really be deployed. Any value
 * it would change, and any finding, means the function's own composition of
 * the overlay disagreed with kustomize, and the render must not stand.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { parse, parseAllDocuments } from "yaml";

export interface Disagreement {
  overlay: string;
  /** A code of docs/errors.md: the function's own for its findings over the build. */
  code: string;
  message: string;
}

interface Outcome {
  ok: boolean;
  stdout: string;
  stderr: string;
}

function exec(bin: string, args: string[]): Outcome {
  const out = spawnSync(bin, args, { encoding: "utf8", maxBuffer: 1 << 30 });
  if (out.error) return { ok: false, stdout: "", stderr: `cannot run ${bin}: ${out.error.message}` };
  return { ok: out.status === 0, stdout: out.stdout, stderr: out.stderr };
}

/** Each overlay the function renders: the directory two levels above a DeployPolicy's file, with the policy. */
export function policiesOf(kpt: string, root: string): { overlay: string; policy: unknown }[] | string {
  const src = exec(kpt, ["fn", "source", root]);
  if (!src.ok) return `kpt fn source failed: ${src.stderr.trim()}`;
  // kpt lists every item, each with metadata and the annotations that say where it was read from.
  const list = parse(src.stdout) as { items: any[] };
  return list.items
    .filter((i) => i.kind === "DeployPolicy")
    .map((i) => {
      const annotations: Record<string, string> = i.metadata.annotations;
      const path = annotations["internal.config.kubernetes.io/path"]!;
      const { annotations: _a, ...metadata } = i.metadata;
      const kept = Object.fromEntries(Object.entries(annotations).filter(([k]) => !k.includes("config.kubernetes.io/")));
      const policy = { ...i, metadata: Object.keys(kept).length ? { ...metadata, annotations: kept } : metadata };
      return { overlay: path.split("/").slice(0, -2).join("/"), policy };
    });
}

/** `kustomize build` of one overlay: its text, or why it failed. */
export function buildOverlay(kustomize: string, root: string, overlay: string): { text: string } | { problem: string } {
  const built = exec(kustomize, ["build", join(root, overlay)]);
  return built.ok ? { text: built.stdout } : { problem: `\`kustomize build ${overlay}\` fails: ${built.stderr.trim()}` };
}

/** The function's config for a package render: every overlay's real build, for what its composition does not model. */
export function overlayBuildsConfig(builds: Record<string, string>): string {
  return JSON.stringify({ apiVersion: "fn.ecom.ekenheim.dev/v1alpha1", kind: "OverlayBuilds", metadata: { name: "builds" }, builds });
}

/** The function's `respond` (functions/src/run.ts), as the bundle exports it: one run, input in, answer out. */
export type Respond = (readInput: () => string, stdout: { write(text: string): unknown }, stderr: { write(text: string): unknown }) => number;

/**
 * Runs the function over one overlay's `kustomize build` with the overlay's policy: `build` when the
 * caller has the build of exactly these files already, else a new one. The function runs in this
 * process (`respond`, imported from the bundle), as it would read the same ResourceList on stdin.
 */
export function judgeOverlay(
  tools: { kustomize: string; respond: Respond }, root: string, overlay: string, policy: unknown, build?: string,
): Disagreement[] {
  const at = (message: string, code = "render-disagrees"): Disagreement => ({ overlay, code, message });
  const built = build === undefined ? buildOverlay(tools.kustomize, root, overlay) : { text: build };
  if ("problem" in built) return [at(`after the render, ${built.problem}`, "render-build-failed")];
  // kustomize prints one document per object, never an empty one.
  const items = parseAllDocuments(built.text).map((d) => d.toJS());
  const input = JSON.stringify({ apiVersion: "config.kubernetes.io/v1", kind: "ResourceList", items, functionConfig: policy });
  let stdout = "";
  let stderr = "";
  let status: number;
  try {
    status = tools.respond(() => input, { write: (text) => (stdout += text) }, { write: (text) => (stderr += text) });
  } catch (err) {
    return [at(`the function failed over \`kustomize build ${overlay}\`: ${err instanceof Error ? err.message : String(err)}`, "internal")];
  }
  let output: { items?: any[]; results?: any[] };
  try {
    output = parse(stdout) ?? {};
  } catch {
    return [at(`the function over \`kustomize build ${overlay}\` printed no ResourceList: ${stderr.trim()}`, "internal")];
  }
  const out: Disagreement[] = [];
  (output.items ?? []).forEach((after, i) => {
    for (const d of differences(items[i], after, "")) {
      out.push(at(`${describe(items[i])}: ${d.path}: the render left "${d.before}" in the build, but \`kustomize build ${overlay}\` deploys objects from which the function derives "${d.after}": ` +
        "its own composition of the overlay differs from kustomize's (a feature it does not model); the value kustomize deploys decides"));
    }
  });
  for (const r of output.results ?? []) {
    if (r.severity !== "error") continue;
    out.push(at(`in \`kustomize build ${overlay}\`, ${r.resourceRef ? `${describe({ kind: r.resourceRef.kind, metadata: r.resourceRef })}: ` : ""}${r.field?.path ? `${r.field.path}: ` : ""}${r.message}`, r.tags.code));
  }
  if (status !== 0 && out.length === 0) out.push(at(`the function failed over \`kustomize build ${overlay}\`: ${stderr.trim()}`, "internal"));
  return out;
}

const describe = (o: any): string => `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ""}${o.metadata.name}`;

/**
 * Values that differ between two plain objects, as dotted paths. The function only sets string
 * values of mappings (ConfigMap data, a Job's name), so a list is compared as one value.
 */
function differences(before: unknown, after: unknown, path: string): { path: string; before: string; after: string }[] {
  if (isObject(before) && isObject(after)) {
    const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
    return [...keys].flatMap((k) => differences(before[k], after[k], path ? `${path}.${k}` : k));
  }
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  // Only string values of keys the object carries, or of a key it adds: the build's side may be absent.
  return [{ path, before: (before as string | undefined) ?? "", after: after as string }];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
