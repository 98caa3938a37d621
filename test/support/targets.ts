/**
 * Build targets, built by global-setup.ts (no vitest imports here: it runs outside the test workers).
 *
 * Every build target is built once per test run (in global-setup.ts) with both kustomize front ends;
 * test files read the results through `inject`, so a dozen test files cost one set of builds.
 * Builds are deterministic, so sharing them changes nothing but the run time.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join, relative, resolve } from "node:path";
import { parse } from "yaml";
import { KUSTOMIZE_FRONT_ENDS, REPO_ROOT } from "./tools.ts";

export interface ToolOutput {
  ok: boolean;
  /** stdout on success, the error (with the tool's stderr) on failure */
  text: string;
}

export interface TargetBuild {
  /** what a test name shows: a repo-relative directory, or `base + components/x` */
  label: string;
  dir: string;
  kustomize: ToolOutput;
  kubectl: ToolOutput;
}

export type BuildResults = Record<string, TargetBuild>;

declare module "vitest" {
  export interface ProvidedContext {
    manifestBuilds: BuildResults;
  }
}

/** Overlays the repo must always have; any further overlays/* directory is built as well. */
export const REQUIRED_OVERLAYS = ["overlays/dev", "overlays/prod"] as const;

function hasKustomization(dir: string): string | undefined {
  for (const name of ["kustomization.yaml", "kustomization.yml", "Kustomization"]) {
    if (existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

function subdirs(rel: string): string[] {
  const abs = resolve(REPO_ROOT, rel);
  if (!existsSync(abs)) return [];
  return readdirSync(abs, { withFileTypes: true })
    .filter((d) => d.isDirectory() && hasKustomization(join(abs, d.name)))
    .map((d) => `${rel}/${d.name}`)
    .sort();
}

/** Directories under components/ whose kustomization is a `kind: Component`. */
export function componentDirs(): string[] {
  return subdirs("components").filter((rel) => {
    const file = hasKustomization(resolve(REPO_ROOT, rel));
    const doc = file ? (parse(readFileSync(file, "utf8")) as { kind?: string } | null) : null;
    return doc?.kind === "Component";
  });
}

export function overlayDirs(): string[] {
  return [...new Set([...REQUIRED_OVERLAYS, ...subdirs("overlays")])].sort();
}

/** The overlays by name (`prod`), as scratch copies and commands take them. */
export const overlayNames = (): string[] => overlayDirs().map((dir) => dir.slice("overlays/".length));

/** Component target key used by tests: `base+components/seed`. */
export const componentTarget = (component: string): string => `base+${component}`;

/**
 * Each component is also built alone on top of base, in a throwaway kustomization, so a component
 * that only works by accident of what an overlay happens to add is caught.
 */
export function componentKustomization(tmpRoot: string, component: string): string {
  const dir = join(tmpRoot, component.replace(/\//g, "_"));
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "kustomization.yaml"),
    [
      "apiVersion: kustomize.config.k8s.io/v1beta1",
      "kind: Kustomization",
      "resources:",
      // kustomize refuses absolute paths here
      `  - ${JSON.stringify(relative(dir, resolve(REPO_ROOT, "base")))}`,
      "components:",
      `  - ${JSON.stringify(relative(dir, resolve(REPO_ROOT, component)))}`,
      "",
    ].join("\n"),
  );
  return dir;
}

async function attempt(build: Promise<string>): Promise<ToolOutput> {
  try {
    return { ok: true, text: await build };
  } catch (err) {
    return { ok: false, text: (err as Error).message };
  }
}

/** Runs the builds a core at a time each: they are independent, and the whole run waits for them. */
export async function buildEverything(tmpRoot: string): Promise<BuildResults> {
  const targets: Array<[key: string, label: string, dir: string]> = [
    ["base", "base", resolve(REPO_ROOT, "base")],
    ...overlayDirs().map((o): [string, string, string] => [o, o, resolve(REPO_ROOT, o)]),
    ...componentDirs().map((c): [string, string, string] => [componentTarget(c), `base + ${c}`, componentKustomization(tmpRoot, c)]),
  ];
  const results: BuildResults = {};
  const jobs = targets.flatMap(([key, label, dir]) => {
    const target = (results[key] = { label, dir } as TargetBuild);
    return (["kustomize", "kubectl"] as const).map((frontEnd) => async () => {
      target[frontEnd] = await attempt(KUSTOMIZE_FRONT_ENDS[frontEnd](dir));
    });
  });
  const next = jobs.values();
  await Promise.all(Array.from({ length: availableParallelism() }, async () => {
    for (const job of next) await job();
  }));
  return results;
}
