/**
 * The import rules of .dependency-cruiser.mjs hold for the repository, and each one fails when an
 * import that breaks it is planted in a copy: a rule that cannot fail would pass on anything.
 */
import { spawnSync } from "node:child_process";
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../support/tools.ts";

const DEPCRUISE = join(REPO_ROOT, "node_modules", "dependency-cruiser", "bin", "dependency-cruiser.mjs");
const CRUISED = ["functions", "scripts", "test", "tools", "vitest.config.ts"];

interface Violation {
  rule: { name: string };
  from: string;
  to: string;
  cycle?: { name: string }[];
}

function violations(root: string, paths = CRUISED): Violation[] {
  const run = spawnSync(process.execPath, [DEPCRUISE, "--output-type", "json", ...paths], { cwd: root, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (run.error || run.stdout === "") throw new Error(`dependency-cruiser did not report: ${run.error?.message ?? run.stderr}`);
  return JSON.parse(run.stdout).summary.violations;
}

const specifier = (from: string, to: string) => {
  const path = relative(dirname(from), to);
  return path.startsWith("..") ? path : `./${path}`;
};

const brief = (v: Violation) => `${v.rule.name}: ${v.from} → ${v.to}${v.cycle ? ` (${v.cycle.map((c) => c.name).join(" → ")})` : ""}`;

describe("import rules", () => {
  it("the repository breaks none of them", () => {
    expect(violations(REPO_ROOT).map(brief)).toEqual([]);
  });

  it("places every file of the function in core/, checks/, package/, plugin/ or entry/, which the rules name", () => {
    const files = readdirSync(join(REPO_ROOT, "functions/src"), { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".ts"));
    expect(files.length).toBeGreaterThan(0);
    expect(files.filter((f) => !/^(?:core|checks|package|plugin|entry)\/[^/]+\.ts$/.test(f))).toEqual([]);
  });

  describe("each fails on an import planted in a copy", () => {
    const copy = mkdtempSync(join(tmpdir(), "ecom-imports-"));
    afterAll(() => rmSync(copy, { recursive: true, force: true }));
    for (const path of ["functions/src", "scripts", "test/support", "tsconfig.json", ".dependency-cruiser.mjs"]) {
      cpSync(join(REPO_ROOT, path), join(copy, path), { recursive: true });
    }
    const plant = (file: string, target: string) => {
      mkdirSync(dirname(join(copy, file)), { recursive: true });
      appendFileSync(join(copy, file), `\nimport "${target}";\n`);
    };
    const planted: [rule: string, from: string, to: string][] = [
      ["core-imports-no-mode", "functions/src/core/policy.ts", "functions/src/plugin/view-of-build.ts"],
      ["core-imports-no-mode", "functions/src/core/quantity.ts", "functions/src/package/kustomization-model.ts"],
      ["core-imports-no-mode", "functions/src/core/reader.ts", "functions/src/plugin/view.ts"],
      ["checks-import-no-mode", "functions/src/checks/probe-ports.ts", "functions/src/package/overlay-builds.ts"],
      ["checks-import-no-mode", "functions/src/checks/probe.ts", "functions/src/package/compose.ts"],
      ["package-mode-imports-no-plugin-mode", "functions/src/package/overlay-builds.ts", "functions/src/plugin/view-of-build.ts"],
      ["plugin-mode-imports-no-package-mode", "functions/src/plugin/view-of-build.ts", "functions/src/package/json-patch.ts"],
      ["function-imports-no-scripts", "functions/src/core/image-ref.ts", "scripts/lib/repo-root.ts"],
      ["scripts-import-only-shared-readers", "scripts/lib/redact.ts", "functions/src/core/policy.ts"],
      ["product-imports-no-test-code", "scripts/lib/prompt.ts", "test/support/scratch-dir.ts"],
    ];
    // A new file in a folder is held to that folder's rules.
    for (const file of ["functions/src/plugin/view.ts", "functions/src/package/compose.ts"]) {
      mkdirSync(dirname(join(copy, file)), { recursive: true });
      writeFileSync(join(copy, file), "export {};\n");
    }
    for (const [, from, to] of planted) plant(from, specifier(from, to));
    // A cycle of two: repo-root.ts is imported by command.ts.
    plant("scripts/lib/repo-root.ts", "./command.ts");

    const found = violations(copy, ["functions", "scripts", "test"]);

    it.each(planted)("%s: %s → %s", (rule, from, to) => {
      expect(found.map(brief)).toContain(`${rule}: ${from} → ${to}`);
    });

    it("no-circular: scripts/lib/command.ts → repo-root.ts → command.ts", () => {
      const cycles = found.filter((v) => v.rule.name === "no-circular").map((v) => [...new Set([v.from, ...v.cycle!.map((c) => c.name)])].sort());
      expect(cycles).toContainEqual(["scripts/lib/command.ts", "scripts/lib/repo-root.ts"]);
    });
  });
});
