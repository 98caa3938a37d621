/**
 * The two independent policy tools, run over a built overlay, and the one list of the checks the
 * repository deliberately fails (docs/policy-exceptions.yaml). Findings come back as
 * `tool check Kind/name` so the list and the failure messages speak the same words.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { parse } from "yaml";
import { goInstalledTool, venvTool } from "../../scripts/lib/find-tool.ts";
import { toolVersion } from "../../scripts/lib/tool-versions.ts";
import { REPO_ROOT } from "./tools.ts";

export const EXCEPTIONS_FILE = "docs/policy-exceptions.yaml";

export type Tool = "kube-score" | "checkov";

export interface Finding {
  tool: Tool;
  check: string;
  /** Kind/name */
  object: string;
  detail: string;
}

export interface Exception {
  tool: Tool;
  check: string;
  objects: string[];
  overlays?: string[];
  reason: string;
}

const SETUP = "run `npm run setup` (tools/setup.sh installs the versions tools/versions.env pins)";

/** The pinned kube-score: its own `version` says "development" when go-installed, so the module version is read. */
export function kubeScoreBinary(): string {
  const want = toolVersion("KUBE_SCORE_VERSION");
  const found = goInstalledTool("kube-score", "KUBE_SCORE");
  if (!("path" in found)) throw new Error(`kube-score not found (${found.missing}); ${SETUP}, or set KUBE_SCORE=/path/to/kube-score`);
  const info = spawnSync("go", ["version", "-m", found.path], { encoding: "utf8" });
  const version = /^\s*mod\s+github\.com\/zegl\/kube-score\s+(\S+)/m.exec(info.stdout ?? "")?.[1];
  if (version !== want) throw new Error(`${found.path} is kube-score ${version ?? "(unknown version)"}, the tests need ${want}; ${SETUP}`);
  return found.path;
}

/**
 * The version pip recorded for the Checkov installed in the virtual environment `bin` belongs to
 * (its checkov-<version>.dist-info), or undefined outside such an environment. Asking `checkov
 * --version` starts Python and loads Checkov: seconds of CPU on every test run.
 */
export function venvCheckovVersion(bin: string): string | undefined {
  const lib = join(dirname(dirname(bin)), "lib");
  if (!existsSync(lib)) return undefined;
  const versions = readdirSync(lib)
    .filter((python) => python.startsWith("python"))
    .flatMap((python) => {
      const site = join(lib, python, "site-packages");
      return existsSync(site) ? readdirSync(site) : [];
    })
    .flatMap((entry) => /^checkov-(.+)\.dist-info$/.exec(entry)?.[1] ?? []);
  return versions.length === 1 ? versions[0] : undefined;
}

/** Checkov, from the virtual environment tools/setup.sh creates (or $CHECKOV), at the pinned version. */
export function checkovBinary(): string {
  const want = toolVersion("CHECKOV_VERSION");
  const found = venvTool("checkov", "CHECKOV", "CHECKOV_VERSION");
  if (!("path" in found)) throw new Error(`Checkov not found (${found.missing}); ${SETUP}, or set CHECKOV=/path/to/checkov`);
  let version = venvCheckovVersion(found.path);
  if (version === undefined) {
    const asked = spawnSync(found.path, ["--version"], { encoding: "utf8" });
    if (asked.error || asked.status !== 0) throw new Error(`${found.path} does not run (${asked.error?.message ?? asked.stderr.trim()}); ${SETUP}`);
    version = asked.stdout.trim();
  }
  if (version !== want) throw new Error(`${found.path} is Checkov ${version}, the tests need ${want}; ${SETUP}`);
  return found.path;
}

function runTool(bin: string, args: string[], what: string): string {
  const out = spawnSync(bin, args, { encoding: "utf8", maxBuffer: 64 << 20, timeout: 300_000 });
  if (out.error) throw new Error(`${what}: ${out.error.message}`);
  // Both exit 1 when they have findings; anything else, or no output, is a failure of the tool itself.
  if ((out.status !== 0 && out.status !== 1) || out.stdout.trim() === "") {
    throw new Error(`${what} failed (exit ${out.status}):\n${out.stderr.trim()}`);
  }
  return out.stdout;
}

interface KubeScoreObject {
  file_name: string;
  type_meta: { kind: string };
  object_meta: { name: string };
  checks: Array<{ check: { id: string }; grade: number; skipped: boolean; comments: Array<{ path?: string; summary?: string }> | null }>;
}

/**
 * Each tool runs once over a folder with one file per build (the labels are the caller's, e.g.
 * overlay paths) and its findings are sorted back by file: starting Checkov costs seconds, so one
 * run per build would be most of this test file's time.
 */
