/**
 * How the executable (cli.ts) loads the core: as a script with V8's code cache, taken after the core
 * has answered once. Node's own compile cache keeps only what V8 compiles before a module runs, and
 * V8 compiles most functions on their first call, so a run with it still compiled most of the core;
 * a cache taken after a run holds those functions too, and works on every Node.js from 20.0.0.
 *
 * The cache is the user's own (XDG_CACHE_HOME or ~/.cache): never in the checkout, which may be
 * read-only, nor in a directory another user could write to. Each record holds the core's source,
 * compared byte for byte, because V8 checks only a source's length before it trusts the code.
 * Whatever goes wrong with the cache (no home, a read-only disk, a record V8 rejects), the core is
 * compiled from source and the answer is the same; only the cache is given up, silently.
 */
// Only runtimes without process.getBuiltinModule load node:module, whose loading alone was a
// measurable part of the executable's start.
const fallback = "getBuiltinModule" in process ? undefined : (await import("node:module")).createRequire(import.meta.url);

/**
 * A builtin module as CommonJS gives it. An ES module's import of a builtin makes Node build a module
 * facade of it before anything runs, which slowed the executable's start measurably for the few it
 * needs; process.getBuiltinModule (Node.js 20.16 and 22.3 on) hands out the module itself. The ids
 * have no `node:` prefix: cli.ts runs this before its version check, on runtimes that lack it.
 */
export function builtin<T>(id: string): T {
  return (fallback ? fallback(id) : process.getBuiltinModule(id)) as T;
}

/**
 * The `require` the core is given: the bundle holds every module but Node's own, so a require of
 * anything else is a fault of the build, named as such rather than looked for on disk.
 */
export function builtinRequire(id: string): unknown {
  // Only run after the version check, on runtimes that know the prefix.
  const found = builtin<unknown>(`node:${id.replace(/^node:/, "")}`);
  if (found === undefined) throw new Error(`the function's bundle requires "${id}", which is not a module of Node.js; rebuild it with \`npm run build\``);
  return found;
}

const fs = builtin<typeof import("node:fs")>("fs");
const path = builtin<typeof import("node:path")>("path");
const vm = builtin<typeof import("node:vm")>("vm");

/** The file that caches the core's compiled code for this Node.js, or undefined when there is no cache home. */
export function cacheFile(env: NodeJS.ProcessEnv, home: () => string, version: string, arch: string): string | undefined {
  const xdg = env.XDG_CACHE_HOME;
  let root: string;
  if (xdg && path.isAbsolute(xdg)) root = xdg;
  else {
    try {
      root = path.join(home(), ".cache");
    } catch {
      return undefined;
    }
    if (!path.isAbsolute(root)) return undefined;
  }
  return path.join(root, "ecom-deploy", `fn-code-${version}-${arch}`);
}

/** A cache record: the source's length (4 bytes), the source, V8's code. */
export function cacheRecord(source: Buffer, code: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32LE(source.length);
  return Buffer.concat([length, source, code]);
}

/** V8's code from a record, if the record was made from exactly this source. */
export function cachedCode(record: Buffer | undefined, source: Buffer): Buffer | undefined {
  if (record === undefined || record.length < 4 || record.readUInt32LE(0) !== source.length) return undefined;
  return record.subarray(4, 4 + source.length).equals(source) ? record.subarray(4 + source.length) : undefined;
}

function readOrNothing(file: string | undefined): Buffer | undefined {
  try {
    return file === undefined ? undefined : fs.readFileSync(file);
  } catch {
    return undefined;
  }
}

/**
 * Runs the CommonJS bundle `file` and returns its exports, and `save`, which stores its compiled
 * code in `cache` when the cache had none V8 accepted. `save` is called after the core has answered,
 * so that the functions the answer needed are compiled by then and cached with the rest.
 */
export function loadCore<T>(file: string, cache: string | undefined): { core: T; save(): void } {
  const source = fs.readFileSync(file);
  const code = cachedCode(readOrNothing(cache), source);
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source.toString("utf8")}\n})`, { filename: file, cachedData: code });
  const module = { exports: {} as T };
  script.runInThisContext()(module.exports, builtinRequire, module, file, path.dirname(file));
  const save = () => {
    if (cache === undefined || (code !== undefined && !script.cachedDataRejected)) return;
    const partial = `${cache}.${process.pid}`;
    try {
      fs.mkdirSync(path.dirname(cache), { recursive: true, mode: 0o700 });
      fs.writeFileSync(partial, cacheRecord(source, script.createCachedData()), { mode: 0o600 });
      // A rename replaces the record whole: another run reads the old one or the new one, never half.
      fs.renameSync(partial, cache);
    } catch {
      try {
        fs.rmSync(partial);
      } catch {
        // Never written: nothing to take back.
      }
    }
  };
  return { core: module.exports, save };
}
