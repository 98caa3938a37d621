/**
 * What the third-party images share: where their files are kept, how a layer directory is written,
 * and how a missing Debian package is reported.
 *
 * Each image is one generated layer mounted at /usr/local over the host's operating system: its
 * entrypoint scripts and symlinks sit in /usr/local/bin, first on the standard PATH, as the official
 * images keep theirs; the programs themselves come from the host's Debian packages under /usr.
 */
import { execFileSync, spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync, chmodSync, copyFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";

/** Where every generated layer is mounted in the container. */
export const LAYER_AT = "/usr/local";

/** PATH of the official images (Debian and Alpine alike): /usr/local/bin wins over the host's programs. */
export const STANDARD_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** ${XDG_CACHE_HOME:-~/.cache}/ecom-deploy/rehearsal, made on first use. */
export function rehearsalCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME && env.XDG_CACHE_HOME.startsWith("/") ? env.XDG_CACHE_HOME : join(homedir(), ".cache");
  const dir = join(base, "ecom-deploy", "rehearsal");
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** One entry of a layer: a file with its content, a symlink, a copy of a host file, or an empty directory. */
export type LayerEntry =
  | { path: string; content: string | Buffer; mode?: number }
  | { path: string; symlink: string }
  | { path: string; copyOf: string; mode?: number }
  | { path: string; dir: true };

/**
 * Writes the entries into a directory under the cache named after their content, and returns it. A
 * layer that already exists is reused; a new one is written beside it and renamed into place, so two
 * rehearsals starting together never see half a layer.
 */
export function buildLayer(name: string, entries: readonly LayerEntry[], env: NodeJS.ProcessEnv = process.env): string {
  const hash = createHash("sha256");
  for (const e of entries) {
    hash.update(`${e.path}\0`);
    if ("content" in e) hash.update(e.content).update(`\0${e.mode ?? 0o644}`);
    else if ("symlink" in e) hash.update(`->${e.symlink}`);
    else if ("copyOf" in e) {
      // A copied file is named by its source's identity rather than read in full (a binary can be large).
      const st = statSync(e.copyOf);
      hash.update(`<=${e.copyOf}:${st.size}:${st.mtimeMs}:${e.mode ?? 0o755}`);
    } else hash.update("/");
    hash.update("\n");
  }
  const root = join(rehearsalCacheDir(env), "layers");
  const dir = join(root, `${name}-${hash.digest("hex").slice(0, 16)}`);
  if (existsSync(dir)) return dir;

  const staging = `${dir}.partial-${process.pid}-${randomBytes(4).toString("hex")}`;
  mkdirSync(staging, { recursive: true, mode: 0o755 });
  try {
    for (const e of entries) {
      const target = join(staging, e.path);
      mkdirSync("dir" in e ? target : dirname(target), { recursive: true, mode: 0o755 });
      if ("content" in e) {
        writeFileSync(target, e.content);
        chmodSync(target, e.mode ?? 0o644);
      } else if ("symlink" in e) symlinkSync(e.symlink, target);
      else if ("copyOf" in e) {
        copyFileSync(e.copyOf, target);
        chmodSync(target, e.mode ?? 0o755);
      }
    }
    // The containers run as non-root users: every directory of the layer must be readable to them.
    chmodSync(staging, 0o755);
    try {
      renameSync(staging, dir);
    } catch (err) {
      // Another rehearsal wrote the same layer first: its copy is identical.
      if (!existsSync(dir)) throw err;
      rmSync(staging, { recursive: true, force: true });
    }
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    throw err;
  }
  return dir;
}

/** Throws "<ref>: <what> not found: install the Debian package <pkg>" when a host file is missing. */
export function requireHostFile(ref: string, path: string, debianPackage: string): string {
  if (!existsSync(path)) throw new Error(`${ref}: ${path} not found: install the Debian package ${debianPackage}`);
  return path;
}

/** Runs a host program to build an image; its failure becomes one message naming the image and the program's last output line. */
export function runForImage(ref: string, file: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): string {
  try {
    return execFileSync(file, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 * 1024 * 1024, ...options });
  } catch (err) {
    const e = err as { code?: string; stderr?: string; stdout?: string; status?: number };
    if (e.code === "ENOENT") throw new Error(`${ref}: ${file} not found on PATH`);
    const detail = `${e.stderr ?? ""}\n${e.stdout ?? ""}`.trim().split("\n").filter(Boolean).slice(-3).join(" | ");
    throw new Error(`${ref}: ${file} ${args[0] ?? ""} failed (exit ${e.status ?? "?"}): ${detail || "no output"}`);
  }
}

/** runForImage without blocking the event loop, for builds that take minutes; `log` gets each output line. */
export function runForImageAsync(ref: string, file: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; log?: (line: string) => void } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env: options.env, cwd: options.cwd, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    const tail: string[] = [];
    const take = (chunk: Buffer, keep: boolean) => {
      const text = chunk.toString("utf8");
      if (keep) out += text;
      for (const line of text.split("\n").filter(Boolean)) {
        tail.push(line);
        if (tail.length > 3) tail.shift();
        options.log?.(line);
      }
    };
    child.stdout.on("data", (c: Buffer) => take(c, true));
    child.stderr.on("data", (c: Buffer) => take(c, false));
    child.on("error", (err: NodeJS.ErrnoException) =>
      reject(new Error(err.code === "ENOENT" ? `${ref}: ${file} not found on PATH` : `${ref}: ${file} could not start: ${err.message}`)));
    child.on("close", (code, signal) => {
      if (code === 0) resolve(out);
      else reject(new Error(`${ref}: ${file} ${args[0] ?? ""} failed (${signal ?? `exit ${code}`}): ${tail.join(" | ") || "no output"}`));
    });
  });
}
