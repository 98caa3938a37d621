import { describe, expect, it } from "vitest";
import { changedKeys, describePlan, planSecrets, planValues, problemWith, type PlanInput } from "../../scripts/lib/secrets-bootstrap.ts";
import { keysOf, SECRET_KEYS } from "../../scripts/lib/secret-keys.ts";

/** A complete, valid set of operator inputs. */
const INPUTS: Record<string, string> = {
  DATABASE_URL: "postgresql://medusa:pw-from-env@db.internal:5432/medusa",
  REDIS_URL: "redis://redis:6379",
  STRIPE_API_KEY: "sk_test_123",
  STRIPE_WEBHOOK_SECRET: "whsec_123",
  S3_FILE_URL: "https://files.example.com",
  S3_ACCESS_KEY_ID: "AKIDEXAMPLE",
  S3_SECRET_ACCESS_KEY: "s3-secret",
  S3_REGION: "eu-west-1",
  S3_BUCKET: "ecom",
  S3_ENDPOINT: "https://s3.example.com",
  S3_FORCE_PATH_STYLE: "false",
  RESEND_API_KEY: "re_123",
  RESEND_FROM: "Shop <shop@example.com>",
  STRAPI_ECOM_URL: "https://cms.example.com",
  STRAPI_ECOM_API_TOKEN: "strapi-token",
  MEILISEARCH_HOST: "https://search.example.com",
  MEILISEARCH_API_KEY: "meili-key",
  STRAPI_API_TOKEN: "strapi-read-token",
};

function counter(): () => string {
  let n = 0;
  return () => `random-${++n}`;
}

const input = (over: Partial<PlanInput> = {}): PlanInput => ({ existing: {}, env: INPUTS, rotate: false, random: counter(), ...over });
const value = (plan: ReturnType<typeof planSecrets>, secret: "medusa-secret" | "storefront-secret", key: string) =>
  plan.secrets[secret].find((k) => k.key === key);

