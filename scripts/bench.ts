// npm run bench
// Times `npm run render`'s command over a scratch copy of the checkout, and the function's start as
// Kustomize's exec plugin on the prod build (its real input, recorded from `kustomize build
// plugin/prod`) in pairs with `node -e 0`, both with the `node` on PATH as Kustomize starts it.
// BENCH_RUNS sets the pairs (21), BENCH_RENDER_RUNS the renders (5).
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { CommandError, main } from "./lib/command.ts";
import { goInstalledTool, onPath, SETUP_HINT } from "./lib/find-tool.ts";
import { captureScript, pairOrder, renderEntry, report, runCount, runProblem, summarizePairs, USAGE, type Pair } from "./lib/bench.ts";
import { REPO_ROOT } from "./lib/repo-root.ts";

const PLUGIN = join(REPO_ROOT, "functions", "dist", "ecom-fn.mjs");

function timed(command: string, args: string[], options: { input?: Buffer; cwd?: string; env?: NodeJS.ProcessEnv }): { ms: number; run: SpawnSyncReturns<Buffer> } {
  const started = process.hrtime.bigint();
  const run = spawnSync(command, args, { ...options, maxBuffer: 1 << 30 });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (run.error) throw new CommandError("tool-missing", `cannot run ${command}: ${run.error.message}`);
  return { ms, run };
}

function mustPass(label: string, run: SpawnSyncReturns<Buffer>, code: "bench-failed" | "render-failed" = "bench-failed"): void {
  const problem = runProblem(label, { status: run.status, signal: run.signal, stderr: String(run.stderr) });
  if (problem) throw new CommandError(code, problem);
}

/** The files git tracks, as they are in the working tree: what a user's render and build read. */
function copyCheckout(to: string): void {
  const listed = spawnSync("git", ["ls-files", "-z", "--cached"], { cwd: REPO_ROOT, encoding: "utf8", maxBuffer: 64 << 20 });
  if (listed.status !== 0) throw new CommandError("tool-missing", `git ls-files failed: ${listed.stderr || listed.error?.message}`);
  for (const file of listed.stdout.split("\0").filter((f) => f && existsSync(join(REPO_ROOT, f)))) {
    mkdirSync(dirname(join(to, file)), { recursive: true });
    cpSync(join(REPO_ROOT, file), join(to, file));
  }
}

await main(() => {
  parseArgs({ args: process.argv.slice(2), options: {}, strict: true });
  const pairs = runCount("BENCH_RUNS", process.env.BENCH_RUNS, 21);
  const renders = runCount("BENCH_RENDER_RUNS", process.env.BENCH_RENDER_RUNS, 5);
  if (!existsSync(PLUGIN)) throw new CommandError("tool-missing", "functions/dist/ecom-fn.mjs is missing; run `npm run build` first");
  const kustomize = goInstalledTool("kustomize", "KUSTOMIZE");
  if ("missing" in kustomize) throw new CommandError("tool-missing", `the standalone kustomize is ${kustomize.missing}; ${SETUP_HINT}`);
  const node = onPath("node");
  if (!node) throw new CommandError("tool-missing", "no node on PATH: Kustomize starts the plugin with the node on PATH");
  const entry = renderEntry(JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")).scripts?.render);

  const scratch = mkdtempSync(join(tmpdir(), "ecom-bench-"));
  try {
    const checkout = join(scratch, "checkout");
    copyCheckout(checkout);
    const captured = join(scratch, "plugin-input.yaml");
    const capture = join(checkout, "functions", "dist", "ecom-fn.mjs");
    mkdirSync(dirname(capture), { recursive: true });
    writeFileSync(capture, captureScript(captured));
    chmodSync(capture, 0o755);
    const pluginDir = join(checkout, "plugin", "prod");
    mustPass("kustomize build plugin/prod", timed(kustomize.path, ["build", "--enable-alpha-plugins", "--enable-exec", pluginDir], {}).run);
    const input = readFileSync(captured);

    // The plugin's cache starts empty here, so the first run is a user's first.
    const env = { ...process.env, XDG_CACHE_HOME: join(scratch, "cache") };
    const plugin = () => timed(PLUGIN, [], { input, cwd: pluginDir, env });
    const floor = () => timed(node, ["-e", "0"], { cwd: pluginDir, env });
    const first = plugin();
    mustPass("the plugin", first.run);
    const measured: Pair[] = [];
    for (let i = 0; i < pairs; i++) {
      const pair = { floorMs: 0, pluginMs: 0 };
      for (const which of pairOrder(i)) {
        const { ms, run } = which === "floor" ? floor() : plugin();
        mustPass(which === "floor" ? "node -e 0" : "the plugin", run);
        if (which === "plugin" && !run.stdout.equals(first.run.stdout)) throw new CommandError("bench-failed", `the plugin's output in pair ${i + 1} differs from its first run's`);
        pair[which === "floor" ? "floorMs" : "pluginMs"] = ms;
      }
      measured.push(pair);
    }

    const seconds: number[] = [];
    for (let i = 0; i < renders; i++) {
      const { ms, run } = timed(process.execPath, [join(REPO_ROOT, entry), checkout], { cwd: REPO_ROOT });
      mustPass(`node ${entry}`, run, "render-failed");
      seconds.push(ms / 1000);
    }

    const version = String(spawnSync(node, ["--version"], { encoding: "utf8" }).stdout).trim();
    console.log(report({ node: { version, path: node }, render: { entry, seconds }, start: summarizePairs(measured), coldMs: first.ms }));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}, USAGE);
