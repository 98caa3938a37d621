/** How tools/versions.env is read: the rules bash and every other reader of the file agree on. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseVersions, toolVersion, type ToolVersion } from "../../scripts/lib/tool-versions.ts";
import { REPO_ROOT } from "../support/tools.ts";

describe("parseVersions", () => {
  it("reads KEY=VALUE lines and skips comments, indented comments and blank lines", () => {
    expect(parseVersions("# a comment\n\n   \n  # indented\nTOOL_VERSION=v1.2.3\n  K8S_1=a/b:c@sha256:00\n")).toEqual({
      TOOL_VERSION: "v1.2.3",
      K8S_1: "a/b:c@sha256:00",
    });
  });

  it.each([
    ["a lowercase key", "tool_version=1"],
    ["a key that starts with a digit", "1TOOL=1"],
    ["a key with a hyphen", "TOOL-VERSION=1"],
    ["something before the key", "export TOOL=1"],
    ["an empty value", "TOOL="],
    ["a value with a space", "TOOL=1 2"],
    ["a double-quoted value", 'TOOL="1"'],
    ["a single-quoted value", "TOOL='1'"],
    ["a variable in the value", "TOOL=$OTHER"],
    ["a command substitution", "TOOL=`date`"],
    ["no equals sign", "tool 1.0"],
  ])("refuses %s, naming the file, the line number and the line", (_, line) => {
    expect(() => parseVersions(`# pins\nTOOL_VERSION=v1.2.3\n${line}\n`)).toThrow(
      `tools/versions.env:3: expected KEY=VALUE with a plain value, got ${JSON.stringify(line)}`,
    );
  });
});

describe("toolVersion", () => {
  it("gives the version tools/versions.env pins", () => {
    const pinned = /^KUSTOMIZE_VERSION=(\S+)$/m.exec(readFileSync(join(REPO_ROOT, "tools/versions.env"), "utf8"))?.[1];
    expect(pinned).toMatch(/^v\d+\.\d+\.\d+$/);
    expect(toolVersion("KUSTOMIZE_VERSION")).toBe(pinned);
  });

  it("names the key the file lacks", () => {
    expect(() => toolVersion("HELM_VERSION" as ToolVersion)).toThrow("tools/versions.env has no HELM_VERSION");
  });
});
