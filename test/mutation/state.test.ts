/** The committed incremental state: canonical, so it holds no machine's paths and a run that changes no result leaves it as it was. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { normalizeState, stateText, type State, type StateMutant } from "./state-core.ts";
import { STATE_FILE } from "./stryker-config.ts";

const at = (line: number) => ({ start: { line, column: 3 } });
const mutant = (id: string, extra: Partial<StateMutant> = {}): StateMutant => ({
  id, mutatorName: "BooleanLiteral", replacement: "false", status: "Killed",
  location: { start: { line: 1, column: 1 }, end: { line: 1, column: 5 } }, ...extra,
});

/** Stryker's raw shape: tests numbered in the order runners reported them, with the run's own details. */
const raw = (): State => ({
  projectRoot: "/home/someone/ecom-deploy",
  schemaVersion: "1.0",
  files: {
    "src/z.ts": { language: "typescript", source: "z", mutants: [mutant("1", { killedBy: [], coveredBy: ["7", "3"], status: "Survived" })] },
    "src/a.ts": {
      language: "typescript",
      source: "a",
      mutants: [
        mutant("2", { killedBy: ["3"], coveredBy: ["3", "7", "5"], statusReason: "expected '/tmp/sandbox-1/x' to be 'y'", testsCompleted: 4, duration: 12 }),
        mutant("0", { status: "CompileError", static: true }),
      ],
    },
  },
  testFiles: {
    "test/b.test.ts": { source: "b", tests: [{ id: "3", name: "b two", location: at(9) }, { id: "7", name: "b one", location: at(2) }] },
    "test/a.test.ts": { source: "a", tests: [{ id: "5", name: "a one", location: at(4) }] },
  },
});

describe("normalizeState", () => {
  it("numbers tests by file and position and renames every reference to them", () => {
    const state = normalizeState(raw());
    expect(Object.keys(state.testFiles!)).toEqual(["test/a.test.ts", "test/b.test.ts"]);
    expect(state.testFiles!["test/a.test.ts"]!.tests).toEqual([{ id: "0", name: "a one", location: at(4) }]);
    expect(state.testFiles!["test/b.test.ts"]!.tests.map((t) => [t.id, t.name])).toEqual([["1", "b one"], ["2", "b two"]]);
    const [compileError, killed] = state.files["src/a.ts"]!.mutants;
    expect(killed).toEqual({ ...mutant("2"), killedBy: ["2"], coveredBy: ["0", "1", "2"] });
    expect(compileError).toEqual(mutant("0", { status: "CompileError" }));
    expect(state.files["src/z.ts"]!.mutants[0]).toEqual(mutant("1", { coveredBy: ["1", "2"], status: "Survived" }));
  });

  it("keeps no machine's details: no project root, failure messages, durations or static marks", () => {
    const text = stateText(raw());
    for (const gone of ["projectRoot", "/home/someone", "statusReason", "/tmp/sandbox", "testsCompleted", "duration", "static"]) expect(text).not.toContain(gone);
    expect(Object.keys(JSON.parse(text))).toEqual(["schemaVersion", "files", "testFiles"]);
  });

  it("gives the same file whatever order the runners reported tests in, and is idempotent", () => {
    const swapped = raw();
    const ids: Record<string, string> = { "3": "11", "7": "12", "5": "10" };
    for (const file of Object.values(swapped.testFiles!)) for (const t of file.tests) t.id = ids[t.id]!;
    for (const file of Object.values(swapped.files)) {
      for (const m of file.mutants) for (const key of ["killedBy", "coveredBy"] as const) m[key] = m[key]?.map((id) => ids[id]!);
    }
    expect(stateText(swapped)).toBe(stateText(raw()));
    expect(stateText(JSON.parse(stateText(raw())))).toBe(stateText(raw()));
  });
});

describe("the committed state", () => {
  it("is in the canonical form (run Stryker through `npm run test:mutation`, which writes it so)", () => {
    const text = readFileSync(STATE_FILE, "utf8");
    expect(stateText(JSON.parse(text)) === text, `${STATE_FILE} is not normalised`).toBe(true);
  });
});
