/**
 * `npm run secrets:bootstrap` and `npm run secrets:pull` end to end against the control plane: they
 * create their Secrets for real, a re-run keeps the generated values, --rotate replaces them, and no
 * value reaches stdout, stderr, the repository or a leftover temporary file. Every provided value is
 * an obvious fake.
 */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { pullSecretName } from "../../scripts/lib/overlay.ts";
import { SECRET_KEYS } from "../../scripts/lib/secret-keys.ts";
import { kustomizeBuild, parseAll, REPO_ROOT } from "../support/tools.ts";
import { kubeconfig, kubectlOk } from "./kube.ts";

const NS = "ecom-secrets-e2e";

const INPUTS: Record<string, string> = {
  DATABASE_URL: "postgresql://ecom_test:fake-test-db-password@db.test.invalid:5432/ecom_test",
  REDIS_URL: "redis://:fake-test-redis-password@redis.test.invalid:6379",
  STRIPE_API_KEY: "sk_test_fake-stripe-key-for-tests",
  STRIPE_WEBHOOK_SECRET: "whsec_fake-webhook-secret-for-tests",
  S3_FILE_URL: "https://files.test.invalid/fake-files-for-tests",
  S3_ACCESS_KEY_ID: "fake-access-key-id-for-tests",
  S3_SECRET_ACCESS_KEY: "fake-secret-access-key-for-tests",
  S3_REGION: "fake-region-for-tests",
  S3_BUCKET: "fake-bucket-for-tests",
  S3_ENDPOINT: "https://s3.test.invalid",
  S3_FORCE_PATH_STYLE: "true",
  RESEND_API_KEY: "re_fake-resend-key-for-tests",
  RESEND_FROM: "Test Shop <shop@test.invalid>",
  STRAPI_ECOM_URL: "https://cms.test.invalid",
  STRAPI_ECOM_API_TOKEN: "fake-strapi-ecom-token-for-tests",
  MEILISEARCH_HOST: "https://search.test.invalid",
  MEILISEARCH_API_KEY: "fake-meilisearch-key-for-tests",
  STRAPI_API_TOKEN: "fake-strapi-read-token-for-tests",
};
const GHCR = { GHCR_USERNAME: "ecom-test-user", GHCR_TOKEN: "fake-ghcr-token-for-tests-only" };
const GENERATED: Array<{ secret: string; key: string }> = Object.entries(SECRET_KEYS).flatMap(([secret, specs]) =>
  specs.filter((s) => s.source === "generated").map((s) => ({ secret, key: s.key })),
);

interface Ran {
  label: string;
  status: number;
  stdout: string;
  stderr: string;
}

/** Everything every command printed, checked for values at the end. */
const runs: Ran[] = [];
/** Every value that was ever in one of the Secrets, or handed to a command. */
const values = new Set<string>([...Object.values(INPUTS), ...Object.values(GHCR)]);

function command(label: string, script: string, args: string[], extraEnv: Record<string, string> = {}): Ran {
  const env: Record<string, string | undefined> = { ...process.env, KUBECONFIG: kubeconfig(), ...extraEnv };
  // Only what the test passes: a value exported in the shell that runs the tests must not leak in.
  for (const key of [...Object.keys(INPUTS), ...Object.keys(GHCR)]) if (!(key in extraEnv)) delete env[key];
  const out = spawnSync(process.execPath, [join(REPO_ROOT, "scripts", script), ...args], { cwd: REPO_ROOT, env, encoding: "utf8" });
  const ran = { label, status: out.status ?? 1, stdout: out.stdout, stderr: out.stderr };
  runs.push(ran);
  return ran;
}

function readSecret(name: string): { type: string; data: Record<string, string> } {
  const secret = JSON.parse(kubectlOk(["get", "secret", name, "--namespace", NS, "-o", "json"]).stdout) as { type: string; data?: Record<string, string> };
  const data = Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, "base64").toString("utf8")]));
  for (const v of Object.values(data)) values.add(v);
  return { type: secret.type, data };
}

const generated = (): Record<string, string | undefined> => Object.fromEntries(GENERATED.map(({ secret, key }) => [key, readSecret(secret).data[key]]));

const secretTmpDirs = () => new Set(readdirSync(tmpdir()).filter((d) => d.startsWith("ecom-secret-")));

const gitStatus = () => spawnSync("git", ["status", "--porcelain"], { cwd: REPO_ROOT, encoding: "utf8" }).stdout;

/** The repository's files, without git's objects, the dependencies and .cache (the control plane's etcd holds the Secrets). */
function repoFiles(dir = REPO_ROOT): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const path = join(dir, d.name);
    // .stryker-tmp holds mutation testing's copies of the repository, this file with its fakes included.
    if (d.isDirectory()) return /^(\.git|node_modules|\.cache|\.stryker-tmp)$/.test(relative(REPO_ROOT, path)) ? [] : repoFiles(path);
    return d.isFile() ? [path] : [];
  });
}

