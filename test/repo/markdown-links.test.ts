/** Every relative link in every Markdown file of the repository leads to a file, and to a heading of it where it names one. */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../support/tools.ts";

/** The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as dashes, repeats numbered. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const [, heading] of withoutFences(markdown).matchAll(/^#{1,6}[ \t]+(.+?)[ \t#]*$/gm)) {
    const base = heading!.toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, "").replace(/\s/g, "-");
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

const withoutFences = (markdown: string) => markdown.replace(/^(`{3,}|~{3,})[^\n]*\n[\s\S]*?^\1[ \t]*$/gm, "");
/** The text without fenced code blocks and code spans, where a bracket is not a link. */
const withoutCode = (markdown: string) => withoutFences(markdown).replace(/(`+)[^`\n]*?\1/g, "");

/** The relative targets of inline links and images: `[text](target)`, without a scheme. */
function relativeLinks(markdown: string): string[] {
  return [...withoutCode(markdown).matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)]
    .map((m) => m[1]!)
    .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target));
}

/** Why a link from `file` (relative to the repository) does not resolve, or undefined. */
function brokenLink(file: string, target: string): string | undefined {
  const [path, anchor] = target.split("#", 2) as [string, string | undefined];
  const resolved = path === "" ? join(REPO_ROOT, file) : join(REPO_ROOT, dirname(file), decodeURIComponent(path));
  if (!existsSync(resolved)) return `${file}: ${target}: no such file`;
  if (anchor === undefined || anchor === "") return undefined;
  if (!resolved.endsWith(".md")) return `${file}: ${target}: an anchor into a file that is not Markdown`;
  return anchors(readFileSync(resolved, "utf8")).has(anchor.toLowerCase()) ? undefined : `${file}: ${target}: no heading with that anchor in ${relative(REPO_ROOT, resolved)}`;
}

const markdownFiles = () =>
  execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "--", "*.md"], { cwd: REPO_ROOT, encoding: "utf8" })
    .split("\n")
    .filter((f) => f !== "" && existsSync(join(REPO_ROOT, f)));

describe("Markdown links", () => {
  it("every relative link in every *.md resolves to its file and heading", () => {
    const files = markdownFiles();
    expect(relativeLinks(readFileSync(join(REPO_ROOT, "README.md"), "utf8")).length).toBeGreaterThan(0);
    const broken = files.flatMap((file) => relativeLinks(readFileSync(join(REPO_ROOT, file), "utf8")).flatMap((target) => brokenLink(file, target) ?? []));
    expect(broken).toEqual([]);
  });

  it("reads links and anchors as GitHub does", () => {
    const text = "# Cut-over from the owner's release\n## `medusa-secret`\n## Notes\n## Notes\n" +
      "[a](docs/x.md#notes-1) ![b](img.png) [c](https://example.com) [d](#cut-over-from-the-owners-release)\n" +
      "`[e](not-a-link.md)`\n```\n[f](in-a-block.md)\n```\n";
    expect(relativeLinks(text)).toEqual(["docs/x.md#notes-1", "img.png", "#cut-over-from-the-owners-release"]);
    expect([...anchors(text)]).toEqual(["cut-over-from-the-owners-release", "medusa-secret", "notes", "notes-1"]);
  });

  it("a link to a missing file or heading is reported", () => {
    expect(brokenLink("README.md", "docs/no-such-page.md")).toBe("README.md: docs/no-such-page.md: no such file");
    expect(brokenLink("README.md", "docs/testing.md#no-such-heading")).toBe("README.md: docs/testing.md#no-such-heading: no heading with that anchor in docs/testing.md");
    expect(brokenLink("README.md", "docs/testing.md#mutation-testing")).toBeUndefined();
  });
});
