/**
 * Running the RUN steps of an image build on the host: the commands a Dockerfile names, with the Node.js
 * major version of its base image, a clean environment (a build must not depend on whoever started it),
 * and their package managers installed from the npm registry into the image cache.
 */
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";
import { downloadsDir, toolsDir } from "./images-cache.ts";
import { STANDARD_PATH } from "./images-layer.ts";

/** How many of a failing step's last output lines its error carries. */
const TAIL_LINES = 40;

/** Host settings a registry client may need to reach its registry here; they do not change what is built. */
const PASSED_THROUGH = [
  "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy",
  "NODE_EXTRA_CA_CERTS", "SSL_CERT_FILE", "npm_config_registry", "YARN_NPM_REGISTRY_SERVER", "YARN_REGISTRY",
];

export interface NodeRuntime {
  path: string;
  /** Without the leading "v". */
  version: string;
}

let cachedNode: NodeRuntime | undefined;

/**
 * The host's Node.js of the given major version: the app images are based on node:20-alpine and the
 * rehearsal runs their containers with the host's /usr, so the build must use that same Node.js.
 */
export function findNode(major: number): NodeRuntime {
  if (cachedNode && cachedNode.version.startsWith(`${major}.`)) return cachedNode;
  const candidates = ["/usr/local/bin/node", "/usr/bin/node", ...(process.env.PATH ?? "").split(delimiter).filter(Boolean).map((d) => join(d, "node"))];
  const seen: string[] = [];
  for (const candidate of candidates) {
    if (!existsSync(candidate)) continue;
    let version: string;
    try {
      version = execFileSync(candidate, ["--version"], { encoding: "utf8", timeout: 10_000 }).trim().replace(/^v/, "");
    } catch {
      continue;
    }
    seen.push(`${candidate} (${version})`);
    if (version.startsWith(`${major}.`)) return (cachedNode = { path: candidate, version });
  }
  throw new Error(`no Node.js ${major} found (the app images are built and run with it); looked at ${seen.join(", ") || "no node binary"}`);
}

/** The environment of a RUN step: the image's PATH, a throw-away HOME, the host's proxy settings, and `extra`. */
export function stepEnv(node: NodeRuntime, home: string, extra: Record<string, string>): Record<string, string> {
  // node:20-alpine's PATH, with the Node.js bin directory first so scripts find the image's major version.
  const env: Record<string, string> = { PATH: `${dirname(node.path)}:${STANDARD_PATH}`, HOME: home };
  for (const name of PASSED_THROUGH) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return { ...env, ...extra };
}

const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]/g;

/**
 * Runs one step, handing each output line (colour codes removed) to `log`. A failure throws an Error
 * naming the step and carrying its last lines.
 */
export function runStep(
  step: string,
  argv: string[],
  opts: { cwd: string; env: Record<string, string>; log: (line: string) => void },
): Promise<void> {
  const [command, ...args] = argv;
  if (command === undefined) throw new Error(`${step}: empty command`);
  const tail: string[] = [];
  const take = (line: string) => {
    const clean = line.replace(ANSI, "").replace(/\r/g, "").trimEnd();
    if (clean === "") return;
    opts.log(clean);
    tail.push(clean);
    if (tail.length > TAIL_LINES) tail.shift();
  };
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: opts.cwd, env: opts.env, stdio: ["ignore", "pipe", "pipe"] });
    for (const stream of [child.stdout, child.stderr]) {
      let pending = "";
      stream.setEncoding("utf8");
      stream.on("data", (chunk: string) => {
        const lines = (pending + chunk).split("\n");
        pending = lines.pop() ?? "";
        lines.forEach(take);
      });
      stream.on("end", () => take(pending));
    }
    child.on("error", (err) => reject(new Error(`${step} could not start (${command}): ${err.message}`)));
    child.on("close", (code, signal) => {
      if (code === 0) return resolve();
      const how = signal ? `was killed by ${signal}` : `failed with exit code ${code}`;
      reject(new Error(`${step} ${how}; its last lines:\n${tail.map((l) => `  ${l}`).join("\n")}`));
    });
  });
}

/**
 * An npm package installed once into the image cache (a package manager, a font), by the host's npm
 * with the given Node.js. Returns the package's directory.
 */
export async function npmPackage(node: NodeRuntime, name: string, version: string, log: (line: string) => void): Promise<string> {
  const dir = join(toolsDir(), `${name.replace(/^@/, "").replace(/\//g, "+")}@${version}`);
  const pkgDir = (root: string) => join(root, "node_modules", ...name.split("/"));
  if (existsSync(join(pkgDir(dir), "package.json"))) return pkgDir(dir);
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    const npm = join(dirname(node.path), "npm");
    await runStep(`installing ${name}@${version}`, [existsSync(npm) ? npm : "npm", "install", "--prefix", tmp, "--no-save", "--no-package-lock",
      "--no-audit", "--no-fund", "--ignore-scripts", "--cache", join(downloadsDir(), "npm"), `${name}@${version}`], {
      cwd: tmp, env: stepEnv(node, tmp, { npm_config_update_notifier: "false" }), log,
    });
    try {
      renameSync(tmp, dir);
    } catch (err) {
      // Another build installed the same version meanwhile: theirs is as good as ours.
      if (!existsSync(join(pkgDir(dir), "package.json"))) throw err;
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return pkgDir(dir);
}