describe("secret bootstrap plan", () => {
  it("writes exactly the keys the images need, generated ones from the random source", () => {
    const plan = planSecrets(input());
    expect(plan.missing).toEqual([]);
    expect(plan.invalid).toEqual([]);
    expect(plan.secrets["medusa-secret"].map((k) => k.key)).toEqual(keysOf("medusa-secret"));
    expect(plan.secrets["storefront-secret"].map((k) => k.key)).toEqual(keysOf("storefront-secret"));
    const generated = Object.values(SECRET_KEYS).flat().filter((s) => s.source === "generated").map((s) => s.key);
    expect(generated.sort()).toEqual(["COOKIE_SECRET", "JWT_SECRET", "REVALIDATE_SECRET"]);
    expect(value(plan, "medusa-secret", "JWT_SECRET")).toMatchObject({ provenance: "generated", value: expect.stringMatching(/^random-/) });
    expect(value(plan, "medusa-secret", "DATABASE_URL")).toMatchObject({ provenance: "environment", value: INPUTS.DATABASE_URL });
  });

  it("keeps generated values found in the cluster, and replaces them all with --rotate", () => {
    const existing = { "medusa-secret": { JWT_SECRET: "jwt-old", COOKIE_SECRET: "cookie-old" }, "storefront-secret": { REVALIDATE_SECRET: "rev-old" } };
    const kept = planSecrets(input({ existing }));
    expect(value(kept, "medusa-secret", "JWT_SECRET")).toMatchObject({ provenance: "kept", value: "jwt-old" });
    expect(value(kept, "storefront-secret", "REVALIDATE_SECRET")).toMatchObject({ provenance: "kept", value: "rev-old" });
    const rotated = planSecrets(input({ existing, rotate: true }));
    for (const [s, k] of [["medusa-secret", "JWT_SECRET"], ["medusa-secret", "COOKIE_SECRET"], ["storefront-secret", "REVALIDATE_SECRET"]] as const) {
      expect(value(rotated, s, k)).toMatchObject({ provenance: "rotated", value: expect.stringMatching(/^random-/) });
    }
  });

  it("takes inputs from a prompt over the environment over the cluster, and keeps keys it does not manage", () => {
    const existing = { "medusa-secret": { REDIS_URL: "redis://old:6379", DATABASE_URL_DIRECT: "postgresql://u:p@db:5432/m" } };
    const env = { ...INPUTS, REDIS_URL: undefined, DATABASE_URL: "postgresql://u:env@db:5432/m" };
    const plan = planSecrets(input({ existing, env, prompted: { DATABASE_URL: "postgresql://u:typed@db:5432/m" } }));
    expect(value(plan, "medusa-secret", "DATABASE_URL")).toMatchObject({ provenance: "prompt", value: "postgresql://u:typed@db:5432/m" });
    expect(value(plan, "medusa-secret", "REDIS_URL")).toMatchObject({ provenance: "kept", value: "redis://old:6379" });
    expect(value(plan, "medusa-secret", "DATABASE_URL_DIRECT")).toMatchObject({ provenance: "kept, not managed here" });
  });

  it("a second run with nothing in the environment changes nothing", () => {
    const first = planSecrets(input());
    const existing = {
      "medusa-secret": Object.fromEntries(first.secrets["medusa-secret"].map((k) => [k.key, k.value])),
      "storefront-secret": Object.fromEntries(first.secrets["storefront-secret"].map((k) => [k.key, k.value])),
    };
    const second = planSecrets(input({ existing, env: {} }));
    expect(second.missing).toEqual([]);
    expect(changedKeys(second, existing)).toEqual([]);
    expect(second.secrets["medusa-secret"].every((k) => k.provenance === "kept")).toBe(true);
  });

  it("lists every input it has no value for", () => {
    const plan = planSecrets(input({ env: { REDIS_URL: INPUTS.REDIS_URL } }));
    const missing = plan.missing.map((m) => m.spec.key);
    expect(missing).toContain("DATABASE_URL");
    expect(missing).toContain("STRAPI_API_TOKEN");
    expect(missing).not.toContain("REDIS_URL");
    expect(missing).not.toContain("JWT_SECRET");
  });

  it.each([
    ["DATABASE_URL", "mysql://u:p@db/m", /scheme mysql:/],
    ["DATABASE_URL", "db:5432", /not a URL|scheme/],
    ["REDIS_URL", "http://redis:6379", /scheme http:/],
    ["S3_FORCE_PATH_STYLE", "yes", /true or false/],
    ["STRIPE_API_KEY", "pk_live_123", /sk_/],
    ["RESEND_FROM", "shop", /e-mail/],
    ["S3_BUCKET", "ecom\n", /newline/],
    ["S3_BUCKET", " ecom", /whitespace/],
  ])("rejects %s = %j, naming the key but not the value", (key, bad, reason) => {
    const plan = planSecrets(input({ env: { ...INPUTS, [key]: bad } }));
    expect(plan.invalid).toHaveLength(1);
    expect(plan.invalid[0]).toMatch(new RegExp(`^\\S+ ${key} \\(environment\\): `));
    expect(plan.invalid[0]).toMatch(reason);
    if (bad.trim().length > 3) expect(plan.invalid[0]).not.toContain(bad.trim());
  });

  it("accepts every valid input as it is", () => {
    for (const spec of Object.values(SECRET_KEYS).flat().filter((s) => s.source === "input")) {
      expect(problemWith(spec, INPUTS[spec.key]!), spec.key).toBeUndefined();
    }
  });

  it("keeps a generated value found in the cluster as it is: only inputs are checked", () => {
    const plan = planSecrets(input({ existing: { "medusa-secret": { JWT_SECRET: "set by hand\n" } } }));
    expect(plan.invalid).toEqual([]);
    expect(value(plan, "medusa-secret", "JWT_SECRET")).toEqual({ key: "JWT_SECRET", provenance: "kept", value: "set by hand\n" });
  });

  it("names each key whose value the cluster does not have yet", () => {
    const plan = planSecrets(input({ existing: { "medusa-secret": { JWT_SECRET: "kept-jwt", REDIS_URL: INPUTS.REDIS_URL!, DATABASE_URL: "postgresql://old@db/medusa" } } }));
    const changed = changedKeys(plan, { "medusa-secret": { JWT_SECRET: "kept-jwt", REDIS_URL: INPUTS.REDIS_URL!, DATABASE_URL: "postgresql://old@db/medusa" } });
    expect(changed).toContain("medusa-secret DATABASE_URL");
    expect(changed).toContain("medusa-secret COOKIE_SECRET");
    expect(changed).toContain("storefront-secret REVALIDATE_SECRET");
    expect(changed).not.toContain("medusa-secret JWT_SECRET");
    expect(changed).not.toContain("medusa-secret REDIS_URL");
  });

  it("describes the plan as one line per Secret, keys in order", () => {
    const plan = planSecrets(input({ env: { STRAPI_API_TOKEN: "strapi-read-token" } }));
    expect(describePlan(plan)[1]).toBe("storefront-secret: REVALIDATE_SECRET (generated), STRAPI_API_TOKEN (environment)");
    expect(describePlan(plan)[0]).toMatch(/^medusa-secret: JWT_SECRET \(generated\), COOKIE_SECRET \(generated\)$/);
  });

  it("describes the plan by key and provenance only", () => {
    const plan = planSecrets(input());
    const text = describePlan(plan).join("\n");
    expect(text).toContain("JWT_SECRET (generated)");
    expect(text).toContain("DATABASE_URL (environment)");
    for (const v of planValues(plan)) expect(text).not.toContain(v);
  });
});
