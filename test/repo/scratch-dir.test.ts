/** The tests' scratch parent: RAM-backed only where it works, never over the user's TMPDIR. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { scratchParent } from "../support/scratch-dir.ts";

describe("scratchParent", () => {
  it("takes a directory with room where a script can run, and leaves nothing in it", () => {
    const dir = mkdtempSync(join(tmpdir(), "ecom-scratch-"));
    try {
      expect(scratchParent({}, dir)).toBe(dir);
      expect(scratchParent({ TMPDIR: "/var/tmp" }, dir), "the user's TMPDIR wins").toBeUndefined();
      expect(scratchParent({}, join(dir, "missing"))).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("is what the tests run in when it applies", () => {
    if (scratchParent({}) !== undefined) expect(process.env.TMPDIR).toBe("/dev/shm");
    else expect(process.env.TMPDIR).not.toBe("/dev/shm");
  });
});
