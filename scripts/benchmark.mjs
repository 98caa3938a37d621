#!/usr/bin/env node
// npm run bench: the function in plugin mode over the real prod build, and
// over that build plus copies of its Deployments, Services and ConfigMaps
// (a numeric suffix on every copied name) up to 1,000 and 10,000 objects,
// next to `node -e 0` and js-yaml load + dump of the same input. Each run is
// a new process; the table gives medians, peak memory, ratios and how far
// each target is met or missed.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const bundle = join(repo, "functions/dist/ecom-fn.mjs");
if (!existsSync(bundle)) {
  console.error("bench: functions/dist/ecom-fn.mjs is missing; run `npm run build` first");
  process.exit(2);
}
const gopath = execFileSync("go", ["env", "GOPATH"], { encoding: "utf8" }).trim();
const kustomize = process.env.KUSTOMIZE ?? join(gopath, "bin", "kustomize");
const RUNS = { small: Number(process.env.BENCH_RUNS ?? 21), large: Number(process.env.BENCH_LARGE_RUNS ?? 3) };
const TARGETS = { largeSeconds: 1.5, largeMiB: 400, startupRatio: 1.5, bundleKiB: 300, linearSlack: 1.25 };

// ---- inputs -------------------------------------------------------------------------------------

const built = execFileSync(kustomize, ["build", join(repo, "overlays/prod")], { encoding: "utf8" });
const docs = built.split(/^---\n/m).filter((d) => d.trim());
const policy = readFileSync(join(repo, "overlays/prod/policy/policy.yaml"), "utf8");
const COPIED = new Set(["Deployment", "Service", "ConfigMap"]);
const copyable = docs.filter((d) => COPIED.has(parseAllDocuments(d)[0].toJS().kind));
const indent = (text) => text.trimEnd().split("\n").map((l, i) => (i === 0 ? `- ${l}` : `  ${l}`)).join("\n");

/** The prod build plus suffixed copies up to `count` objects, as the ResourceList kustomize hands a plugin. */
function inputOf(count) {
  const items = [...docs];
  for (let n = 1; items.length < count; n++) {
    for (const d of copyable) {
      if (items.length >= count) break;
      items.push(d.replace(/^(metadata:\n(?:  .*\n)*?  name: )(.+)$/m, `$1$2-${n}`));
    }
  }
  return {
    objects: items.length,
    text: ["apiVersion: config.kubernetes.io/v1", "kind: ResourceList", "items:", ...items.map(indent), "functionConfig:",
      ...policy.trimEnd().split("\n").map((l) => `  ${l}`), ""].join("\n"),
  };
}

// ---- measuring ----------------------------------------------------------------------------------

const dir = mkdtempSync(join(tmpdir(), "ecom-bench-"));
const JS_YAML = `import{load,dump}from"js-yaml";import{readFileSync}from"node:fs";process.stdout.write(dump(load(readFileSync(0,"utf8")),{noRefs:true}))`;
const tools = {
  "node -e 0": [process.execPath, "-e", "0"],
  "js-yaml load+dump": [process.execPath, "--input-type=module", "-e", JS_YAML],
  function: [process.execPath, bundle],
};

/** Median seconds and peak MiB of `runs` fresh processes, and the last run's output. */
function measure(args, inputFile, runs) {
  const seconds = [];
  const mib = [];
  let last;
  const input = readFileSync(inputFile);
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    last = spawnSync("/usr/bin/time", ["-f", "%M", ...args], { input, maxBuffer: 1 << 30, cwd: repo });
    seconds.push(Number(process.hrtime.bigint() - started) / 1e9);
    mib.push(Number(String(last.stderr).trim().split("\n").pop()) / 1024);
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return { seconds: median(seconds), mib: median(mib), status: last.status, stdout: String(last.stdout) };
}

const rows = [];
const figures = {};
for (const [label, count, runs] of [["prod build", 0, RUNS.small], ["1,000 objects", 1000, RUNS.large], ["10,000 objects", 10000, RUNS.large]]) {
  const input = inputOf(count);
  const file = join(dir, `input-${count}.yaml`);
  writeFileSync(file, input.text);
  const got = Object.fromEntries(Object.entries(tools).map(([name, args]) => [name, measure(args, file, runs)]));
  const fn = got.function;
  const passed = input.text.slice(input.text.indexOf("items:"), input.text.indexOf("functionConfig:"));
  const identical = fn.stdout.includes(passed);
  figures[label] = { objects: input.objects, mb: input.text.length / 1e6, ...got, identical };
  rows.push([
    `${label} (${input.objects}, ${(input.text.length / 1e6).toFixed(1)} MB, ${runs} runs)`,
    ...Object.values(got).map((r) => `${(r.seconds * 1000).toFixed(0)} ms ${r.mib.toFixed(0)} MiB`),
    `${(fn.seconds / got["node -e 0"].seconds).toFixed(2)}x / ${(fn.seconds / got["js-yaml load+dump"].seconds).toFixed(2)}x`,
    `exit ${fn.status}, items ${identical ? "byte-identical" : "CHANGED"}`,
  ]);
}
rmSync(dir, { recursive: true, force: true });

// ---- report -------------------------------------------------------------------------------------

const header = ["input", ...Object.keys(tools), "function / node -e 0 / js-yaml", "outcome"];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (cells) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
console.log([line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n"));

const verdict = (label, value, target, unit, fmt = (v) => v.toFixed(2)) =>
  console.log(`${value <= target ? "met   " : "MISSED"} ${label}: ${fmt(value)}${unit} (target <= ${fmt(target)}${unit}${value <= target ? "" : `, missed by ${fmt(value - target)}${unit}, ${((value / target - 1) * 100).toFixed(0)}%`})`);
const large = figures["10,000 objects"].function;
const small = figures["1,000 objects"].function;
const prod = figures["prod build"];
console.log("");
verdict("10,000 objects, time", large.seconds, TARGETS.largeSeconds, " s");
verdict("10,000 objects, peak memory", large.mib, TARGETS.largeMiB, " MiB", (v) => v.toFixed(0));
verdict("growth from 1,000 to 10,000 objects (per object, 1.00 = linear)", (large.seconds / 10000) / (small.seconds / 1000), TARGETS.linearSlack, "");
verdict("prod build, function / node -e 0", prod.function.seconds / prod["node -e 0"].seconds, TARGETS.startupRatio, "x");
verdict("bundle size", statSync(bundle).size / 1024, TARGETS.bundleKiB, " KiB", (v) => v.toFixed(1));
const broken = Object.entries(figures).filter(([, f]) => f.function.status !== 0 || !f.identical);
if (broken.length) {
  console.error(`\nbench: the function did not pass ${broken.map(([l]) => l).join(", ")} through unchanged with exit 0`);
  process.exit(1);
}
