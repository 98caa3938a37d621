/**
 * The function's cross-object checks over each overlay's real `kustomize build` (the tests' third
 * way of running them, beside render and plugin mode), with the overlay's own DeployPolicy.
 */
import { readFileSync } from "node:fs";
import { shopModel } from "../../functions/src/core/shop-model.ts";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { viewOfBuild } from "../../functions/src/plugin/view-of-build.ts";
import { checkCrossObject } from "../../functions/src/checks/cross-object.ts";
import { parsePolicy, type Policy } from "../../functions/src/core/policy.ts";
import { built, overlayDirs } from "../support/builds.ts";
import { find, podSpec } from "../support/k8s.ts";
import { REPO_ROOT } from "../support/tools.ts";
import type { BuiltObject } from "../../scripts/lib/built-object.ts";

function policyOf(overlay: string): Policy {
  const parsed = parsePolicy(parse(readFileSync(join(REPO_ROOT, overlay, "policy", "policy.yaml"), "utf8")));
  if (!parsed.ok) throw new Error(`${overlay}/policy/policy.yaml: ${JSON.stringify(parsed.issues)}`);
  return parsed.policy;
}

const findings = (overlay: string, objects: BuiltObject[]) =>
  checkCrossObject(shopModel(viewOfBuild(objects, overlay)), policyOf(overlay)).map((r) => `${r.resourceRef?.kind} ${r.resourceRef?.name} ${r.field?.path}: ${r.message}`);

describe("cross-object checks over every overlay's build", () => {
  it.each(overlayDirs())("%s: every reference resolves", (overlay) => {
    expect(findings(overlay, built(overlay).objects)).toEqual([]);
  });

  it("a worker that reads another Secret than the server is caught in the real prod build", () => {
    const objects = structuredClone(built("overlays/prod").objects);
    const worker = podSpec(find(objects, "Deployment", "medusa-worker")).containers[0]!;
    worker.envFrom = [...(worker.envFrom ?? []).filter((e) => !e.secretRef), { secretRef: { name: "storefront-secret" } }];
    expect(findings("overlays/prod", objects).join("\n")).toMatch(/medusa-worker .*lacks Secret medusa-secret; adds Secret storefront-secret/);
  });
});
