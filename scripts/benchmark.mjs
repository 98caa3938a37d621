#!/usr/bin/env node
// Prints figures for the KRM function: bundle size, and time and peak memory
// of a run over the real prod build padded to N resources, next to what
// re-serialising the same ResourceList through the `yaml` package costs.
// Figures only: nothing here passes or fails.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const bundle = join(repo, "functions/dist/ecom-fn.mjs");
const count = Number(process.argv[2] ?? 10_000);
if (!existsSync(bundle)) {
  console.error("benchmark: run `npm run build` first");
  process.exit(2);
}
const gopath = execFileSync("go", ["env", "GOPATH"], { encoding: "utf8" }).trim();
const kustomize = process.env.KUSTOMIZE ?? join(gopath, "bin", "kustomize");

const built = execFileSync(kustomize, ["build", join(repo, "overlays/prod")], { encoding: "utf8" });
const policy = readFileSync(join(repo, "overlays/prod/policy/policy.yaml"), "utf8");
const indent = (text) => text.trimEnd().split("\n").map((l, i) => (i === 0 ? `- ${l}` : `  ${l}`)).join("\n");
const items = built.split(/^---$/m).map((d) => d.trim()).filter(Boolean);
for (let i = 0; items.length < count; i++) {
  items.push(`apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: padding-${i}\n  annotations:\n    note: "1234567"\ndata:\n  enabled: "yes"\n  size: '42'\n`);
}
const input = [
  "apiVersion: config.kubernetes.io/v1",
  "kind: ResourceList",
  "items:",
  ...items.map(indent),
  "functionConfig:",
  ...policy.trimEnd().split("\n").map((l) => `  ${l}`),
  "",
].join("\n");

const dir = mkdtempSync(join(tmpdir(), "ecom-fn-bench-"));
const inputFile = join(dir, "input.yaml");
writeFileSync(inputFile, input);

function measure(label, args) {
  const timed = existsSync("/usr/bin/time");
  const started = process.hrtime.bigint();
  const run = spawnSync(timed ? "/usr/bin/time" : args[0], timed ? ["-f", "%M", ...args] : args.slice(1), {
    input: readFileSync(inputFile),
    maxBuffer: 1 << 30,
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const rss = timed ? Number(String(run.stderr).trim().split("\n").pop()) / 1024 : NaN;
  console.log(`${label.padEnd(44)} ${seconds.toFixed(2).padStart(7)} s ${Number.isNaN(rss) ? "" : `${rss.toFixed(0).padStart(6)} MiB peak`}`);
  return run;
}

console.log(`bundle functions/dist/ecom-fn.mjs: ${(statSync(bundle).size / 1024).toFixed(1)} KiB`);
console.log(`input: ${items.length} resources, ${(input.length / 1024 / 1024).toFixed(1)} MiB of YAML\n`);
const fn = measure("function (plugin mode, nothing to change)", [process.execPath, bundle]);
const unchanged = String(fn.stdout).startsWith(input.slice(0, input.indexOf("functionConfig:")));
console.log(`  exit ${fn.status}; items passed through byte-identical: ${unchanged ? "yes" : "NO"}`);
const reserialise = `import{parseDocument}from"yaml";import{readFileSync}from"node:fs";process.stdout.write(String(parseDocument(readFileSync(0,"utf8"))))`;
measure("yaml parseDocument + toString (for comparison)", [process.execPath, "--input-type=module", "-e", reserialise]);

const started = process.hrtime.bigint();
const render = spawnSync(process.execPath, [join(repo, "scripts/render.mjs")], { cwd: repo, encoding: "utf8" });
console.log(`\nnpm run render over the repository (kpt included): ${(Number(process.hrtime.bigint() - started) / 1e9).toFixed(2)} s, exit ${render.status}`);
rmSync(dir, { recursive: true, force: true });
