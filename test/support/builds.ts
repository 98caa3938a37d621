/** Test-side access to the builds made once by global-setup.ts. */
import { inject } from "vitest";
import type { BuildResults } from "./targets.ts";
import { parseAll } from "./tools.ts";
import type { BuiltObject } from "../../scripts/lib/built-object.ts";

export { componentDirs, componentTarget, overlayDirs, REQUIRED_OVERLAYS } from "./targets.ts";

export function allBuilds(): BuildResults {
  const builds = inject("manifestBuilds");
  if (!builds) throw new Error("manifest builds were not provided: is test/support/global-setup.ts listed in vitest.config.ts?");
  return builds;
}

export interface Built {
  text: string;
  objects: BuiltObject[];
}

const parsed = new Map<string, Built>();

/** The standalone `kustomize build` output of a target, parsed; throws the tool's stderr on failure. */
export function built(target: string): Built {
  const hit = parsed.get(target);
  if (hit) return hit;
  const b = allBuilds()[target];
  if (!b) throw new Error(`no build target '${target}' (known: ${Object.keys(allBuilds()).join(", ")}); does its directory exist?`);
  if (!b.kustomize.ok) throw new Error(`kustomize build of ${b.label} failed:\n${b.kustomize.text}`);
  const result = { text: b.kustomize.text, objects: parseAll(b.kustomize.text, `kustomize build ${b.label}`) };
  parsed.set(target, result);
  return result;
}
