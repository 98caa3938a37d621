/** The key list the commands use is the one the manifests and docs use. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { keysOf, SECRET_KEYS, SECRET_NAMES } from "../../scripts/lib/secret-keys.ts";
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

/** What the bootstrap tells the operator about a value of `key`: undefined when it is accepted. */
function problem(key: string, value: string): string | undefined {
  const spec = Object.values(SECRET_KEYS).flat().find((k) => k.key === key);
  if (!spec?.check) throw new Error(`${key} has no check`);
  return spec.check(value);
}

describe("value checks", () => {
  it("a connection URL needs one of its schemes and a host", () => {
    expect(problem("DATABASE_URL", "postgresql://shop:pw@db:5432/shop")).toBeUndefined();
    expect(problem("DATABASE_URL", "postgres://db/shop")).toBeUndefined();
    expect(problem("DATABASE_URL", "db:5432/shop")).toBe("scheme db: is not postgres: or postgresql:");
    expect(problem("DATABASE_URL", "not a url")).toBe("not a URL (expected postgres: or postgresql://…)");
    expect(problem("DATABASE_URL", "postgres:///shop")).toBe("has no host");
    expect(problem("REDIS_URL", "rediss://cache:6380")).toBeUndefined();
    expect(problem("REDIS_URL", "redis:cache")).toBe("has no host");
    expect(problem("REDIS_URL", "http://cache:6379")).toBe("scheme http: is not redis: or rediss:");
    expect(problem("S3_ENDPOINT", "https://s3.example.com")).toBeUndefined();
    expect(problem("MEILISEARCH_HOST", "http://search:7700")).toBeUndefined();
    expect(problem("STRAPI_ECOM_URL", "ftp://cms")).toBe("scheme ftp: is not http: or https:");
    expect(problem("S3_FILE_URL", "http://")).toBe("not a URL (expected http: or https://…)");
  });

  it("a provider key needs its prefix", () => {
    expect(problem("STRIPE_API_KEY", "sk_test_abc")).toBeUndefined();
    expect(problem("STRIPE_API_KEY", "rk_live_abc")).toBeUndefined();
    expect(problem("STRIPE_API_KEY", "pk_live_abc")).toBe("does not start with sk_ or rk_");
    expect(problem("STRIPE_WEBHOOK_SECRET", "sk_abc")).toBe("does not start with whsec_");
    expect(problem("RESEND_API_KEY", "re_abc")).toBeUndefined();
  });

  it("S3_FORCE_PATH_STYLE is true or false, nothing else", () => {
    expect(problem("S3_FORCE_PATH_STYLE", "true")).toBeUndefined();
    expect(problem("S3_FORCE_PATH_STYLE", "false")).toBeUndefined();
    for (const v of ["yes", "True", ""]) expect(problem("S3_FORCE_PATH_STYLE", v)).toBe("must be true or false");
  });

  it("RESEND_FROM is an address, bare or as Name <address>", () => {
    for (const v of ["shop@example.com", "Shop <shop@example.com>", "<shop@example.com>"]) expect(problem("RESEND_FROM", v), v).toBeUndefined();
    for (const v of ["shop", "shop@", "@example.com", "a@b@example.com", "my shop@example.com", "shop@example.com x", "Shop <shop>", "Shop <a b@example.com>", "Shop <shop@example.com>x"]) {
      expect(problem("RESEND_FROM", v), v).toBe("is not an e-mail address");
    }
  });
});
