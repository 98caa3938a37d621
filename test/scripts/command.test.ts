import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { afterEach, describe, expect, it, vi } from "vitest";
import { CommandError, describeError, main } from "../../scripts/lib/command.ts";
import { REPO_ROOT } from "../support/tools.ts";

const USAGE = "usage: npm run example -- <env>";

function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error("expected a throw");
}

describe("describeError", () => {
  it("keeps an operator error's code and message", () => {
    expect(describeError(new CommandError("overlay-missing", "no overlay overlays/x/kustomization.yaml"), USAGE)).toEqual({
      code: "overlay-missing",
      message: "no overlay overlays/x/kustomization.yaml",
    });
  });

  it("answers a bad flag with what parseArgs said, without its long advice, and the usage", () => {
    const err = thrownBy(() => parseArgs({ args: ["--bogus"], options: {} }));
    expect(describeError(err, USAGE)).toEqual({ code: "usage", message: `Unknown option '--bogus'\n${USAGE}` });
    const missingValue = thrownBy(() => parseArgs({ args: ["--timeout"], options: { timeout: { type: "string" } } }));
    expect(describeError(missingValue, USAGE)).toEqual({ code: "usage", message: `Option '--timeout <value>' argument missing\n${USAGE}` });
  });

  it("names a file that cannot be read by its path in the repository", () => {
    const err = thrownBy(() => readFileSync(join(REPO_ROOT, "overlays", "nope.yaml")));
    expect(describeError(err, USAGE)).toEqual({ code: "cannot-read", message: "cannot read overlays/nope.yaml: ENOENT" });
    // The root itself has no relative path: it is named in full.
    const root = thrownBy(() => writeFileSync(REPO_ROOT, ""));
    expect(describeError(root, USAGE)).toEqual({ code: "cannot-read", message: `cannot read ${REPO_ROOT}: EISDIR` });
  });

  it("passes a plain Error from the overlay modules on as an overlay fact", () => {
    expect(describeError(new Error("overlays/prod: two Namespaces"), USAGE)).toEqual({ code: "overlay-facts", message: "overlays/prod: two Namespaces" });
    // A code alone, without a path, is no file error.
    expect(describeError(Object.assign(new Error("lookup failed"), { code: "ENOTFOUND" }), USAGE)).toEqual({ code: "overlay-facts", message: "lookup failed" });
  });

  it("calls a JavaScript fault or a thrown non-Error internal", () => {
    expect(describeError(new TypeError("x is undefined"), USAGE)).toEqual({ code: "internal", message: "x is undefined" });
    expect(describeError(new RangeError("too deep"), USAGE)).toEqual({ code: "internal", message: "too deep" });
    expect(describeError(new ReferenceError("y is not defined"), USAGE)).toEqual({ code: "internal", message: "y is not defined" });
    expect(describeError("a string", USAGE)).toEqual({ code: "internal", message: "a string" });
    expect(describeError({ message: "an object" }, USAGE)).toEqual({ code: "internal", message: "an object" });
    expect(describeError(null, USAGE)).toEqual({ code: "internal", message: "null" });
    expect(describeError(undefined, USAGE)).toEqual({ code: "internal", message: "undefined" });
  });
});

describe("main", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  /** What the command printed on stderr and the exit codes it asked for. */
  async function run(fn: () => Promise<void> | void) {
    const errors: string[] = [];
    const exitCodes: unknown[] = [];
    vi.spyOn(console, "error").mockImplementation((line: string) => void errors.push(line));
    vi.spyOn(process, "exit").mockImplementation(((code: unknown) => void exitCodes.push(code)) as typeof process.exit);
    await main(fn, USAGE);
    vi.restoreAllMocks();
    return { errors, exitCodes };
  }

  it("prints nothing and keeps the exit code when the body succeeds", async () => {
    let ran = false;
    expect(await run(async () => void (ran = true))).toEqual({ errors: [], exitCodes: [] });
    expect(ran).toBe(true);
  });

  it("ends a failing body with one line, `error: <code>: <message>`, and exit code 1", async () => {
    const failed = await run(async () => {
      throw new CommandError("secrets-missing", "Secret(s) medusa-secret missing in namespace ecom");
    });
    expect(failed).toEqual({ errors: ["error: secrets-missing: Secret(s) medusa-secret missing in namespace ecom"], exitCodes: [1] });
    const faulted = await run(() => {
      throw new TypeError("x is undefined");
    });
    expect(faulted).toEqual({ errors: ["error: internal: x is undefined"], exitCodes: [1] });
  });

  it("does not repeat the code of a usage line, which starts with it", async () => {
    const out = await run(() => {
      throw new CommandError("usage", USAGE);
    });
    expect(out).toEqual({ errors: [`error: ${USAGE}`], exitCodes: [1] });
  });
});

describe("every command", () => {
  const commands = readdirSync(join(REPO_ROOT, "scripts")).filter((f) => f.endsWith(".ts"));

  it.each(commands)("scripts/%s ends through main(), the one error path", (file) => {
    const source = readFileSync(join(REPO_ROOT, "scripts", file), "utf8");
    expect(source).toMatch(/^await main\(/m);
    // An error line or exit code of its own would be a second format beside main()'s.
    expect(source).not.toMatch(/console\.error\(\s*[`"']error:|process\.exit\(/);
  });
});
