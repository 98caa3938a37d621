/**
 * `npm run bench`: what the command measures and how it reports it. The plugin's start is timed in
 * pairs with `node -e 0` started the same way, one right after the other and in alternating order,
 * so that the load of a shared machine weighs on both halves of a pair alike; the figure is the
 * median of the per-pair ratios, never a ratio of two medians taken at different moments.
 */
import { CommandError } from "./command.ts";

export const USAGE = "usage: [BENCH_RUNS=<pairs>] [BENCH_RENDER_RUNS=<runs>] npm run bench";

/** The plugin's start on the prod build, as a multiple of `node -e 0`, that the function aims for. */
export const START_TARGET = 2;

/** How many runs an environment variable asks for: a whole number from 1 to 1000, `fallback` when unset. */
export function runCount(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === "") return fallback;
  if (!/^[1-9][0-9]{0,2}$|^1000$/.test(value)) throw new CommandError("usage", `${name}=${value}: expected a whole number from 1 to 1000\n${USAGE}`);
  return Number(value);
}

/** Which of the pair runs first in pair `index`: the floor in even pairs, the plugin in odd ones. */
export function pairOrder(index: number): ["floor", "plugin"] | ["plugin", "floor"] {
  return index % 2 === 0 ? ["floor", "plugin"] : ["plugin", "floor"];
}

/** The value at quantile `q` (0 to 1) of `values`, interpolated between the two nearest ranks. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) throw new CommandError("internal", "no runs to summarize");
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (sorted.length - 1) * q;
  const below = Math.floor(rank);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below]! + (sorted[above]! - sorted[below]!) * (rank - below);
}

export const median = (values: readonly number[]): number => quantile(values, 0.5);

export interface Pair {
  floorMs: number;
  pluginMs: number;
}

export interface StartSummary {
  pairs: number;
  floorMs: number;
  pluginMs: number;
  /** Median of the per-pair ratios, with their quartiles. */
  ratio: number;
  ratioLow: number;
  ratioHigh: number;
}

export function summarizePairs(pairs: readonly Pair[]): StartSummary {
  const ratios = pairs.map((p) => p.pluginMs / p.floorMs);
  return {
    pairs: pairs.length,
    floorMs: median(pairs.map((p) => p.floorMs)),
    pluginMs: median(pairs.map((p) => p.pluginMs)),
    ratio: median(ratios),
    ratioLow: quantile(ratios, 0.25),
    ratioHigh: quantile(ratios, 0.75),
  };
}

/**
 * The command `npm run render` runs after its setup and build steps (the last `&&` step of its
 * package.json script), as the script path to start with node: the bench times what users run.
 */
export function renderEntry(script: string | undefined): string {
  const last = script?.split("&&").at(-1)?.trim() ?? "";
  const m = /^node (scripts\/[\w.-]+\.(?:ts|mjs))$/.exec(last);
  if (!m) throw new CommandError("internal", `package.json's render script must end in \`node scripts/<file>\`, not ${JSON.stringify(last)}`);
  return m[1]!;
}

/**
 * An exec plugin that copies what Kustomize hands it to `file` and answers with it unchanged: put in
 * place of the function in a scratch copy, it records the plugin's real input on the prod build.
 */
export function captureScript(file: string): string {
  return [
    "#!/usr/bin/env node",
    'import { writeFileSync } from "node:fs";',
    "const chunks = [];",
    "for await (const chunk of process.stdin) chunks.push(chunk);",
    `writeFileSync(${JSON.stringify(file)}, Buffer.concat(chunks));`,
    "process.stdout.write(Buffer.concat(chunks));",
  ].join("\n");
}

export interface RunOutcome {
  status: number | null;
  signal?: string | null;
  stderr: string;
}

/** Why a measured run cannot be counted, or undefined: a failed run times an error path, not the work. */
export function runProblem(label: string, run: RunOutcome): string | undefined {
  if (run.status === 0) return undefined;
  const how = run.status === null ? `was killed by ${run.signal ?? "a signal"}` : `exited ${run.status}`;
  const said = run.stderr.trim().split("\n").slice(-5).join("\n");
  return `${label} ${how}${said ? `:\n${said}` : " and said nothing"}`;
}

export interface BenchFigures {
  node: { version: string; path: string };
  render: { entry: string; seconds: number[] };
  start: StartSummary;
  /** The plugin's first run, with nothing cached yet. */
  coldMs: number;
}

const ms = (v: number) => `${v.toFixed(1)} ms`;
const times = (v: number) => `${v.toFixed(2)}x`;

/** The report, one figure a line. */
export function report(f: BenchFigures): string {
  const { start } = f;
  const met = start.ratio <= START_TARGET;
  return [
    `node on PATH: ${f.node.version} (${f.node.path})`,
    `render: node ${f.render.entry} over a copy of the checkout, ${f.render.seconds.length} run(s): median ${median(f.render.seconds).toFixed(2)} s` +
      ` (fastest ${Math.min(...f.render.seconds).toFixed(2)} s, slowest ${Math.max(...f.render.seconds).toFixed(2)} s)`,
    `plugin start on the prod build, ${start.pairs} pair(s) with node -e 0 in alternating order (medians):`,
    `  node -e 0     ${ms(start.floorMs)}`,
    `  plugin        ${ms(start.pluginMs)} (first run, nothing cached: ${ms(f.coldMs)})`,
    `  plugin / node -e 0  ${times(start.ratio)} per pair (quartiles ${times(start.ratioLow)} to ${times(start.ratioHigh)});` +
      ` target ${times(START_TARGET)}: ${met ? "met" : `missed by ${times(start.ratio - START_TARGET)}`}`,
  ].join("\n");
}
