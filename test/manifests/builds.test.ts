/**
 * Every build target must build with no flags (Flux runs plain kustomize, no plugins) under both the
 * standalone CLI and kubectl's embedded copy, give the same objects, and pass strict schema validation.
 */
import { describe, expect, it } from "vitest";
import { allBuilds, built, componentDirs, REQUIRED_OVERLAYS } from "../support/builds.ts";
import { FLUX_VARIABLES } from "../support/reference.ts";
import { validateAll } from "../support/schema.ts";
import { toolVersion } from "../../scripts/lib/tool-versions.ts";
import { kustomizeVersion, objectId, parseAll, run, tool } from "../support/tools.ts";

const builds = allBuilds();

describe("tooling", () => {
  it("uses the pinned standalone kustomize, the version embedded in the pinned kubectl (tools/versions.env)", () => {
    const pinned = toolVersion("KUSTOMIZE_VERSION");
    expect(kustomizeVersion()).toBe(pinned);
    expect(run(tool("kubectl"), ["version", "--client"])).toContain(`Kustomize Version: ${pinned}\n`);
  });

  it("builds base, every overlay and every component", () => {
    const targets = Object.keys(builds);
    for (const t of ["base", ...REQUIRED_OVERLAYS]) expect(targets, `build target ${t}`).toContain(t);
    expect(componentDirs().length, "components/ should hold kind: Component directories").toBeGreaterThan(0);
  });
});

for (const [target, b] of Object.entries(builds)) {
  describe(`build ${b.label}`, () => {
    it("standalone `kustomize build` succeeds without flags", () => {
      if (!b.kustomize.ok) expect.fail(`kustomize build ${b.label}:\n${b.kustomize.text}`);
    });

    it("`kubectl kustomize` succeeds without flags", () => {
      if (!b.kubectl.ok) expect.fail(`kubectl kustomize ${b.label}:\n${b.kubectl.text}`);
    });

    it("both give the same objects", () => {
      const a = built(target).objects;
      if (!b.kubectl.ok) expect.fail(`kubectl kustomize ${b.label} failed:\n${b.kubectl.text}`);
      const k = parseAll(b.kubectl.text, `kubectl kustomize ${b.label}`);
      expect(k.map(objectId), "object ids (kubectl vs kustomize)").toEqual(a.map(objectId));
      expect(k).toEqual(a);
    });

    it("yields at least one object, each with apiVersion, kind and name, no duplicates", () => {
      const objects = built(target).objects;
      expect(objects.length).toBeGreaterThan(0);
      for (const o of objects) {
        expect(o.apiVersion, JSON.stringify(o).slice(0, 200)).toEqual(expect.any(String));
        expect(o.kind, JSON.stringify(o).slice(0, 200)).toEqual(expect.any(String));
        expect(o.metadata?.name, JSON.stringify(o).slice(0, 200)).toEqual(expect.any(String));
      }
      const ids = objects.map(objectId);
      expect(ids.filter((id, i) => ids.indexOf(id) !== i), "duplicate objects").toEqual([]);
    });

    it("every object passes strict schema validation", async () => {
      const problems = await validateAll(built(target).objects);
      expect(problems, `schema problems in ${b.label}:\n${problems.join("\n")}`).toEqual([]);
    });

    it("contains no `${` but this target's Flux variables (strict postBuild substitution would fail)", () => {
      const allowed = new Set((FLUX_VARIABLES[target] ?? []).map((v) => `\${${v}}`));
      const lines = built(target)
        .text.split("\n")
        .map((l, i) => `${i + 1}: ${l}`)
        .filter((l) => l.replace(/\$\{[A-Za-z_][A-Za-z0-9_]*\}/g, (m) => (allowed.has(m) ? "" : m)).includes("${"));
      expect(lines, `lines with \${ in ${b.label} (allowed: ${[...allowed].join(", ") || "none"})`).toEqual([]);
    });
  });
}
