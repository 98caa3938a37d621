/**
 * The cache of built images: one directory per image and digest of its inputs, made in a temporary
 * directory beside it and renamed into place only when the build succeeded, so an interrupted build is
 * never taken for a finished one. Builds of the same image by two processes wait for each other.
 */
import { createHash } from "node:crypto";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { rehearsalCacheDir } from "./images-layer.ts";

export function imagesDir(): string {
  return join(rehearsalCacheDir(), "images");
}

/** Package managers and fonts installed from the npm registry, one directory per package and version. */
export function toolsDir(): string {
  return join(imagesDir(), "tools");
}

/** The package managers' download caches, shared by every build. */
export function downloadsDir(): string {
  return join(imagesDir(), "downloads");
}

/** Objects with their keys sorted, so the order a caller builds a record in does not change the key. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, canonical((value as Record<string, unknown>)[k])]));
  }
  return value;
}

/** A short stable digest of a build's inputs. */
export function inputKey(inputs: unknown): string {
  return createHash("sha256").update(JSON.stringify(canonical(inputs))).digest("hex").slice(0, 16);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Temporary directories and locks left by builds whose process is gone. */
function sweep(prefix: string): void {
  for (const entry of readdirSync(imagesDir())) {
    const tmp = new RegExp(`^\\.tmp-${prefix}-(\\d+)$`).exec(entry);
    if (tmp && !alive(Number(tmp[1]))) rmSync(join(imagesDir(), entry), { recursive: true, force: true });
  }
}

/** Takes the build lock, or returns false while a live process holds it. */
function tryLock(lock: string): boolean {
  for (;;) {
    try {
      const fd = openSync(lock, "wx");
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    let holder = NaN;
    try {
      holder = Number(readFileSync(lock, "utf8"));
    } catch {
      continue; // released between our open and our read
    }
    if (Number.isInteger(holder) && holder > 0 && alive(holder)) return false;
    rmSync(lock, { force: true });
  }
}

const inProcess = new Map<string, Promise<string>>();

/**
 * The cache directory of image `name` with inputs digest `key`, running `build(dir)` to fill a fresh
 * directory first when there is none. Returns the directory.
 */
export function cachedBuild(
  name: string,
  key: string,
  build: (dir: string) => Promise<void>,
  log: (line: string) => void,
): Promise<string> {
  const id = `${name}-${key}`;
  const final = join(imagesDir(), id);
  if (existsSync(final)) return Promise.resolve(final);
  let pending = inProcess.get(id);
  if (!pending) {
    pending = buildOnce(id, final, build, log).finally(() => inProcess.delete(id));
    inProcess.set(id, pending);
  }
  return pending;
}

async function buildOnce(id: string, final: string, build: (dir: string) => Promise<void>, log: (line: string) => void): Promise<string> {
  mkdirSync(imagesDir(), { recursive: true });
  const lock = join(imagesDir(), `.lock-${id}`);
  let waited = false;
  while (!tryLock(lock)) {
    if (!waited) log(`${id}: another process is building it; waiting`);
    waited = true;
    await new Promise((r) => setTimeout(r, 2000));
  }
  try {
    if (existsSync(final)) return final;
    sweep(id);
    const tmp = join(imagesDir(), `.tmp-${id}-${process.pid}`);
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp);
    try {
      await build(tmp);
      renameSync(tmp, final);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
    return final;
  } finally {
    rmSync(lock, { force: true });
  }
}
