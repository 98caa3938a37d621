/**
 * Availability and Pod Security settings of every overlay (docs/operations.md#availability,
 * docs/security.md): the counts prod promises, budgets, spread, rollouts, draining, namespace labels.
 */
import { describe, expect, it } from "vitest";
import { built, overlayDirs } from "../support/builds.ts";
import { all, find, podSpec } from "../support/k8s.ts";
import { APPS } from "../support/reference.ts";
import { objectId } from "../support/tools.ts";
import type { BuiltObject } from "../../scripts/lib/built-object.ts";

/** Namespaces allowed a weaker Pod Security level than `restricted`, with the reason. None today. */
const PSS_EXCEPTIONS: Readonly<Record<string, string>> = {};
/** Pods the ingress controller routes to: they must outlive its endpoint sync when terminated. */
const ROUTED = [APPS.medusa.deployment, APPS.storefront.deployment];
/** ingress-nginx applies endpoint changes at most every ~3.3 s (--sync-rate-limit 0.3); the pause covers a few rounds. */
const MIN_PRESTOP_SECONDS = 10;
const MIN_PROD_REPLICAS: Readonly<Record<string, number>> = { [APPS.medusa.deployment]: 2, [APPS.storefront.deployment]: 2 };

const labelsMatch = (selector: Record<string, string> | undefined, labels: Record<string, string>) =>
  selector !== undefined && Object.entries(selector).every(([k, v]) => labels[k] === v);

function templateLabels(o: BuiltObject): Record<string, string> {
  return ((o.spec as any)?.template?.metadata?.labels ?? {}) as Record<string, string>;
}

for (const overlay of overlayDirs()) {
  const objects = (): BuiltObject[] => built(overlay).objects;

  describe(overlay, () => {
    it("its Namespace enforces, warns and audits the restricted Pod Security Standard", () => {
      const ns = all(objects(), "Namespace")[0]!;
      const level = PSS_EXCEPTIONS[ns.metadata.name] ? "baseline" : "restricted";
      expect(ns.metadata.labels ?? {}).toMatchObject({
        "pod-security.kubernetes.io/enforce": level,
        "pod-security.kubernetes.io/warn": level,
        "pod-security.kubernetes.io/audit": level,
      });
    });

    it("every Deployment rolls out with maxUnavailable 0, spreads softly across nodes and has a PodDisruptionBudget", () => {
      const pdbs = all(objects(), "PodDisruptionBudget");
      for (const d of all(objects(), "Deployment")) {
        const spec = d.spec as any;
        expect(spec.strategy, `${objectId(d)} strategy`).toEqual({ type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } });
        const spread = (podSpec(d).topologySpreadConstraints ?? []) as any[];
        expect(spread, `${objectId(d)} topologySpreadConstraints`).toContainEqual({
          maxSkew: 1,
          topologyKey: "kubernetes.io/hostname",
          whenUnsatisfiable: "ScheduleAnyway",
          labelSelector: { matchLabels: spec.selector.matchLabels },
        });
        const budget = pdbs.filter((p) => labelsMatch((p.spec as any).selector?.matchLabels, templateLabels(d)));
        expect(budget.map(objectId), `${objectId(d)}: one PodDisruptionBudget`).toHaveLength(1);
        // One pod at a time, so a single replica never blocks a drain.
        expect((budget[0]!.spec as any).maxUnavailable).toBe(1);
      }
    });

    it.each(ROUTED)("%s: preStop pause covers the ingress controller's sync, the grace period covers the pause", (name) => {
      const ps = podSpec(find(objects(), "Deployment", name));
      const pause = (ps.containers[0] as any).lifecycle?.preStop?.sleep?.seconds;
      expect(pause, `${name} preStop sleep`).toBeGreaterThanOrEqual(MIN_PRESTOP_SECONDS);
      expect(ps.terminationGracePeriodSeconds, `${name} terminationGracePeriodSeconds`).toBeGreaterThan(pause);
    });
  });
}

describe("overlays/prod", () => {
  it.each(Object.entries(MIN_PROD_REPLICAS))("runs at least %s x%i", (name, min) => {
    expect((find(built("overlays/prod").objects, "Deployment", name).spec as any).replicas).toBeGreaterThanOrEqual(min);
  });
});
