/**
 * renovate.json5 reaches what it is meant to: every third-party image in the manifests, every pin of
 * tools/versions.env but the ones that say why not (with the module each is installed from), and
 * never the app images, which move only through the release pull requests.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { parseVersions } from "../../scripts/lib/tool-versions.ts";
import { APP_IMAGES } from "../../scripts/lib/set-image.ts";
import { REPO_ROOT } from "../support/tools.ts";

interface Rule {
  matchManagers?: string[];
  matchPackageNames?: string[];
  matchFileNames?: string[];
  matchDepNames?: string[];
  enabled?: boolean;
  groupName?: string;
}
const config = JSON.parse(readFileSync(join(REPO_ROOT, "renovate.json5"), "utf8").replace(/^\s*\/\/.*$/gm, "")) as {
  extends: string[];
  gitIgnoredAuthors: string[];
  kubernetes: { managerFilePatterns: string[] };
  customManagers: Array<{ customType: string; managerFilePatterns: string[]; matchStrings: string[] }>;
  packageRules: Rule[];
};
const VERSIONS_TEXT = readFileSync(join(REPO_ROOT, "tools/versions.env"), "utf8");
/** Pins Renovate must not move; tools/versions.env says why next to each. */
const BY_HAND = ["FN_BUILD_IMAGE", "FN_RUNTIME_IMAGE", "NODE_UNSUPPORTED_VERSION"];

/** Renovate's `/regex/` file pattern as a RegExp. */
const pattern = (p: string) => {
  expect(p, "a /regex/ pattern").toMatch(/^\/.+\/$/);
  return new RegExp(p.slice(1, -1));
};

function yamlFiles(dir: string): string[] {
  return readdirSync(join(REPO_ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name))
    .map((e) => relative(REPO_ROOT, join(e.parentPath, e.name)));
}

describe("renovate.json5", () => {
  it("extends the recommended presets and pins GitHub Actions by digest", () => {
    expect(config.extends).toEqual(expect.arrayContaining(["config:recommended", "helpers:pinGitHubActionDigests"]));
  });

  it("keeps rebasing a branch after the re-render workflow's commit on it", () => {
    const workflow = readFileSync(join(REPO_ROOT, ".github/workflows/rerender-bot-prs.yml"), "utf8");
    for (const author of config.gitIgnoredAuthors) expect(workflow).toContain(`GIT_AUTHOR_EMAIL: ${author}`);
    expect(config.gitIgnoredAuthors).toHaveLength(1);
  });

  it("reads every manifest that names a third-party image, and finds each of them there", () => {
    const files = ["base", "components", "overlays"].flatMap(yamlFiles);
    const withImages = files.filter((f) => /^\s*(?:-\s+)?image:\s*\S/m.test(readFileSync(join(REPO_ROOT, f), "utf8")));
    expect(withImages.length).toBeGreaterThan(5);
    const read = config.kubernetes.managerFilePatterns.map(pattern);
    expect(withImages.filter((f) => !read.some((r) => r.test(f)))).toEqual([]);
    const images = new Set(withImages.flatMap((f) => [...readFileSync(join(REPO_ROOT, f), "utf8").matchAll(/^\s*(?:-\s+)?image:\s*([^\s:@]+)/gm)].map((m) => m[1]!)));
    expect([...images].sort()).toEqual(
      ["amazon/aws-cli", "busybox", "getmeili/meilisearch", "ghcr.io/versity/versitygw", "postgres", "redis", ...Object.values(APP_IMAGES)].sort(),
    );
  });

  it("never updates the app images", () => {
    const rule = config.packageRules.find((r) => r.enabled === false && Object.values(APP_IMAGES).every((i) => r.matchPackageNames?.includes(i)));
    expect(rule).toBeDefined();
    expect(Object.keys(rule!).sort()).toEqual(["description", "enabled", "matchPackageNames"]);
  });

  describe("tools/versions.env", () => {
    const manager = config.customManagers.find((m) => m.managerFilePatterns.some((p) => pattern(p).test("tools/versions.env")))!;
    const pins = parseVersions(VERSIONS_TEXT);
    const found = new Map(
      manager.matchStrings.flatMap((s) => [...VERSIONS_TEXT.matchAll(new RegExp(s, "g"))]).map((m) => [m[0].split("\n")[1]!.split("=")[0]!, m.groups!]),
    );

    it("is read by a regex manager", () => {
      expect(manager.customType).toBe("regex");
    });

    it("has every pin annotated for Renovate, but those moved by hand", () => {
      expect([...found.keys()].sort()).toEqual(Object.keys(pins).filter((k) => !BY_HAND.includes(k)).sort());
      for (const [key, groups] of found) expect(groups.currentValue, key).toBe(pins[key]);
      for (const key of BY_HAND) expect(VERSIONS_TEXT, key).not.toMatch(new RegExp(`# renovate:.*\\n${key}=`));
    });

    it("names, for each Go tool, the module tools/setup.sh installs it from", () => {
      const setup = readFileSync(join(REPO_ROOT, "tools/setup.sh"), "utf8");
      const installs = [...setup.matchAll(/^go_tool \S+ (\S+) "\$([A-Z_]+)"$/gm)].map((m) => ({ pkg: m[1]!, key: m[2]! }));
      expect(installs.map((i) => i.key).sort()).toEqual(["ACTIONLINT_VERSION", "GITLEAKS_VERSION", "KUBE_SCORE_VERSION", "KUSTOMIZE_VERSION"]);
      for (const { pkg, key } of installs) {
        expect(found.get(key)?.datasource, key).toBe("go");
        expect(`${pkg}/`.startsWith(`${found.get(key)!.depName}/`), `${key}: ${pkg} is not in module ${found.get(key)!.depName}`).toBe(true);
      }
    });

    it("leaves kustomize to move with kubectl, and kubectl to its patch releases", () => {
      const rules = config.packageRules.filter((r) => r.matchFileNames?.includes("tools/versions.env") && r.enabled === false);
      expect(rules.flatMap((r) => r.matchDepNames ?? []).sort()).toEqual([found.get("KUBECTL_VERSION")!.depName, found.get("KUSTOMIZE_VERSION")!.depName].sort());
    });
  });
});
