import { describe, expect, it } from "vitest";
import { REDACTED, redact } from "../../scripts/lib/redact.ts";

describe("redact", () => {
  const url = "postgresql://medusa:p%40ss-w0rd-xyz@db:5432/medusa";

  it("removes values, their base64 and a connection string's password on its own", () => {
    const token = "not-a-real-token-value";
    const text = [
      `error: ${token}`,
      `data: ${Buffer.from(token).toString("base64")}`,
      `dial ${url} failed`,
      "password p@ss-w0rd-xyz rejected",
      "raw p%40ss-w0rd-xyz",
    ].join("\n");
    const out = redact(text, [token, url]);
    expect(out).not.toContain(token);
    expect(out).not.toContain(Buffer.from(token).toString("base64"));
    expect(out).not.toContain("p@ss-w0rd-xyz");
    expect(out).not.toContain("p%40ss-w0rd-xyz");
    expect(out.split(REDACTED).length - 1).toBe(5);
  });

  it("replaces the longer of two overlapping values whole, so no tail of it is left", () => {
    for (const secrets of [["abcdef", "abcdef-ghij"], ["abcdef-ghij", "abcdef"]]) {
      expect(redact("a=abcdef-ghij b=abcdef", secrets)).toBe(`a=${REDACTED} b=${REDACTED}`);
    }
  });

  it("replaces values from six characters on", () => {
    expect(redact("key abcdef, key abcde", ["abcdef", "abcde"])).toBe(`key ${REDACTED}, key abcde`);
  });

  it("leaves short values (true, a region) alone so messages stay readable", () => {
    expect(redact("S3_FORCE_PATH_STYLE=true in eu-1", ["true", "eu-1"])).toBe("S3_FORCE_PATH_STYLE=true in eu-1");
  });
});
