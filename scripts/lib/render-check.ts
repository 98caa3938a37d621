/**
 * The real kustomize judges every render: each overlay is built with the
 * standalone kustomize and the function runs over that build (plugin mode),
 * deriving every value again from what would really be deployed. Any value
 * it would change, and any finding, means the function's own composition of
 * the overlay disagreed with kustomize, and the render must not stand.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { CORE_SCHEMA, load, loadAll } from "js-yaml";

export interface Disagreement {
  overlay: string;
  /** A code of docs/errors.md: the function's own for its findings over the build. */
  code: string;
  message: string;
}

export type Build = { text: string } | { problem: string };

/** `kustomize build` of one overlay: its text, or why it failed. Builds of several overlays run side by side. */
export function kustomizeBuildText(kustomize: string, root: string, overlay: string): Promise<Build> {
  return new Promise((done) => {
    const child = spawn(kustomize, ["build", join(root, overlay)], { stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (c: Buffer) => out.push(c));
    child.stderr.on("data", (c: Buffer) => err.push(c));
    child.on("error", (e) => done({ problem: `cannot run ${kustomize}: ${e.message}` }));
    child.on("close", (status) => {
      if (status === 0) done({ text: Buffer.concat(out).toString("utf8") });
      else done({ problem: `\`kustomize build ${overlay}\` fails: ${Buffer.concat(err).toString("utf8").trim()}` });
    });
  });
}

/** The function's config for a package render: every overlay's real build, for what its composition does not model. */
export function overlayBuildsConfig(builds: Record<string, string>): object {
  return { apiVersion: "fn.ecom.ekenheim.dev/v1alpha1", kind: "OverlayBuilds", metadata: { name: "builds" }, builds };
}

/** The function's `respond` (functions/src/entry/run.ts), as the bundle exports it: one run, input in, answer out. */
export type Respond = (readInput: () => string, stdout: { write(text: string): unknown }, stderr: { write(text: string): unknown }) => number;

/**
 * Runs the function over one overlay's `kustomize build` with the overlay's policy, in this process
 * (`respond`, imported from the bundle), as it would read the same ResourceList on stdin.
 */
export function judgeOverlay(respond: Respond, overlay: string, policy: unknown, built: Build): Disagreement[] {
  const at = (message: string, code = "render-disagrees"): Disagreement => ({ overlay, code, message });
  if ("problem" in built) return [at(`after the render, ${built.problem}`, "render-build-failed")];
  // kustomize prints one document per object, never an empty one.
  const items = loadAll(built.text, null, { schema: CORE_SCHEMA });
  // In the block layout kustomize itself sends, which the function reads item by item with its fast reader.
  const entries = built.text.split(/^---\n/m).filter((doc) => doc.trim()).map((doc) =>
    doc.trimEnd().split("\n").map((line, i) => (i === 0 ? `- ${line}` : line && `  ${line}`)).join("\n"));
  const input = ["apiVersion: config.kubernetes.io/v1", "kind: ResourceList", "items:", ...entries, `functionConfig: ${JSON.stringify(policy)}`, ""].join("\n");
  let stdout = "";
  let stderr = "";
  let status: number;
  try {
    status = respond(() => input, { write: (text) => (stdout += text) }, { write: (text) => (stderr += text) });
  } catch (err) {
    return [at(`the function failed over \`kustomize build ${overlay}\`: ${err instanceof Error ? err.message : String(err)}`, "internal")];
  }
  let output: { items?: any[]; results?: any[] };
  try {
    // A function that failed before it wrote anything printed nothing at all.
    output = stdout === "" ? {} : (load(stdout, { schema: CORE_SCHEMA }) as typeof output) ?? {};
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
