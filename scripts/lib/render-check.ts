/**
 * The real kustomize judges every render: each overlay is built with the
 * standalone kustomize and the function runs over that build (plugin mode),
 * deriving every value again from what would really be deployed. Any value
 * it would change, and any finding, means the function's own composition of
 * the overlay disagreed with kustomize, and the render must not stand.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { CORE_SCHEMA, load } from "js-yaml";
import { shellQuote } from "./shell-quote.ts";

export interface Disagreement {
  overlay: string;
  /** A code of docs/errors.md: the function's own for its findings over the build. */
  code: string;
  message: string;
}

/**
 * A built overlay: its text, and the ResourceList kustomize hands a plugin over the same build. Only
 * that list records the names each object had before the build renamed it (a nameSuffix follows a
 * Job's tag, so only its earlier names tell where the tag ends); the text no longer shows them.
 */
export type Build = { text: string; pluginInput: string } | { problem: string };

/**
 * A build is short-lived and small: Go's collector, left to run only near a memory limit, would cost
 * it time and free nothing it needs, and the builds run side by side on few cores. The user's own
 * GOGC and GOMEMLIMIT, when set, still decide.
 */
const BUILD_ENV = { GOGC: "off", GOMEMLIMIT: "512MiB" };

function kustomize(tool: string, args: string[]): Promise<{ status: number | null; stdout: string; stderr: string } | { error: string }> {
  return new Promise((done) => {
    const child = spawn(tool, args, { stdio: ["ignore", "pipe", "pipe"], env: { ...BUILD_ENV, ...process.env } });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (c: Buffer) => out.push(c));
    child.stderr.on("data", (c: Buffer) => err.push(c));
    child.on("error", (e) => done({ error: `cannot run ${tool}: ${e.message}` }));
    child.on("close", (status) => done({ status, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8").trim() }));
  });
}

/**
 * `kustomize build` of one overlay, made as a plugin build: the overlay is the one resource of a
 * scratch kustomization whose one transformer is `tee`, so kustomize hands it the ResourceList it
 * would hand the function and builds the overlay's own text from what it gives back. Only when that
 * fails is the overlay built plainly, for kustomize's message about the overlay itself. Builds of
 * several overlays run side by side.
 */
export async function kustomizeBuildText(tool: string, root: string, overlay: string): Promise<Build> {
  let scratch: string;
  try {
    scratch = mkdtempSync(join(tmpdir(), "ecom-build-"));
  } catch (err) {
    return { problem: `cannot build \`${overlay}\` as a plugin build: no scratch directory in ${tmpdir()}: ${(err as Error).message}` };
  }
  try {
    const captured = join(scratch, "plugin-input.yaml");
    // kustomize takes no absolute path for a directory resource.
    writeFileSync(join(scratch, "kustomization.yaml"), `resources:\n  - ${JSON.stringify(relative(scratch, join(root, overlay)))}\ntransformers:\n  - capture.yaml\n`);
    writeFileSync(join(scratch, "capture.yaml"), [
      "apiVersion: fn.ecom.ekenheim.dev/v1alpha1",
      "kind: CapturePluginInput",
      "metadata:",
      "  name: capture",
      "  annotations:",
      "    config.kubernetes.io/function: |",
      "      exec:",
      "        path: ./capture",
      "",
    ].join("\n"));
    writeFileSync(join(scratch, "capture"), `#!/bin/sh\nexec tee ${shellQuote(captured)}\n`, { mode: 0o755 });
    const run = await kustomize(tool, ["build", "--enable-alpha-plugins", "--enable-exec", scratch]);
    if ("error" in run) return { problem: run.error };
    if (run.status === 0) return { text: run.stdout, pluginInput: readFileSync(captured, "utf8") };
    const plain = await kustomize(tool, ["build", join(root, overlay)]);
    if ("error" in plain) return { problem: plain.error };
    if (plain.status !== 0) return { problem: `\`kustomize build ${overlay}\` fails: ${plain.stderr}` };
    return { problem: `\`kustomize build ${overlay}\` passes, but not as the plugin build the render makes of it to see what a plugin gets (a scratch kustomization in ${tmpdir()} running tee): ${run.stderr}` };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
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
  // What kustomize handed its plugin, with the overlay's policy for the plugin's config: kyaml writes
  // the config last, and the function reads the rest as it arrived, with its fast reader.
  const config = /^functionConfig:/m.exec(built.pluginInput);
  if (!config) return [at(`kustomize handed the plugin of \`kustomize build ${overlay}\` no functionConfig`, "internal")];
  const input = `${built.pluginInput.slice(0, config.index)}functionConfig: ${JSON.stringify(policy)}\n`;
  const items: unknown[] = (load(input, { schema: CORE_SCHEMA }) as { items?: unknown[] }).items ?? [];
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
