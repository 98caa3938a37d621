/** The key list the commands use is the one the manifests and docs use. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { keysOf, SECRET_NAMES } from "../../scripts/lib/secret-keys.ts";
import { built } from "../support/builds.ts";
import { find } from "../support/k8s.ts";
import { REPO_ROOT } from "../support/tools.ts";

describe("secret keys", () => {
  for (const name of SECRET_NAMES) {
    it(`${name}: dev's fake Secret has exactly the keys the bootstrap writes`, () => {
      const data = find(built("overlays/dev").objects, "Secret", name).data as Record<string, string>;
      expect(Object.keys(data).sort()).toEqual(keysOf(name).sort());
    });

    it(`${name}: docs/secrets.md documents every key`, () => {
      const docs = readFileSync(join(REPO_ROOT, "docs/secrets.md"), "utf8");
      expect(keysOf(name).filter((k) => !docs.includes(`\`${k}\``))).toEqual([]);
    });
  }
});
