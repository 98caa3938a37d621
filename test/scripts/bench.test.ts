/** npm run bench's logic, without timing anything: the pairing, the statistics, the report and its refusals. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  captureScript, median, pairOrder, quantile, renderEntry, report, runCount, runProblem, START_TARGET, summarizePairs, USAGE, type BenchFigures,
} from "../../scripts/lib/bench.ts";
import { CommandError } from "../../scripts/lib/command.ts";
import { REPO_ROOT } from "../support/tools.ts";

function refusal(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(CommandError);
    return { code: (err as CommandError).code, message: (err as CommandError).message };
  }
  throw new Error("expected a refusal");
}

describe("runCount", () => {
  it("takes the fallback when the variable is unset or empty", () => {
    expect(runCount("BENCH_RUNS", undefined, 21)).toBe(21);
    expect(runCount("BENCH_RUNS", "", 5)).toBe(5);
  });

  it.each([["1", 1], ["7", 7], ["21", 21], ["999", 999], ["1000", 1000]])("reads %s", (value, runs) => {
    expect(runCount("BENCH_RUNS", value, 21)).toBe(runs);
  });

  it.each(["0", "-1", "1.5", "07", "1001", "10000", "21000", "2x", " 3", "many"])("refuses %j as a usage error naming the variable", (value) => {
    expect(refusal(() => runCount("BENCH_RENDER_RUNS", value, 5))).toEqual({
      code: "usage",
      message: `BENCH_RENDER_RUNS=${value}: expected a whole number from 1 to 1000\n${USAGE}`,
    });
  });
});

describe("pairOrder", () => {
  it("alternates which half of a pair runs first, the floor first in pair 0", () => {
    expect([0, 1, 2, 3].map(pairOrder)).toEqual([["floor", "plugin"], ["plugin", "floor"], ["floor", "plugin"], ["plugin", "floor"]]);
  });
});

describe("quantile and median", () => {
  it("interpolate between the nearest ranks of the sorted values", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
    expect(quantile([10, 20, 30, 40, 50], 0.25)).toBe(20);
    expect(quantile([1, 2, 3, 4], 0.25)).toBe(1.75);
    expect(quantile([1, 2, 3, 4], 0.75)).toBe(3.25);
    expect(quantile([5, 1, 9], 0)).toBe(1);
    expect(quantile([5, 1, 9], 1)).toBe(9);
  });

  it("leave the values they were given in their order", () => {
    const values = [3, 1, 2];
    median(values);
    expect(values).toEqual([3, 1, 2]);
  });

  it("refuse to summarize no runs", () => {
    expect(refusal(() => median([]))).toEqual({ code: "internal", message: "no runs to summarize" });
  });
});

describe("summarizePairs", () => {
  it("gives the median of the per-pair ratios, not the ratio of the medians, with its quartiles", () => {
    // Load that slows both halves of a pair cancels out of its ratio.
    const pairs = [
      { floorMs: 20, pluginMs: 40 },
      { floorMs: 60, pluginMs: 90 },
      { floorMs: 30, pluginMs: 90 },
      { floorMs: 25, pluginMs: 50 },
      { floorMs: 100, pluginMs: 250 },
    ];
    expect(summarizePairs(pairs)).toEqual({ pairs: 5, floorMs: 30, pluginMs: 90, ratio: 2, ratioLow: 2, ratioHigh: 2.5 });
  });
});

describe("renderEntry", () => {
  it("is the script npm run render starts after its setup and build steps", () => {
    expect(renderEntry("bash tools/setup.sh --render && npm run build && node scripts/render.mjs")).toBe("scripts/render.mjs");
    expect(renderEntry("bash tools/setup.sh --render && npm run build --silent && node scripts/render.ts")).toBe("scripts/render.ts");
    expect(renderEntry("node scripts/render-v2.ts")).toBe("scripts/render-v2.ts");
  });

  it.each([
    [undefined, '""'],
    ["npm run build && node scripts/render.ts --all", '"node scripts/render.ts --all"'],
    ["node scripts/render.ts && echo done", '"echo done"'],
    ["FORCE=1 node scripts/render.ts", '"FORCE=1 node scripts/render.ts"'],
    ["node ../elsewhere/render.ts", '"node ../elsewhere/render.ts"'],
    ["node scripts/render.js", '"node scripts/render.js"'],
    ["node scripts/sub/render.ts", '"node scripts/sub/render.ts"'],
  ])("refuses a render script that does not end in one node scripts/<file>: %s", (script, shown) => {
    expect(refusal(() => renderEntry(script))).toEqual({ code: "internal", message: `package.json's render script must end in \`node scripts/<file>\`, not ${shown}` });
  });
});

describe("captureScript", () => {
  it("records its stdin to the file and answers with it unchanged", () => {
    const dir = mkdtempSync(join(tmpdir(), "ecom-bench-capture-"));
    try {
      const file = join(dir, "it's captured.yaml");
      writeFileSync(join(dir, "capture.mjs"), captureScript(file));
      const input = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\n".repeat(5000);
      const run = spawnSync(process.execPath, [join(dir, "capture.mjs")], { input, encoding: "utf8" });
      expect([run.status, run.stderr]).toEqual([0, ""]);
      expect(run.stdout).toBe(input);
      expect(readFileSync(file, "utf8")).toBe(input);
      expect(captureScript(file).startsWith("#!/usr/bin/env node\n")).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("runProblem", () => {
  it("is nothing for a run that exited 0", () => {
    expect(runProblem("the plugin", { status: 0, stderr: "a warning" })).toBeUndefined();
  });

  it("names the run and its exit, with the last lines it said", () => {
    const stderr = ["1", "2", "3", "4", "5", "6", ""].join("\n");
    expect(runProblem("the plugin", { status: 1, stderr })).toBe("the plugin exited 1:\n2\n3\n4\n5\n6");
    expect(runProblem("node -e 0", { status: 2, stderr: " \n" })).toBe("node -e 0 exited 2 and said nothing");
  });

  it("names the signal that killed a run", () => {
    expect(runProblem("the plugin", { status: null, signal: "SIGKILL", stderr: "" })).toBe("the plugin was killed by SIGKILL and said nothing");
    expect(runProblem("the plugin", { status: null, stderr: "out of memory" })).toBe("the plugin was killed by a signal:\nout of memory");
  });
});

describe("report", () => {
  const figures = (ratio: number): BenchFigures => ({
    node: { version: "v24.0.0", path: "/usr/bin/node" },
    render: { entry: "scripts/render.ts", seconds: [2.5, 1.25, 3] },
    start: { pairs: 21, floorMs: 30, pluginMs: 57.25, ratio, ratioLow: 1.875, ratioHigh: 2.125 },
    coldMs: 180.04,
  });

  it("prints render's time and the plugin's start against its floor, and whether the target is met", () => {
    expect(report(figures(1.9))).toBe(
      [
        "node on PATH: v24.0.0 (/usr/bin/node)",
        "render: node scripts/render.ts over a copy of the checkout, 3 run(s): median 2.50 s (fastest 1.25 s, slowest 3.00 s)",
        "plugin start on the prod build, 21 pair(s) with node -e 0 in alternating order (medians):",
        "  node -e 0     30.0 ms",
        "  plugin        57.3 ms (first run, nothing cached: 180.0 ms)",
        "  plugin / node -e 0  1.90x per pair (quartiles 1.88x to 2.13x); target 2.00x: met",
      ].join("\n"),
    );
  });

  it("says by how much a missed target is missed; the target itself counts as met", () => {
    expect(report(figures(2.345)).split("\n").at(-1)).toBe("  plugin / node -e 0  2.35x per pair (quartiles 1.88x to 2.13x); target 2.00x: missed by 0.35x");
    expect(report(figures(START_TARGET)).split("\n").at(-1)).toMatch(/target 2\.00x: met$/);
  });
});

describe("npm run bench", () => {
  it("refuses a bad run count or an argument before it runs anything: one error line with the usage, exit 1", () => {
    const bench = (args: string[], env: Record<string, string>) =>
      spawnSync(process.execPath, [join(REPO_ROOT, "scripts/bench.ts"), ...args], { encoding: "utf8", env: { ...process.env, ...env } });
    expect(bench([], { BENCH_RUNS: "lots" })).toMatchObject({ status: 1, stdout: "", stderr: `error: usage: BENCH_RUNS=lots: expected a whole number from 1 to 1000\n${USAGE}\n` });
    expect(bench(["prod"], {})).toMatchObject({ status: 1, stdout: "", stderr: `error: usage: Unexpected argument 'prod'. This command does not take positional arguments\n${USAGE}\n` });
  });
});
