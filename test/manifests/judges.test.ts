/**
 * kube-score and Checkov, two policy tools this repository does not control, over every built
 * overlay: no finding survives except the deliberate ones listed in docs/policy-exceptions.yaml,
 * and every listed exception still matches something. A missing tool fails, never skips.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { built, overlayDirs } from "../support/builds.ts";
import { find, podSpec } from "../support/k8s.ts";
import { checkov, checkovBinary, describeFinding, EXCEPTIONS_FILE, excepts, exceptions, kubeScore, venvCheckovVersion, type Finding } from "../support/judges.ts";
import { toolVersion } from "../../scripts/lib/tool-versions.ts";

/** A copy of prod that both tools must flag: its storefront has no limits and a writable root. */
const UNSAFE = "overlays/prod with an unsafe storefront";
const findings = new Map<string, Finding[]>();

beforeAll(() => {
  const objects = structuredClone(built("overlays/prod").objects);
  const c = podSpec(find(objects, "Deployment", "storefront")).containers[0] as Record<string, any>;
  delete c.resources.limits;
  c.securityContext.readOnlyRootFilesystem = false;
  const builds = {
    ...Object.fromEntries(overlayDirs().map((overlay) => [overlay, built(overlay).text])),
    [UNSAFE]: objects.map((o) => stringify(o)).join("---\n"),
  };
  const scored = kubeScore(builds);
  const checked = checkov(builds);
  for (const label of Object.keys(builds)) findings.set(label, [...scored[label]!, ...checked[label]!]);
}, 300_000);

describe("independent policy tools over every overlay", () => {
  it.each(overlayDirs())(`%s: no kube-score or Checkov finding outside ${EXCEPTIONS_FILE}`, (overlay) => {
    const all = findings.get(overlay)!;
    expect(all.length, "the tools report something (the exceptions), so they really ran").toBeGreaterThan(0);
    const open = all.filter((f) => !exceptions().some((e) => excepts(e, overlay, f))).map(describeFinding);
    expect(open).toEqual([]);
  });

  it(`every entry of ${EXCEPTIONS_FILE} still matches a finding`, () => {
    const stale = exceptions().filter((e) => overlayDirs().every((overlay) => !findings.get(overlay)!.some((f) => excepts(e, overlay, f))));
    expect(stale.map((e) => `${e.tool} ${e.check} ${e.objects.join(",")}`)).toEqual([]);
  });

  it("a container without limits or a read-only root is reported by both tools and not excepted", () => {
    const open = findings.get(UNSAFE)!.filter((f) => !exceptions().some((e) => excepts(e, "overlays/prod", f)));
    expect(open.map((f) => `${f.tool} ${f.check} ${f.object}`)).toEqual(
      expect.arrayContaining([
        "kube-score container-resources Deployment/storefront",
        "checkov CKV_K8S_11 Deployment/storefront",
        "checkov CKV_K8S_22 Deployment/storefront",
      ]),
    );
  });
});

describe("Checkov's version, read from what pip installed", () => {
  it("is the pinned one for the Checkov the tests run", () => {
    expect(venvCheckovVersion(checkovBinary())).toBe(toolVersion("CHECKOV_VERSION"));
  });

  it("comes from the one checkov dist-info of the environment, and is unknown outside one or with two", () => {
    const venv = mkdtempSync(join(tmpdir(), "ecom-venv-"));
    try {
      const site = join(venv, "lib", "python3.11", "site-packages");
      mkdirSync(join(site, "checkov-9.9.9.dist-info"), { recursive: true });
      mkdirSync(join(site, "checkov_extras-1.0.0.dist-info"));
      mkdirSync(join(venv, "bin"));
      writeFileSync(join(venv, "bin", "checkov"), "");
      expect(venvCheckovVersion(join(venv, "bin", "checkov"))).toBe("9.9.9");
      mkdirSync(join(site, "checkov-1.0.0.dist-info"));
      expect(venvCheckovVersion(join(venv, "bin", "checkov"))).toBeUndefined();
      expect(venvCheckovVersion("/usr/bin/checkov")).toBeUndefined();
    } finally {
      rmSync(venv, { recursive: true, force: true });
    }
  });
});
