/**
 * Entry: one run as a KRM function, in package mode or plugin mode as the functionConfig says.
 */
import { posix } from "node:path";
import { applyToBuild } from "../plugin/apply-derived-values.ts";
import { builtView, viewOfBuild } from "../plugin/view-of-build.ts";
import { derive } from "../core/derive.ts";
import { writeDerivedFiles } from "../package/write-derived-files.ts";
import type { KubeObject } from "../core/kube.ts";
import { isBuildsObject, parseOverlayBuilds } from "../package/overlay-builds.ts";
import { PackageIndex, composeOverlay } from "../package/package-view.ts";
import { POLICY_KIND, isPolicyObject, parsePolicy, type Policy } from "../core/policy.ts";
import { type Item, type ResourceListIn, readResourceList, writeResourceList } from "../core/resource-list.ts";
import { type Result, error, formatResult, hasErrors } from "../core/results.ts";

export interface RunOutput {
  items: Item[];
  results: Result[];
}

/** Where an answer goes: process.stdout and process.stderr, or a test's buffers. */
export interface Sink {
  write(text: string): unknown;
}

/**
 * One run as a KRM function: the ResourceList text in, the ResourceList (with
 * results) on stdout, one line per finding on stderr; the exit code, 1 on any
 * error. kpt writes no file when a function exits non-zero.
 */
export function respond(readInput: () => string, stdout: Sink, stderr: Sink): number {
  let output;
  try {
    output = run(readResourceList(readInput()));
  } catch (e) {
    const result = error("input-invalid", `ecom-fn: ${(e as Error).message}`);
    stderr.write(`${formatResult(result)}\n`);
    stdout.write(writeResourceList([], [result]));
    return 1;
  }
  stdout.write(writeResourceList(output.items, output.results));
  for (const r of output.results) stderr.write(`${formatResult(r)}\n`);
  return hasErrors(output.results) ? 1 : 0;
}

/**
 * Two callers, one core. With a DeployPolicy as functionConfig the items are
 * one built overlay (Kustomize plugin). Without one they are a kpt package,
 * and each DeployPolicy item (<overlay>/policy/policy.yaml) names an overlay;
 * `npm run render` adds each overlay's real build as an OverlayBuilds config.
 */
export function run(input: ResourceListIn): RunOutput {
  const fc = input.functionConfig;
  if (isPolicyObject(fc)) return runOnBuild(input.items, fc);
  if (isBuildsObject(fc)) {
    const parsed = parseOverlayBuilds(fc);
    return "builds" in parsed ? runOnPackage(input.items, parsed.builds) : { items: input.items, results: parsed.results };
  }
  if (!isEmptyConfig(fc)) {
    const kind = (fc as any).kind;
    return { items: input.items, results: [error("function-config", `functionConfig must be a ${POLICY_KIND} or absent, got ${typeof kind === "string" ? `kind "${kind}"` : "no kind"}`)] };
  }
  return runOnPackage(input.items, new Map());
}

function runOnBuild(items: Item[], config: unknown): RunOutput {
  const parsed = policyOf(config, undefined);
  if (!parsed.policy) return { items, results: parsed.results };
  const derived = derive(builtView(items), parsed.policy);
  const results = [...derived.results];
  if (!hasErrors(results)) results.push(...applyToBuild(items, derived));
  return { items, results };
}

function runOnPackage(items: Item[], builds: Map<string, KubeObject[]>): RunOutput {
  const index = new PackageIndex(items);
  const policies = items.filter((i) => i.kind === POLICY_KIND);
  const unpoliced = overlaysWithoutPolicy(index, new Set(policies.map((i) => posix.dirname(posix.dirname(i.path ?? "")))));
  if (policies.length === 0) {
    return { items, results: [error("no-policy", `no ${POLICY_KIND} in the package: each overlay carries one at <overlay>/policy/policy.yaml`), ...unpoliced] };
  }
  const results: Result[] = [...unpoliced];
  const created: Item[] = [];
  for (const item of policies) {
    const parsed = policyOf(item.object(), item.path);
    results.push(...parsed.results);
    if (!parsed.policy) continue;
    const overlay = posix.dirname(posix.dirname(item.path ?? ""));
    const composed = composeOverlay(index, overlay);
    results.push(...composed.results);
    // What the composition does not model, the real build (when given) answers; findings about the files stand.
    const built = builds.get(overlay);
    const view = composed.view ?? (built && composed.results.length === 0 ? viewOfBuild(built, overlay) : undefined);
    if (!built) results.push(...composed.refusals);
    if (!view) continue;
    const derived = derive(view, parsed.policy);
    if (view !== composed.view && derived.migrationJob) derived.migrationJob.name = beforeRootNaming(index, overlay, derived.migrationJob.name);
    const written = writeDerivedFiles(index, overlay, derived);
    results.push(...derived.results, ...written.results);
    created.push(...written.created);
  }
  return { items: [...items, ...created], results };
}

/**
 * Every overlay that lists its derived component must be rendered: one whose policy is deleted,
 * emptied or moved would keep derived values that no longer follow its Ingress, unseen.
 */
function overlaysWithoutPolicy(index: PackageIndex, rendered: ReadonlySet<string>): Result[] {
  const dirs = new Set([...index.byPath.keys()].map((p) => posix.dirname(p)));
  return [...dirs].sort().flatMap((dir) => {
    const kustomization = index.kustomization(dir);
    const components: unknown = kustomization?.object().components;
    const listsDerived = Array.isArray(components) && components.some((c) => typeof c === "string" && posix.join(dir, c) === posix.join(dir, "derived"));
    if (!listsDerived || rendered.has(dir)) return [];
    return [error("no-policy", `lists its derived component, but ${dir}/policy/policy.yaml holds no ${POLICY_KIND}, so nothing keeps its derived values in step with its Ingress: ` +
      "restore the overlay's policy there (functions/README.md), or drop the derived component", { file: kustomization!.path! })];
  });
}

/**
 * A name the plan took from a real build, as the overlay's own files write it: without the prefix
 * its kustomization adds. The plan keeps only what stands before medusa-migrate, so no suffix.
 */
function beforeRootNaming(index: PackageIndex, overlay: string, name: string): string {
  // Only reached for an overlay the composition refused, which it could only do by reading its kustomization.
  const prefix = index.kustomization(overlay)!.object().namePrefix;
  return typeof prefix === "string" ? name.slice(prefix.length) : name;
}

function policyOf(config: unknown, file: string | undefined): { policy?: Policy; results: Result[] } {
  const parsed = parsePolicy(config);
  if (parsed.ok) return { policy: parsed.policy, results: [] };
  const name = (config as any).metadata?.name ?? "";
  return {
    results: parsed.issues.map((i) =>
      error("policy-invalid", `invalid ${POLICY_KIND}: ${i.message}`, {
        ref: { apiVersion: (config as any).apiVersion ?? "", kind: POLICY_KIND, name },
        field: i.path,
        ...(file ? { file } : {}),
      })),
  };
}

// `kpt fn eval` without --fn-config sends an empty ConfigMap.
function isEmptyConfig(fc: any): boolean {
  if (fc === undefined || fc === null || Object.keys(fc).length === 0) return true;
  return fc.kind === "ConfigMap" && Object.keys(fc.data ?? {}).length === 0;
}
