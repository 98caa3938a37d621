/**
 * Runs tools/flux-build (Flux's own kustomize and postBuild code, see its main.go), which
 * tools/setup.sh builds into .cache/tools/ (`npm test` runs it first). A binary older than its
 * sources is refused, so a test never runs a stale build.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseAll, REPO_ROOT } from "../support/tools.ts";
import type { BuiltObject } from "../../scripts/lib/built-object.ts";

export const SOURCE = "flux/source/git-repository.yaml";
export const CLUSTER_VARS = "test/flux/cluster-vars.yaml";

const TOOL_SOURCE = join(REPO_ROOT, "tools", "flux-build");
const TOOL_BINARY = join(REPO_ROOT, ".cache", "tools", "flux-build");

export interface FluxTool {
  bin: string;
}

export function fluxTool(): FluxTool {
  // A Flux test that cannot run the tool must fail: skipping would look like a pass in CI.
  if (!existsSync(TOOL_BINARY)) throw new Error(`\n\n*** ${TOOL_BINARY} is missing: run \`npm run setup\` (\`npm test\` does it first)\n`);
  const built = statSync(TOOL_BINARY).mtimeMs;
  const newer = readdirSync(TOOL_SOURCE).filter((f) => statSync(join(TOOL_SOURCE, f)).mtimeMs > built);
  if (newer.length) throw new Error(`\n\n*** ${TOOL_BINARY} is older than tools/flux-build/${newer.join(", ")}: run \`npm run setup\`\n`);
  return { bin: TOOL_BINARY };
}

export interface FluxRun {
  ok: boolean;
  stdout: string;
  stderr: string;
}

export interface FluxBuildOptions {
  root?: string;
  name?: string;
  vars?: string[];
}

/** `flux-build` over one Flux Kustomization (file relative to the root, or absolute). */
export function fluxBuild(tool: FluxTool, kustomizationFile: string, opts: FluxBuildOptions = {}): FluxRun {
  const root = opts.root ?? REPO_ROOT;
  const args = ["-root", root, "-source", join(root, SOURCE), "-kustomization", resolve(root, kustomizationFile)];
  if (opts.name) args.push("-name", opts.name);
  for (const v of opts.vars ?? [resolve(REPO_ROOT, CLUSTER_VARS)]) args.push("-vars", v);
  const r = spawnSync(tool.bin, args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  return { ok: r.status === 0, stdout: r.stdout ?? "", stderr: r.stderr ?? String(r.error ?? "") };
}

export function fluxObjects(tool: FluxTool, kustomizationFile: string, opts: FluxBuildOptions = {}): BuiltObject[] {
  const r = fluxBuild(tool, kustomizationFile, opts);
  if (!r.ok) throw new Error(`flux-build ${kustomizationFile}${opts.name ? ` (${opts.name})` : ""} failed:\n${r.stderr}`);
  return parseAll(r.stdout, `flux-build ${kustomizationFile}`);
}

export interface FluxKustomization {
  file: string;
  object: BuiltObject & { spec: Record<string, any> };
}

/** Every Flux Kustomization in the files under flux/ that name one. */
export function fluxKustomizations(files: string[]): FluxKustomization[] {
  return files.flatMap((file) =>
    parseAll(readFileSync(resolve(REPO_ROOT, file), "utf8"), file)
      .filter((o) => o.apiVersion?.startsWith("kustomize.toolkit.fluxcd.io/") && o.kind === "Kustomization")
      .map((object) => ({ file, object: object as FluxKustomization["object"] })),
  );
}
