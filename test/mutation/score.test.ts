import { describe, expect, test } from "vitest";
import { score, textAt, type Equivalent, type Report, type ReportMutant } from "./score-core.ts";

const SOURCE = "const a = list.length > 0;\nif (ok) {\n  go();\n}\n";

function mutant(status: string, mutatorName: string, replacement: string, start: [number, number], end: [number, number]): ReportMutant {
  return { status, mutatorName, replacement, location: { start: { line: start[0], column: start[1] }, end: { line: end[0], column: end[1] } } };
}

const report: Report = {
  files: {
    "src/a.ts": {
      source: SOURCE,
      mutants: [
        mutant("Killed", "EqualityOperator", "list.length >= 0", [1, 11], [1, 26]),
        mutant("Survived", "ConditionalExpression", "true", [1, 11], [1, 26]),
        mutant("NoCoverage", "BlockStatement", "{}", [2, 9], [4, 2]),
        mutant("Timeout", "ConditionalExpression", "false", [2, 5], [2, 7]),
        mutant("CompileError", "StringLiteral", '""', [1, 1], [1, 2]),
        mutant("Ignored", "StringLiteral", '""', [1, 1], [1, 2]),
      ],
    },
    "lib/b.ts": { source: "x;\n", mutants: [mutant("Killed", "StringLiteral", '""', [1, 1], [1, 2])] },
  },
};

const equivalent: Equivalent = {
  file: "src/a.ts", mutator: "ConditionalExpression", original: "list.length > 0", replacement: "true", reason: "only ever non-empty",
};

describe("the mutation score", () => {
  test("counts killed and timed-out mutants as detected, survivors and uncovered ones as not, nothing else", () => {
    const { folders, problems } = score(report, [], ["src", "lib"]);
    expect(problems).toEqual([]);
    expect(folders).toEqual([
      { folder: "src", detected: 2, undetected: 2, equivalent: 0, score: 50 },
      { folder: "lib", detected: 1, undetected: 0, equivalent: 0, score: 100 },
    ]);
  });

  test("leaves a listed equivalent out of the score", () => {
    const { folders, problems } = score(report, [equivalent], ["src", "lib"]);
    expect(problems).toEqual([]);
    expect(folders[0]).toEqual({ folder: "src", detected: 2, undetected: 1, equivalent: 1, score: (100 * 2) / 3 });
  });

  test("matches an entry on file, mutator, original text and replacement, all four", () => {
    for (const change of [{ file: "lib/b.ts" }, { mutator: "EqualityOperator" }, { original: "list.length" }, { replacement: "false" }]) {
      const { folders, problems } = score(report, [{ ...equivalent, ...change }], ["src", "lib"]);
      expect(folders[0]!.equivalent, JSON.stringify(change)).toBe(0);
      expect(problems.join("\n")).toMatch(/entry 1 .*no surviving mutant matches it any more/);
    }
  });

  test("reports an entry that only matches a killed mutant as stale", () => {
    const stale = { ...equivalent, mutator: "EqualityOperator", replacement: "list.length >= 0" };
    expect(score(report, [stale], ["src", "lib"]).problems).toEqual([expect.stringMatching(/^equivalent-mutants.yaml entry 1 \(src\/a.ts, EqualityOperator/)]);
  });

  test("rejects an entry without a reason or with a field that is not text", () => {
    const { problems } = score(report, [{ ...equivalent, reason: "  " }, { ...equivalent, original: 3 as unknown as string }], ["src", "lib"]);
    expect(problems).toEqual([
      "equivalent-mutants.yaml entry 1: needs reason as text",
      "equivalent-mutants.yaml entry 2: needs original as text",
    ]);
  });

  test("names a mutated file outside the scored folders, and a folder with nothing to score has no score", () => {
    const { folders, problems } = score(report, [], ["src", "other"]);
    expect(problems).toEqual(["lib/b.ts: mutated, but in none of the scored folders (src, other)"]);
    expect(folders[1]).toEqual({ folder: "other", detected: 0, undetected: 0, equivalent: 0, score: null });
  });
});

describe("the text a mutant replaced", () => {
  const lines = SOURCE.split("\n");
  test("on one line, end column exclusive", () => {
    expect(textAt(lines, { start: { line: 1, column: 11 }, end: { line: 1, column: 26 } })).toBe("list.length > 0");
  });
  test("across lines", () => {
    expect(textAt(lines, { start: { line: 2, column: 9 }, end: { line: 4, column: 2 } })).toBe("{\n  go();\n}");
  });
});
