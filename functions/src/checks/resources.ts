/**
 * Check: every container's CPU and memory requests and limits are present, valid, ordered and
 * inside the policy's bounds.
 */
import { refOf } from "../core/kube.ts";
import { podSpecOf } from "../core/shop-objects.ts";
import { type OverlayView, fieldOf, fileWhere } from "../core/overlay-view.ts";
import type { Bounds, Policy } from "../core/policy.ts";
import { parseQuantity } from "../core/quantity.ts";
import type { Code } from "../core/codes.ts";
import { type Result, error } from "../core/results.ts";

const RESOURCES = ["cpu", "memory"] as const;
type Resource = (typeof RESOURCES)[number];
type Kind = "requests" | "limits";
type Fail = (code: Code, msg: string, kind: Kind, res: Resource) => Result;

/**
 * Every container of every workload must request and limit CPU and memory
 * with valid quantities, request no more than it limits, and stay inside the
 * policy's bounds: minimum for requests, maximum for limits.
 */
export function checkResources(view: OverlayView, policy: Policy): Result[] {
  const results: Result[] = [];
  for (const obj of view.objects) {
    const pod = podSpecOf(obj);
    if (!pod) continue;
    const workloadBounds = boundsFor(obj.metadata?.name ?? "", view, policy.workloadBounds);
    for (const list of ["initContainers", "containers"] as const) {
      (pod.spec[list] ?? []).forEach((c: any, i: number) => {
        const bounds = list === "initContainers" ? policy.initContainerBounds : workloadBounds;
        const at = `${pod.path}.${list}[${i}].resources`;
        const fail: Fail = (code, msg, kind, res) =>
          error(code, `container "${c?.name}": ${msg}`, {
            ref: refOf(obj),
            field: `${at}.${kind}.${res}`,
            ...fileWhere(view, obj, c, fieldOf(c, "resources"), c?.resources, fieldOf(c?.resources, kind), fieldOf(c?.resources?.[kind], res)),
          });
        results.push(...checkContainer(c, bounds, fail));
      });
    }
  }
  return results;
}

function checkContainer(c: any, bounds: Bounds | undefined, fail: Fail): Result[] {
  const out: Result[] = [];
  for (const res of RESOURCES) {
    const values: Partial<Record<Kind, bigint>> = {};
    for (const kind of ["requests", "limits"] as const) {
      const raw = c?.resources?.[kind]?.[res];
      if (raw === undefined || raw === null) {
        out.push(fail("resources-missing", `no ${res} ${kind === "requests" ? "request" : "limit"}; every container needs CPU and memory requests and limits`, kind, res));
        continue;
      }
      const value = parseQuantity(raw);
      if (value === undefined) {
        out.push(fail("resources-invalid", `${res} ${kind} "${raw}" is not a valid Kubernetes quantity (e.g. ${res === "cpu" ? "250m or 1" : "512Mi or 1Gi"})`, kind, res));
        continue;
      }
      values[kind] = value;
    }
    const { requests, limits } = values;
    if (requests !== undefined && limits !== undefined && requests > limits) {
      out.push(fail("resources-request-above-limit", `${res} request ${c.resources.requests[res]} is above its limit ${c.resources.limits[res]}`, "requests", res));
    }
    out.push(...checkBounds(c, res, values, bounds?.[res], fail));
  }
  return out;
}

function checkBounds(
  c: any, res: Resource, values: Partial<Record<Kind, bigint>>,
  range: { min?: string | number; max?: string | number } | undefined, fail: Fail,
): Result[] {
  const out: Result[] = [];
  const min = range?.min === undefined ? undefined : parseQuantity(range.min);
  const max = range?.max === undefined ? undefined : parseQuantity(range.max);
  if (min !== undefined && values.requests !== undefined && values.requests < min) {
    out.push(fail("resources-below-minimum", `${res} request ${c.resources.requests[res]} is below the policy minimum ${range!.min}`, "requests", res));
  }
  if (max !== undefined && values.limits !== undefined && values.limits > max) {
    out.push(fail("resources-above-maximum", `${res} limit ${c.resources.limits[res]} is above the policy maximum ${range!.max}`, "limits", res));
  }
  return out;
}

/**
 * Bounds are keyed by the name the reference gives a workload. Built names may
 * carry a kustomize prefix or a suffix such as the migration Job's tag, so the
 * longest key that is the name, or a dash-separated part of either end, wins.
 */
export function boundsFor(name: string, view: OverlayView, table: Record<string, Bounds>): Bounds | undefined {
  const bare = name.startsWith(view.namePrefix) ? name.slice(view.namePrefix.length) : name;
  const keys = Object.keys(table)
    .filter((k) => bare === k || bare.startsWith(`${k}-`) || bare.endsWith(`-${k}`))
    .sort((a, b) => b.length - a.length);
  return keys.length ? table[keys[0]!] : undefined;
}