describe("secrets:bootstrap and secrets:pull against the control plane", () => {
  const statusBefore = gitStatus();
  const tmpBefore = secretTmpDirs();
  let first: Record<string, string | undefined> = {};

  beforeAll(() => {
    // --namespace moves the Secrets out of the overlay's namespace, whose Namespace the command does not create then.
    kubectlOk(["create", "namespace", NS]);
  });

  it("bootstrap creates both Secrets with every key: the provided values, and generated ones of 32 random bytes", () => {
    const r = command("bootstrap", "secrets-bootstrap.ts", ["prod", "--namespace", NS], INPUTS);
    expect(r.status, r.stderr).toBe(0);
    for (const [secret, specs] of Object.entries(SECRET_KEYS)) {
      const { type, data } = readSecret(secret);
      expect(type).toBe("Opaque");
      expect(Object.keys(data).sort()).toEqual(specs.map((s) => s.key).sort());
      for (const s of specs) {
        if (s.source === "input") expect(data[s.key], `${secret} ${s.key}`).toBe(INPUTS[s.key]);
        else expect(data[s.key], `${secret} ${s.key}`).toMatch(/^[0-9a-f]{64}$/);
      }
    }
    first = generated();
    expect(new Set(Object.values(first)).size, "each generated value is its own").toBe(GENERATED.length);
    expect(r.stdout).toMatch(/JWT_SECRET \(generated\)/);
    expect(r.stdout).toMatch(/DATABASE_URL \(environment\)/);
  });

  it("a second run, with no value in the environment, keeps every value", () => {
    const before = { medusa: readSecret("medusa-secret").data, storefront: readSecret("storefront-secret").data };
    const r = command("bootstrap again", "secrets-bootstrap.ts", ["prod", "--namespace", NS]);
    expect(r.status, r.stderr).toBe(0);
    expect(generated()).toEqual(first);
    expect({ medusa: readSecret("medusa-secret").data, storefront: readSecret("storefront-secret").data }).toEqual(before);
    expect(r.stdout).toMatch(/JWT_SECRET \(kept\)/);
    expect(r.stdout).not.toMatch(/^changed:/m);
  });

  it("--rotate replaces every generated value and keeps the provided ones", () => {
    const r = command("bootstrap --rotate", "secrets-bootstrap.ts", ["prod", "--namespace", NS, "--rotate"]);
    expect(r.status, r.stderr).toBe(0);
    const rotated = generated();
    for (const { key } of GENERATED) {
      expect(rotated[key], key).toMatch(/^[0-9a-f]{64}$/);
      expect(rotated[key], key).not.toBe(first[key]);
    }
    expect(readSecret("medusa-secret").data.DATABASE_URL).toBe(INPUTS.DATABASE_URL);
    expect(readSecret("storefront-secret").data.STRAPI_API_TOKEN).toBe(INPUTS.STRAPI_API_TOKEN);
    expect(r.stdout).toMatch(/JWT_SECRET \(rotated\)/);
    expect(r.stdout).toContain(`kubectl rollout restart --namespace ${NS} deployment`);
  });

  it("pull creates the image pull secret the overlay's pods name, for ghcr.io", () => {
    const name = pullSecretName(parseAll(kustomizeBuild("overlays/prod"), "overlays/prod"));
    const r = command("pull", "secrets-pull.ts", ["prod", "--namespace", NS], GHCR);
    expect(r.status, r.stderr).toBe(0);
    const { type, data } = readSecret(name);
    expect(type).toBe("kubernetes.io/dockerconfigjson");
    const config = JSON.parse(data[".dockerconfigjson"]!) as { auths: Record<string, { username: string; password: string; auth: string }> };
    expect(config.auths["ghcr.io"]).toEqual({
      username: GHCR.GHCR_USERNAME,
      password: GHCR.GHCR_TOKEN,
      auth: Buffer.from(`${GHCR.GHCR_USERNAME}:${GHCR.GHCR_TOKEN}`).toString("base64"),
    });
    values.add(config.auths["ghcr.io"]!.auth);
    expect(r.stdout).toContain(`image pull secret ${name}`);
  });

  it("no value reached stdout or stderr of any run, the repository, or a leftover temporary file", () => {
    expect(runs.map((r) => r.label)).toEqual(["bootstrap", "bootstrap again", "bootstrap --rotate", "pull"]);
    // The user name is printed on purpose; `true` (S3_FORCE_PATH_STYLE) is a word, not something to look for.
    const needles = [...values].filter((v) => v !== GHCR.GHCR_USERNAME && v !== INPUTS.S3_FORCE_PATH_STYLE);
    expect(needles.length, "values to look for").toBeGreaterThan(Object.keys(INPUTS).length + 2 * GENERATED.length);
    const forms = needles.flatMap((v) => {
      const password = /^[a-z]+:\/\/[^:]*:([^@]+)@/.exec(v)?.[1];
      return [v, Buffer.from(v).toString("base64"), ...(password ? [password] : [])];
    });
    for (const r of runs) {
      for (const f of forms) {
        expect(r.stdout.includes(f), `${r.label}: a value on stdout`).toBe(false);
        expect(r.stderr.includes(f), `${r.label}: a value on stderr`).toBe(false);
      }
    }
    expect(gitStatus(), "files the commands left in the repository").toBe(statusBefore);
    // This file is where the provided fakes are written down; the generated values have nowhere to come from.
    for (const file of repoFiles().filter((f) => f !== fileURLToPath(import.meta.url))) {
      const text = readFileSync(file, "latin1");
      for (const f of forms) expect(text.includes(f), `a value in ${relative(REPO_ROOT, file)}`).toBe(false);
    }
    expect([...secretTmpDirs()].filter((d) => !tmpBefore.has(d)), "temporary directories with values left behind").toEqual([]);
  });
});
