/** shellQuote against the real sh: whatever the text, sh reads it back as that one word. */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { shellQuote } from "../../scripts/lib/shell-quote.ts";

const words = (script: string): string[] => {
  const out = spawnSync("sh", ["-c", `for w in ${script}; do printf '%s\\0' "$w"; done`], { encoding: "utf8" });
  if (out.status !== 0) throw new Error(`sh failed: ${out.stderr}`);
  return out.stdout.split("\0").slice(0, -1);
};

describe("shellQuote", () => {
  it.each(["/tmp/ecom-build-x/plugin-input.yaml", "a b", "it's", "'", "$HOME", "*", "a\nb", "", "--x=1,2"])("sh reads %j back as one word", (text) => {
    expect(words(shellQuote(text))).toEqual([text]);
  });

  it("leaves a word sh gives no meaning to as it is, and quotes any other", () => {
    expect(shellQuote("/tmp/a_b-1.yaml")).toBe("/tmp/a_b-1.yaml");
    expect(shellQuote("a b")).toBe("'a b'");
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    expect(shellQuote("")).toBe("''");
  });
});