function inFolder<T>(builds: Record<string, string>, run: (dir: string, files: Map<string, string>) => T): T {
  const dir = mkdtempSync(join(tmpdir(), "policy-tools-"));
  try {
    const files = new Map(Object.entries(builds).map(([label, text], i) => {
      writeFileSync(join(dir, `${i}.yaml`), text);
      return [`${i}.yaml`, label] as const;
    }));
    return run(dir, files);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function byLabel(builds: Record<string, string>): Record<string, Finding[]> {
  return Object.fromEntries(Object.keys(builds).map((label) => [label, [] as Finding[]]));
}

function labelOf(files: Map<string, string>, path: string, tool: Tool): string {
  const label = files.get(basename(path));
  if (label === undefined) throw new Error(`${tool} reported a file it was not given: ${path}`);
  return label;
}

/** Every kube-score check below the top grade (10) that it did not skip, per build. */
export function kubeScore(builds: Record<string, string>): Record<string, Finding[]> {
  return inFolder(builds, (dir, files) => {
    const out = byLabel(builds);
    const paths = [...files.keys()].map((f) => join(dir, f));
    const objects = JSON.parse(runTool(kubeScoreBinary(), ["score", "--output-format", "json", ...paths], "kube-score")) as KubeScoreObject[];
    for (const o of objects) {
      for (const c of o.checks.filter((c) => !c.skipped && c.grade < 10)) {
        out[labelOf(files, o.file_name, "kube-score")]!.push({
          tool: "kube-score",
          check: c.check.id,
          object: `${o.type_meta.kind}/${o.object_meta.name}`,
          detail: (c.comments ?? []).map((x) => [x.path, x.summary].filter(Boolean).join(": ")).join("; "),
        });
      }
    }
    return out;
  });
}

interface CheckovReport {
  summary: { parsing_errors: number; resource_count: number };
  results: { failed_checks: Array<{ check_id: string; check_name: string; resource: string; file_path: string }> };
}

/** Every failed Checkov check (framework kubernetes, offline), per build. */
export function checkov(builds: Record<string, string>): Record<string, Finding[]> {
  return inFolder(builds, (dir, files) => {
    const text = runTool(checkovBinary(), ["-d", dir, "--framework", "kubernetes", "--skip-download", "--output", "json", "--quiet", "--compact"], "checkov");
    const parsed = JSON.parse(text) as CheckovReport | CheckovReport[] | { passed: 0; failed: 0 };
    const reports = Array.isArray(parsed) ? parsed : "results" in parsed ? [parsed] : [];
    if (reports.length === 0) throw new Error("checkov scanned no resources: is a build empty?");
    for (const r of reports) if (r.summary.parsing_errors > 0) throw new Error(`checkov could not parse ${r.summary.parsing_errors} file(s)`);
    const out = byLabel(builds);
    for (const f of reports.flatMap((r) => r.results.failed_checks)) {
      // Checkov names a resource Kind.namespace.name.
      const [kind, ...rest] = f.resource.split(".");
      out[labelOf(files, f.file_path, "checkov")]!.push({ tool: "checkov", check: f.check_id, object: `${kind}/${rest.slice(1).join(".")}`, detail: f.check_name });
    }
    return out;
  });
}

export function exceptions(): Exception[] {
  const doc = parse(readFileSync(join(REPO_ROOT, EXCEPTIONS_FILE), "utf8")) as Record<string, unknown> | null;
  const out: Exception[] = [];
  for (const [tool, list] of Object.entries(doc ?? {})) {
    if (tool !== "kube-score" && tool !== "checkov") throw new Error(`${EXCEPTIONS_FILE}: unknown tool ${tool}`);
    if (!Array.isArray(list)) throw new Error(`${EXCEPTIONS_FILE}: ${tool} is not a list`);
    list.forEach((e: Record<string, unknown>, i) => {
      const at = `${EXCEPTIONS_FILE}: ${tool}[${i}]`;
      const extra = Object.keys(e).filter((k) => !["check", "objects", "overlays", "reason"].includes(k));
      if (extra.length) throw new Error(`${at}: unknown field ${extra.join(", ")}`);
      if (typeof e.check !== "string" || !e.check) throw new Error(`${at}: no check`);
      if (!Array.isArray(e.objects) || e.objects.length === 0) throw new Error(`${at}: no objects`);
      if (typeof e.reason !== "string" || e.reason.trim().length < 20) throw new Error(`${at}: no reason worth the name`);
      out.push({ tool, check: e.check, objects: e.objects.map(String), ...(e.overlays ? { overlays: (e.overlays as unknown[]).map(String) } : {}), reason: e.reason });
    });
  }
  return out;
}

const glob = (pattern: string) => new RegExp(`^${pattern.split("*").map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`);

export function excepts(e: Exception, overlay: string, f: Finding): boolean {
  return e.tool === f.tool && e.check === f.check && (!e.overlays || e.overlays.includes(overlay)) && e.objects.some((o) => glob(o).test(f.object));
}

export const describeFinding = (f: Finding) => `${f.tool} ${f.check} ${f.object}${f.detail ? ` (${f.detail})` : ""}`;
