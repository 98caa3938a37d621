/**
 * docs/errors.md and the code lists agree both ways: every code the function
 * and the commands can report has its entry (with an example that shows the
 * code as it is printed, and a fix), every entry names a code that exists,
 * and every listed code is reported somewhere.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CODES } from "../../functions/src/core/codes.ts";
import { SCRIPT_CODES } from "../../scripts/lib/codes.ts";
import { REPO_ROOT } from "../support/tools.ts";

const catalog = readFileSync(join(REPO_ROOT, "docs/errors.md"), "utf8");
const entries = [...catalog.matchAll(/^### `([a-z0-9-]+)`\n([\s\S]*?)(?=\n### |\n## |(?![\s\S]))/gm)].map((m) => ({ code: m[1]!, body: m[2]! }));
const listed = [...CODES, ...SCRIPT_CODES];

function sources(dir: string, ext: RegExp): string {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && ext.test(e.name) && e.name !== "codes.ts")
    .map((e) => readFileSync(join(e.parentPath, e.name), "utf8"))
    .join("\n");
}

describe("docs/errors.md", () => {
  it("has one entry per code, and no code twice", () => {
    expect(entries.length).toBeGreaterThan(0);
    expect(new Set(listed).size, "a code in both lists").toBe(listed.length);
    expect(entries.map((e) => e.code).sort()).toEqual([...listed].sort());
  });

  it("shows each code as it is printed, with an example and a fix: a command's one error line, or the function's result", () => {
    for (const { code, body } of entries) {
      const printed = (CODES as readonly string[]).includes(code) ? `\\[(error|warning)\\] ${code}: ` : `\`error: ${code}: `;
      expect(body, code).toMatch(new RegExp(`Example:.*${printed}`));
      expect(body, code).toMatch(/^Fix: \S/m);
    }
  });

  it("lists only codes that something reports", () => {
    const fn = sources(join(REPO_ROOT, "functions/src"), /\.ts$/);
    const scripts = sources(join(REPO_ROOT, "scripts"), /\.(ts|mjs)$/);
    for (const code of CODES) expect(fn, code).toContain(`"${code}"`);
    for (const code of SCRIPT_CODES) expect(scripts, code).toContain(`"${code}"`);
  });
});
