/** tools/versions.env is the one place a tool version is pinned: no script, workflow or test repeats one. */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseVersions, VERSIONS_FILE } from "../../scripts/lib/tool-versions.ts";
import { REPO_ROOT } from "../support/tools.ts";

const CODE = /(^|\/)(run|Dockerfile)$|\.(sh|ts|mjs|ya?ml|json)$/;
/** Mutation testing's record of the sources it mutated: a copy, like a lock file, not code. */
const MUTATION_STATE: string = JSON.parse(readFileSync(join(REPO_ROOT, "stryker.config.json"), "utf8")).incrementalFile;

describe("tools/versions.env", () => {
  const pins = parseVersions(readFileSync(VERSIONS_FILE, "utf8"));

  it("pins kustomize, gitleaks, kube-score, Checkov, actionlint, kubectl, kpt, the function image's bases and the Node.js the function refuses", () => {
    expect(Object.keys(pins).sort()).toEqual([
      "ACTIONLINT_VERSION", "CHECKOV_VERSION", "FN_BUILD_IMAGE", "FN_RUNTIME_IMAGE", "GITLEAKS_VERSION", "KPT_VERSION", "KUBECTL_VERSION", "KUBE_SCORE_VERSION", "KUSTOMIZE_VERSION",
      "NODE_UNSUPPORTED_VERSION",
    ]);
  });

  it("is the only file of code or CI configuration that names those versions", () => {
    const files = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], { cwd: REPO_ROOT, encoding: "utf8" })
      .split("\n")
      .filter((f) => CODE.test(f) && !f.startsWith("functions/test/fixtures/") && !f.endsWith("package-lock.json") && f !== MUTATION_STATE);
    expect(files.length, "files scanned").toBeGreaterThan(20);
    const copies = files.flatMap((f) => {
      const text = readFileSync(join(REPO_ROOT, f), "utf8");
      return Object.entries(pins).filter(([, v]) => text.includes(v)).map(([k, v]) => `${f}: ${v} (${k})`);
    });
    expect(copies).toEqual([]);
  });
});
