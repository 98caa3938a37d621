import { execFile, execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { parseAllDocuments } from "yaml";
import type { BuiltObject } from "../../scripts/lib/built-object.ts";
import { REPO_ROOT } from "../../scripts/lib/repo-root.ts";
import { goInstalledTool, onPath, SETUP_HINT } from "../../scripts/lib/find-tool.ts";
import { toolVersion } from "../../scripts/lib/tool-versions.ts";

export { REPO_ROOT };

const INSTALL_HINT: Record<string, () => string> = {
  kustomize: () => `The standalone kustomize CLI ${toolVersion("KUSTOMIZE_VERSION")}: ${SETUP_HINT} (or set KUSTOMIZE=/path/to/kustomize).`,
  kubectl: () => `Install kubectl ${toolVersion("KUBECTL_VERSION")} (its built-in \`kubectl kustomize\` is kustomize ${toolVersion("KUSTOMIZE_VERSION")}); \`npm run setup\` checks for it.`,
  kpt: () => `Install kpt ${toolVersion("KPT_VERSION")} and put it on PATH; \`npm run setup\` checks for it.`,
};

function missing(name: string, detail: string): never {
  // A missing tool must fail the run: a skipped manifest test looks exactly like a passing one in CI.
  throw new Error(`\n\n*** required tool '${name}' not found (${detail}).\n*** ${INSTALL_HINT[name]!()}\n`);
}

const cache = new Map<string, string>();

function resolveKustomize(): string {
  const found = goInstalledTool("kustomize", "KUSTOMIZE");
  return "path" in found ? found.path : missing("kustomize", found.missing);
}

export function tool(name: "kustomize" | "kubectl" | "kpt"): string {
  let found = cache.get(name);
  if (!found) {
    found = name === "kustomize" ? resolveKustomize() : (onPath(name) ?? missing(name, "not on PATH"));
    cache.set(name, found);
  }
  return found;
}

/** The oldest Node.js the function supports, as functions/package.json's engines states it. */
export const OLDEST_SUPPORTED_NODE = (JSON.parse(readFileSync(resolve(REPO_ROOT, "functions/package.json"), "utf8")).engines.node as string).replace(">=", "");

/** A Node.js runtime tools/setup.sh installs for the function's supported-range tests; missing fails the run. */
export function nodeRuntime(version: string): string {
  const cache = process.env.XDG_CACHE_HOME || resolve(homedir(), ".cache");
  const bin = resolve(cache, "ecom-deploy", `node-${version}`, "node_modules", ".bin", "node");
  if (!existsSync(bin)) throw new Error(`\n\n*** Node.js ${version} not found at ${bin}.\n*** ${SETUP_HINT}\n`);
  return bin;
}

export function run(bin: string, args: string[], cwd = REPO_ROOT): string {
  try {
    return execFileSync(bin, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: RUN_BUFFER });
  } catch (err) {
    throw runFailure(bin, args, err);
  }
}

/** `run` without blocking the worker, so independent tool runs can share the machine's cores. */
export async function runAsync(bin: string, args: string[], cwd = REPO_ROOT): Promise<string> {
  try {
    return (await execFileAsync(bin, args, { cwd, encoding: "utf8", maxBuffer: RUN_BUFFER })).stdout;
  } catch (err) {
    throw runFailure(bin, args, err);
  }
}

const RUN_BUFFER = 64 * 1024 * 1024;
const execFileAsync = promisify(execFile);

function runFailure(bin: string, args: string[], err: unknown): Error {
  const e = err as { status?: number | null; code?: number | string; stderr?: string | Buffer; message: string };
  const stderr = String(e.stderr ?? "").trim();
  return new Error(`\`${bin} ${args.join(" ")}\` failed (exit ${e.status ?? e.code ?? "?"})${stderr ? `:\n${stderr}` : `: ${e.message}`}`);
}

export function kustomizeBuild(dir: string): string {
  return run(tool("kustomize"), ["build", resolve(REPO_ROOT, dir)]);
}

/** The two front ends of kustomize, for builds that may run side by side. */
export const KUSTOMIZE_FRONT_ENDS = {
  kustomize: (dir: string) => runAsync(tool("kustomize"), ["build", resolve(REPO_ROOT, dir)]),
  kubectl: (dir: string) => runAsync(tool("kubectl"), ["kustomize", resolve(REPO_ROOT, dir)]),
};

/**
 * `go install`ed kustomize prints "(devel)" from `kustomize version` (no release ldflags); the module
 * version recorded in the binary is the reliable answer then.
 */
export function kustomizeVersion(): string {
  const bin = tool("kustomize");
  const printed = run(bin, ["version"]).trim();
  if (/^v\d+\.\d+\.\d+/.test(printed)) return printed;
  const info = run("go", ["version", "-m", bin]);
  const mod = /^\s*mod\s+sigs\.k8s\.io\/kustomize\/kustomize\/v5\s+(v\S+)/m.exec(info);
  return mod?.[1] ?? printed;
}

export function parseAll(yamlText: string, source = "yaml"): BuiltObject[] {
  const out: BuiltObject[] = [];
  parseAllDocuments(yamlText).forEach((doc, i) => {
    if (!("errors" in doc)) throw new Error(`${source}: document ${i} is not a YAML document`);
    if (doc.errors.length > 0) throw new Error(`${source}: document ${i}: ${doc.errors.map((e) => e.message).join("; ")}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) return;
    if (typeof value !== "object" || Array.isArray(value)) throw new Error(`${source}: document ${i} is not a mapping`);
    out.push(value as BuiltObject);
  });
  return out;
}

export function objectId(o: Pick<BuiltObject, "apiVersion" | "kind" | "metadata">): string {
  const ns = o.metadata?.namespace ? `${o.metadata.namespace}/` : "";
  return `${o.apiVersion}/${o.kind} ${ns}${o.metadata?.name}`;
}
