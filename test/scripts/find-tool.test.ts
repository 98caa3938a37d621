/**
 * Where the commands and the tests find their binaries: the file an environment variable names,
 * else the pinned copy tools/setup.sh installs (GOPATH/bin, or a virtual environment of its own),
 * else PATH. Each case builds its own directories and environment.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync, readFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { goInstalledTool, onPath, venvTool } from "../../scripts/lib/find-tool.ts";
import { REPO_ROOT } from "../support/tools.ts";

const TOOL = "ecom-probe-tool";
const scratch: string[] = [];

afterEach(() => {
  vi.unstubAllEnvs();
  for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "find-tool-"));
  scratch.push(dir);
  return dir;
}

/** A directory holding an (empty) file named `TOOL` at `sub`; the lookup only asks whether it exists. */
function withTool(sub = ""): { dir: string; file: string } {
  const dir = tempDir();
  mkdirSync(join(dir, sub), { recursive: true });
  const file = join(dir, sub, TOOL);
  writeFileSync(file, "");
  return { dir, file };
}

describe("onPath", () => {
  it("takes the first PATH directory that has the file", () => {
    const first = withTool();
    const second = withTool();
    vi.stubEnv("PATH", [tempDir(), first.dir, second.dir].join(delimiter));
    expect(onPath(TOOL)).toBe(first.file);
  });

  it("finds nothing when no PATH directory has it, or when PATH is unset", () => {
    vi.stubEnv("PATH", tempDir());
    expect(onPath(TOOL)).toBeUndefined();
    vi.stubEnv("PATH", undefined);
    expect(onPath(TOOL)).toBeUndefined();
  });

  it("does not read an empty PATH entry as the working directory", () => {
    expect(existsSync("package.json"), "the working directory holds package.json").toBe(true);
    vi.stubEnv("PATH", `${delimiter}${tempDir()}`);
    expect(onPath("package.json")).toBeUndefined();
  });
});

describe("goInstalledTool", () => {
  it("takes the file the environment variable names, and says when it does not exist", () => {
    const { file } = withTool();
    vi.stubEnv("PROBE_TOOL", file);
    expect(goInstalledTool(TOOL, "PROBE_TOOL")).toEqual({ path: file });
    vi.stubEnv("PROBE_TOOL", join(tempDir(), "gone"));
    expect(goInstalledTool(TOOL, "PROBE_TOOL")).toEqual({ missing: `PROBE_TOOL=${join(scratch.at(-1)!, "gone")} does not exist` });
  });

  it("prefers the first GOPATH entry's bin over a copy on PATH", () => {
    const gopath = withTool("bin");
    const path = withTool();
    vi.stubEnv("PROBE_TOOL", undefined);
    vi.stubEnv("GOPATH", [gopath.dir, tempDir()].join(delimiter));
    vi.stubEnv("PATH", [path.dir, process.env.PATH].join(delimiter));
    expect(goInstalledTool(TOOL, "PROBE_TOOL")).toEqual({ path: gopath.file });
    vi.stubEnv("GOPATH", gopath.dir);
    expect(goInstalledTool(TOOL, "PROBE_TOOL")).toEqual({ path: gopath.file });
  });

  it("falls back to PATH when GOPATH's bin lacks it, or when there is no Go toolchain", () => {
    const path = withTool();
    vi.stubEnv("PROBE_TOOL", "");
    vi.stubEnv("GOPATH", tempDir());
    vi.stubEnv("PATH", [process.env.PATH, path.dir].join(delimiter));
    expect(goInstalledTool(TOOL, "PROBE_TOOL")).toEqual({ path: path.file });
    vi.stubEnv("PATH", path.dir);
    expect(goInstalledTool(TOOL, "PROBE_TOOL")).toEqual({ path: path.file });
  });

  it("says where it looked when no place has it", () => {
    vi.stubEnv("PROBE_TOOL", undefined);
    vi.stubEnv("GOPATH", tempDir());
    expect(goInstalledTool(TOOL, "PROBE_TOOL")).toEqual({ missing: "not in PROBE_TOOL, $(go env GOPATH)/bin or PATH" });
  });

  it("with no GOPATH at all (no HOME either), does not look in bin/ of the working directory", () => {
    expect(existsSync("bin"), "the working directory has no bin/ of its own").toBe(false);
    vi.stubEnv("PROBE_TOOL", undefined);
    vi.stubEnv("GOPATH", undefined);
    vi.stubEnv("HOME", "");
    mkdirSync("bin");
    try {
      writeFileSync(join("bin", TOOL), "");
      expect(goInstalledTool(TOOL, "PROBE_TOOL")).toEqual({ missing: "not in PROBE_TOOL, $(go env GOPATH)/bin or PATH" });
    } finally {
      rmSync("bin", { recursive: true, force: true });
    }
  });
});

describe("venvTool", () => {
  const pinned = /^CHECKOV_VERSION=(\S+)$/m.exec(readFileSync(join(REPO_ROOT, "tools/versions.env"), "utf8"))![1]!;
  const venvBin = `ecom-deploy/${TOOL}-${pinned}/bin`;

  it("takes the file the environment variable names, and says when it does not exist", () => {
    const { file } = withTool();
    vi.stubEnv("PROBE_TOOL", file);
    expect(venvTool(TOOL, "PROBE_TOOL", "CHECKOV_VERSION")).toEqual({ path: file });
    vi.stubEnv("PROBE_TOOL", "/nonexistent/probe");
    expect(venvTool(TOOL, "PROBE_TOOL", "CHECKOV_VERSION")).toEqual({ missing: "PROBE_TOOL=/nonexistent/probe does not exist" });
  });

  it("finds the pinned version's virtual environment under XDG_CACHE_HOME", () => {
    const cache = withTool(venvBin);
    vi.stubEnv("PROBE_TOOL", undefined);
    vi.stubEnv("XDG_CACHE_HOME", cache.dir);
    expect(venvTool(TOOL, "PROBE_TOOL", "CHECKOV_VERSION")).toEqual({ path: `${cache.dir}/${venvBin}/${TOOL}` });
  });

  it("looks under ~/.cache when XDG_CACHE_HOME is unset or empty", () => {
    // The home directory is looked at, not written to: the message names the path it checked.
    const expected = { missing: `not in PROBE_TOOL or ${homedir()}/.cache/${venvBin}/${TOOL}` };
    vi.stubEnv("PROBE_TOOL", undefined);
    vi.stubEnv("XDG_CACHE_HOME", undefined);
    expect(venvTool(TOOL, "PROBE_TOOL", "CHECKOV_VERSION")).toEqual(expected);
    vi.stubEnv("XDG_CACHE_HOME", "");
    expect(venvTool(TOOL, "PROBE_TOOL", "CHECKOV_VERSION")).toEqual(expected);
  });

  it("names the variable and the path it looked at when neither has it", () => {
    const cache = tempDir();
    vi.stubEnv("PROBE_TOOL", undefined);
    vi.stubEnv("XDG_CACHE_HOME", cache);
    expect(venvTool(TOOL, "PROBE_TOOL", "CHECKOV_VERSION")).toEqual({ missing: `not in PROBE_TOOL or ${cache}/${venvBin}/${TOOL}` });
  });
});
