/**
 * The README's overlays × components table says what the overlays really list, and the README stays
 * an overview: short, and free of timings, which go stale with every machine and change.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { REPO_ROOT } from "../support/tools.ts";

const cells = (line: string) => line.split("|").slice(1, -1).map((c) => c.trim());
const firstCode = (cell: string) => /`([^`]+)`/.exec(cell)?.[1] ?? "";

function readmeTable(): Map<string, Set<string>> {
  const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
  const section = readme.split(/^## /m).find((s) => s.startsWith("Overlays and components"));
  if (!section) throw new Error("README.md has no `## Overlays and components` section");
  const rows = section.split("\n").filter((l) => l.startsWith("|"));
  const overlays = cells(rows[0]!).slice(1).map(firstCode);
  const table = new Map(overlays.map((o) => [o, new Set<string>()]));
  for (const row of rows.slice(2)) {
    const [component, ...marks] = cells(row);
    marks.forEach((m, i) => m === "yes" && table.get(overlays[i]!)!.add(firstCode(component!)));
  }
  return table;
}

function listed(overlay: string): Set<string> {
  const k = parse(readFileSync(join(REPO_ROOT, overlay, "kustomization.yaml"), "utf8")) as { components?: string[] };
  return new Set((k.components ?? []).map((c) => c.replace(/^(\.\.\/)+/, "")));
}

describe("README: overlays and components", () => {
  const table = readmeTable();

  it("has a column for every overlay", () => {
    const overlays = readdirSync(join(REPO_ROOT, "overlays")).map((o) => `overlays/${o}`).sort();
    expect([...table.keys()].sort()).toEqual(overlays);
  });

  it("has a row for every component", () => {
    const section = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
    for (const c of readdirSync(join(REPO_ROOT, "components"))) expect(section).toContain(`| \`components/${c}\``);
  });

  for (const [overlay, components] of table) {
    it(`${overlay} lists exactly the components the table marks`, () => {
      expect([...listed(overlay)].sort()).toEqual([...components].sort());
    });
  }
});

/** Durations written as a number and a unit of time ("6 minutes", "40 s", "1.5s", "95 ms"). */
const timings = (text: string) =>
  [...text.matchAll(/(?<![\w.])\d+(?:[.,]\d+)*[\s-]?(?:ms|s|secs?|seconds?|mins?|minutes?|h|hours?)\b/gi)].map((m) => m[0]);

describe("README: an overview", () => {
  const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");

  it("is at most 10 KB", () => {
    expect(Buffer.byteLength(readme)).toBeLessThanOrEqual(10 * 1024);
  });

  it("names no timing", () => {
    expect(timings(readme)).toEqual([]);
  });

  it("the timing check sees one in prose, and not in k8s or a version", () => {
    expect(timings("took 6 minutes (40 s cached, 1.5s warm, 95 ms each, 2-min waits) on k8s v1.32")).toEqual(["6 minutes", "40 s", "1.5s", "95 ms", "2-min"]);
  });
});
