import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import path from "node:path";
import { builtin, builtinRequire, cacheFile, cachedCode, cacheRecord, loadCore } from "../../src/entry/code-cache.ts";

const home = (dir: string) => () => dir;
const homeless = () => {
  throw new Error("no home");
};

describe("builtin", () => {
  it("is the builtin module itself, by its id without the node: prefix", () => {
    expect(builtin("path")).toBe(path);
  });
});

describe("builtinRequire: the core's require", () => {
  it("gives Node's own modules, by either id", () => {
    expect([builtinRequire("path"), builtinRequire("node:path")]).toEqual([path, path]);
  });

  it("refuses anything else, naming it as a fault of the build", () => {
    expect(() => builtinRequire("js-yaml")).toThrow('the function\'s bundle requires "js-yaml", which is not a module of Node.js; rebuild it with `npm run build`');
  });
});

describe("cacheFile: the user's own cache, one file per Node.js version and architecture", () => {
  it("lives under an absolute XDG_CACHE_HOME", () => {
    expect(cacheFile({ XDG_CACHE_HOME: "/var/cache/me" }, home("/home/me"), "v24.1.0", "x64")).toBe("/var/cache/me/ecom-deploy/fn-code-v24.1.0-x64");
  });

  it("lives under ~/.cache when XDG_CACHE_HOME is unset, empty or relative (the XDG spec ignores a relative one)", () => {
    for (const env of [{}, { XDG_CACHE_HOME: "" }, { XDG_CACHE_HOME: "cache" }]) {
      expect(cacheFile(env, home("/home/me"), "v20.0.0", "arm64")).toBe("/home/me/.cache/ecom-deploy/fn-code-v20.0.0-arm64");
    }
  });

  it("is none without a home to put it in", () => {
    expect(cacheFile({}, homeless, "v20.0.0", "x64")).toBeUndefined();
    expect(cacheFile({}, home(""), "v20.0.0", "x64")).toBeUndefined();
    expect(cacheFile({ XDG_CACHE_HOME: "/c" }, homeless, "v20.0.0", "x64")).toBe("/c/ecom-deploy/fn-code-v20.0.0-x64");
  });
});

describe("cacheRecord and cachedCode: code only for the exact source it was made from", () => {
  const source = Buffer.from("exports.a = 1;");
  const code = Buffer.from([1, 2, 3, 4, 5]);

  it("give back the code of a record of the same source", () => {
    const record = cacheRecord(source, code);
    expect([...record.subarray(0, 4)]).toEqual([source.length, 0, 0, 0]);
    expect(cachedCode(record, source)).toEqual(code);
    expect(cachedCode(cacheRecord(source, Buffer.alloc(0)), source)).toEqual(Buffer.alloc(0));
    expect(cachedCode(Buffer.alloc(4), Buffer.alloc(0))).toEqual(Buffer.alloc(0));
  });

  it("give nothing for another source, even of the same length, or a record too short to read", () => {
    expect(cachedCode(cacheRecord(source, code), Buffer.from("exports.b = 1;"))).toBeUndefined();
    expect(cachedCode(cacheRecord(source, code), Buffer.from("exports.a = 10;"))).toBeUndefined();
    expect(cachedCode(cacheRecord(source, code).subarray(0, 10), source)).toBeUndefined();
    expect(cachedCode(Buffer.from([source.length, 0, 0]), source)).toBeUndefined();
    expect(cachedCode(undefined, source)).toBeUndefined();
  });
});

describe("loadCore", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) {
      chmodSync(d, 0o700);
      rmSync(d, { recursive: true, force: true });
    }
  });
  /** A scratch directory with a CommonJS core that shows what it was given. */
  function scratch(source = 'exports.answer = () => 42; exports.where = [__filename, __dirname]; exports.join = require("node:path").join("a", "b"); exports.stack = () => new Error("x").stack;') {
    const dir = mkdtempSync(join(tmpdir(), "ecom-code-cache-"));
    dirs.push(dir);
    writeFileSync(join(dir, "core.cjs"), source);
    return { dir, core: join(dir, "core.cjs"), cache: join(dir, "home", "ecom-deploy", "fn-code") };
  }
  type Core = { answer(): number; where: string[]; join: string; stack(): string };

  it("runs the bundle as CommonJS and caches its code only when asked to save, in a directory of the user's alone", () => {
    const { dir, core, cache } = scratch();
    const loaded = loadCore<Core>(core, cache);
    expect([loaded.core.answer(), loaded.core.where, loaded.core.join]).toEqual([42, [core, dir], "a/b"]);
    // A fault in the core is reported at its own file and line.
    expect(loaded.core.stack()).toContain(`${core}:1:`);
    expect(() => statSync(cache)).toThrow();
    loaded.save();
    expect(cachedCode(readFileSync(cache), readFileSync(core))!.length).toBeGreaterThan(0);
    expect(statSync(cache).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, "home", "ecom-deploy")).mode & 0o777).toBe(0o700);
    expect(readdirSync(join(dir, "home", "ecom-deploy"))).toEqual(["fn-code"]);
  });

  it("keeps a record V8 accepted, and replaces one it rejected or one of another source", () => {
    const { core, cache } = scratch();
    loadCore(core, cache).save();
    const first = statSync(cache).ino;
    const again = loadCore<Core>(core, cache);
    again.save();
    expect([again.core.answer(), statSync(cache).ino]).toEqual([42, first]);

    // A source this process has not compiled yet: V8 reuses what it compiled itself before any cache.
    writeFileSync(core, "exports.answer = () => 41;");
    writeFileSync(cache, cacheRecord(readFileSync(core), Buffer.from("not V8's code")));
    const rejected = loadCore<Core>(core, cache);
    rejected.save();
    expect(rejected.core.answer()).toBe(41);
    expect(cachedCode(readFileSync(cache), readFileSync(core))!.toString()).not.toBe("not V8's code");

    writeFileSync(core, "exports.answer = () => 43;");
    const changed = loadCore<Core>(core, cache);
    changed.save();
    expect(changed.core.answer()).toBe(43);
    expect(cachedCode(readFileSync(cache), readFileSync(core))).toBeDefined();
  });

  it("without a cache, or where none can be written, answers all the same and leaves no partial file", () => {
    const { dir, core } = scratch();
    const none = loadCore<Core>(core, undefined);
    none.save();
    expect(none.core.answer()).toBe(42);

    // A cache path under a file, and one that is a directory already (written, but not renamed into place).
    mkdirSync(join(dir, "taken", "x"), { recursive: true });
    for (const cache of [join(core, "fn-code"), join(dir, "taken")]) {
      const loaded = loadCore<Core>(core, cache);
      expect(() => loaded.save()).not.toThrow();
      expect(loaded.core.answer()).toBe(42);
    }
    expect(readdirSync(dir).sort()).toEqual(["core.cjs", "taken"]);
  });

  it("reads an unreadable cache as none", () => {
    const { core, cache } = scratch();
    mkdirSync(cache, { recursive: true });
    const loaded = loadCore<Core>(core, cache);
    expect(loaded.core.answer()).toBe(42);
  });

  it("fails with the reason when the bundle itself cannot be read or run", () => {
    const { dir, core } = scratch("exports.answer = ;");
    expect(() => loadCore(core, undefined)).toThrow(SyntaxError);
    expect(() => loadCore(join(dir, "missing.cjs"), undefined)).toThrow(/ENOENT/);
  });
});
