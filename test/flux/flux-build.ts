/**
 * Builds tools/flux-build (Flux's own kustomize and postBuild code, see its main.go) and runs it.
 * Built from source on every run so the tests never use a stale binary; Go's build cache makes
 * that cheap after the first time (`.ci/run` warms it before `npm test`).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseAll, REPO_ROOT, type K8sObject } from "../support/tools.js";

export const SOURCE = "flux/source.yaml";
export const CLUSTER_VARS = "test/flux/cluster-vars.yaml";

export interface FluxTool {
  bin: string;
  cleanup: () => void;
}

export function buildFluxTool(): FluxTool {
  const dir = mkdtempSync(join(tmpdir(), "flux-build-"));
  const bin = join(dir, "flux-build");
  try {
    execFileSync("go", ["build", "-o", bin, "."], {
      cwd: resolve(REPO_ROOT, "tools/flux-build"),
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    rmSync(dir, { recursive: true, force: true });
    // A Flux test that cannot build the tool must fail: skipping would look like a pass in CI.
    throw new Error(`\n\n*** cannot build tools/flux-build with \`go build\` (Go and the module proxy are needed; \`bash .ci/run\` sets both up):\n${e.stderr || e.message}\n`);
  }
  return { bin, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
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

export function fluxObjects(tool: FluxTool, kustomizationFile: string, opts: FluxBuildOptions = {}): K8sObject[] {
  const r = fluxBuild(tool, kustomizationFile, opts);
  if (!r.ok) throw new Error(`flux-build ${kustomizationFile}${opts.name ? ` (${opts.name})` : ""} failed:\n${r.stderr}`);
  return parseAll(r.stdout, `flux-build ${kustomizationFile}`);
}

export interface FluxKustomization {
  file: string;
  object: K8sObject & { spec: Record<string, any> };
}

/** Every Flux Kustomization in the files under flux/ that name one. */
export function fluxKustomizations(files: string[]): FluxKustomization[] {
  return files.flatMap((file) =>
    parseAll(readFileSync(resolve(REPO_ROOT, file), "utf8"), file)
      .filter((o) => o.apiVersion?.startsWith("kustomize.toolkit.fluxcd.io/") && o.kind === "Kustomization")
      .map((object) => ({ file, object: object as FluxKustomization["object"] })),
  );
}
