/** Finds the external binaries the commands and the tests run, where tools/setup.sh puts them. */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, join } from "node:path";
import { toolVersion, type ToolVersion } from "./tool-versions.ts";

export const SETUP_HINT = "`npm run setup` (which `npm test` runs first) installs it";

export function onPath(name: string): string | undefined {
  const path = process.env.PATH;
  if (!path) return undefined;
  for (const dir of path.split(delimiter)) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/**
 * A tool pinned with `go install`: the file `envVar` names, else $(go env GOPATH)/bin, else PATH.
 * The GOPATH copy wins over PATH so that a stale binary elsewhere cannot shadow the pinned one.
 */
export function goInstalledTool(name: string, envVar: string): { path: string } | { missing: string } {
  const fromEnv = process.env[envVar];
  if (fromEnv) return existsSync(fromEnv) ? { path: fromEnv } : { missing: `${envVar}=${fromEnv} does not exist` };
  try {
    const gopath = execFileSync("go", ["env", "GOPATH"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    const candidate = join(gopath.split(delimiter)[0]!, "bin", name);
    if (gopath && existsSync(candidate)) return { path: candidate };
  } catch {
    // no Go toolchain: look on PATH
  }
  const found = onPath(name);
  return found ? { path: found } : { missing: `not in ${envVar}, $(go env GOPATH)/bin or PATH` };
}

/**
 * A Python tool tools/setup.sh installs into a virtual environment of its own,
 * ${XDG_CACHE_HOME:-~/.cache}/ecom-deploy/<name>-<version>/, unless `envVar` names the binary.
 */
export function venvTool(name: string, envVar: string, version: ToolVersion): { path: string } | { missing: string } {
  const fromEnv = process.env[envVar];
  if (fromEnv) return existsSync(fromEnv) ? { path: fromEnv } : { missing: `${envVar}=${fromEnv} does not exist` };
  const cache = process.env.XDG_CACHE_HOME || join(homedir(), ".cache");
  const candidate = join(cache, "ecom-deploy", `${name}-${toolVersion(version)}`, "bin", name);
  return existsSync(candidate) ? { path: candidate } : { missing: `not in ${envVar} or ${candidate}` };
}
