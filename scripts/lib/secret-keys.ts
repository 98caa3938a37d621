/**
 * The keys of the two Secrets the images read, in one list: the bootstrap command, the
 * ExternalSecret component and the dev overlay's fake Secrets are all tested against it.
 */

export type SecretName = "medusa-secret" | "storefront-secret";

export interface KeySpec {
  key: string;
  /** generated: random, created once and kept; input: supplied by the operator */
  source: "generated" | "input";
  /** what the operator sees when asked for the value */
  hint: string;
  /** returns why a value is unacceptable, or undefined */
  check?: (value: string) => string | undefined;
}

function url(protocols: string[]): (value: string) => string | undefined {
  return (value) => {
    let parsed: URL;
    try {
      parsed = new URL(value);
    } catch {
      return `not a URL (expected ${protocols.join(" or ")}//…)`;
    }
    if (!protocols.includes(parsed.protocol)) return `scheme ${parsed.protocol} is not ${protocols.join(" or ")}`;
    if (!parsed.hostname) return "has no host";
    return undefined;
  };
}

const prefixed = (...prefixes: string[]) => (value: string) =>
  prefixes.some((p) => value.startsWith(p)) ? undefined : `does not start with ${prefixes.join(" or ")}`;

const HTTP = url(["http:", "https:"]);

export const SECRET_KEYS: Readonly<Record<SecretName, readonly KeySpec[]>> = {
  "medusa-secret": [
    { key: "DATABASE_URL", source: "input", hint: "postgresql://USER:PASSWORD@HOST:5432/DB", check: url(["postgres:", "postgresql:"]) },
    { key: "REDIS_URL", source: "input", hint: "redis://HOST:6379", check: url(["redis:", "rediss:"]) },
    { key: "JWT_SECRET", source: "generated", hint: "random, 32 bytes hex" },
    { key: "COOKIE_SECRET", source: "generated", hint: "random, 32 bytes hex" },
    { key: "STRIPE_API_KEY", source: "input", hint: "sk_live_… / sk_test_… / rk_…", check: prefixed("sk_", "rk_") },
    { key: "STRIPE_WEBHOOK_SECRET", source: "input", hint: "whsec_…", check: prefixed("whsec_") },
    { key: "S3_FILE_URL", source: "input", hint: "public base URL of the bucket", check: HTTP },
    { key: "S3_ACCESS_KEY_ID", source: "input", hint: "S3 access key id" },
    { key: "S3_SECRET_ACCESS_KEY", source: "input", hint: "S3 secret access key" },
    { key: "S3_REGION", source: "input", hint: "e.g. eu-west-1" },
    { key: "S3_BUCKET", source: "input", hint: "bucket name" },
    { key: "S3_ENDPOINT", source: "input", hint: "S3 API endpoint URL", check: HTTP },
    {
      key: "S3_FORCE_PATH_STYLE",
      source: "input",
      hint: "true for MinIO-style endpoints, else false",
      check: (v) => (v === "true" || v === "false" ? undefined : "must be true or false"),
    },
    { key: "RESEND_API_KEY", source: "input", hint: "re_…", check: prefixed("re_") },
    { key: "RESEND_FROM", source: "input", hint: "sender address", check: (v) => (/^[^@\s]+@[^@\s]+$/.test(v.replace(/^.*<(.*)>$/, "$1")) ? undefined : "is not an e-mail address") },
    { key: "STRAPI_ECOM_URL", source: "input", hint: "Strapi base URL", check: HTTP },
    { key: "STRAPI_ECOM_API_TOKEN", source: "input", hint: "Strapi API token" },
    { key: "MEILISEARCH_HOST", source: "input", hint: "Meilisearch URL", check: HTTP },
    { key: "MEILISEARCH_API_KEY", source: "input", hint: "Meilisearch API key" },
  ],
  "storefront-secret": [
    { key: "REVALIDATE_SECRET", source: "generated", hint: "random, 32 bytes hex" },
    { key: "STRAPI_API_TOKEN", source: "input", hint: "Strapi API token (read-only is enough)" },
  ],
};

export const SECRET_NAMES = Object.keys(SECRET_KEYS) as SecretName[];

export function keysOf(name: SecretName): string[] {
  return SECRET_KEYS[name].map((k) => k.key);
}
