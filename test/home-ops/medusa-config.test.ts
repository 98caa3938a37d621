/**
 * The medusa-config.js overlays/home-ops mounts over the image's (overlays/home-ops/
 * medusa-app-config.yaml), run in a sandbox with a stand-in for @medusajs/framework/utils: the keys
 * it reads are exactly the keys the medusa pods get (their ConfigMap, the templates of the
 * ExternalSecrets they read, their env), each missing one stops it with its name, and it loads
 * every module of the image but those that need credentials the owner's cluster does not have.
 */
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { built } from "../support/builds.ts";
import { find, podSpec, workloads, type Container } from "../support/k8s.ts";
import type { BuiltObject } from "../../scripts/lib/built-object.ts";
import { sourceKeys } from "../manifests/env-sources.ts";

const HOME_OPS = "overlays/home-ops";
const objects = (): BuiltObject[] => built(HOME_OPS).objects;
const script = (): string => (find(objects(), "ConfigMap", "medusa-app-config").data as Record<string, string>)["medusa-config.js"]!;

/**
 * Read by the framework, the CLI or the app's code, not by medusa-config.js: NODE_ENV, telemetry,
 * `medusa db:create`'s DB_NAME, the Stripe client of the app's custom store routes.
 */
const FRAMEWORK_KEYS = ["NODE_ENV", "MEDUSA_DISABLE_TELEMETRY", "DB_NAME", "STRIPE_API_KEY"];
/** Read when present: only the Deployments choose a worker mode; NODE_ENV picks the .env file loadEnv reads. */
const OPTIONAL_KEYS = ["MEDUSA_WORKER_MODE", "NODE_ENV"];

interface Loaded {
  config: any;
  read: Set<string>;
}

/** Runs the script with `env`; throws what the script throws. */
function load(env: Record<string, string>): Loaded {
  const read = new Set<string>();
  const environment = new Proxy({ ...env }, {
    get(target, key) {
      if (typeof key === "string") read.add(key);
      return target[key as string];
    },
  });
  const framework = { defineConfig: (c: unknown) => c, loadEnv: () => undefined };
  const module = { exports: {} as unknown };
  const require = (id: string) => {
    if (id === "@medusajs/framework/utils") return framework;
    throw new Error(`medusa-config.js requires ${id}, which the test does not stand in for`);
  };
  runInNewContext(script(), { module, exports: module.exports, require, process: { env: environment, cwd: () => "/app" } }, { filename: "medusa-config.js" });
  return { config: module.exports, read };
}

/** The keys a container's environment gets from the build: envFrom sources and env entries. */
function suppliedKeys(c: Container): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of c.envFrom ?? []) {
    const kind = e.configMapRef ? "ConfigMap" : "Secret";
    const name = (e.configMapRef ?? e.secretRef)!.name;
    const keys = sourceKeys(objects(), kind, name, () => undefined);
    if ("unknown" in keys) throw new Error(keys.unknown);
    for (const k of keys.keys) out.set(k, `${kind} ${name}`);
  }
  for (const e of c.env ?? []) out.set(e.name, "env");
  return out;
}

const medusaContainers = () =>
  workloads(objects()).map((o) => ({ id: `${o.kind} ${o.metadata.name}`, c: podSpec(o).containers[0]! })).filter(({ c }) => c.image?.startsWith("ghcr.io/ekenheim/ecom/medusa:"));

/** A value for every key; the container's own env values where it has them. */
const fullEnv = (keys: Iterable<string>, c?: Container) =>
  Object.fromEntries([...keys].map((k) => [k, c?.env?.find((e) => e.name === k)?.value ?? (k === "S3_FORCE_PATH_STYLE" ? "true" : `value-of-${k}`)]));

describe("overlays/home-ops medusa-config.js", () => {
  it("is mounted over the image's file by every pod of the medusa image", () => {
    const pods = medusaContainers();
    expect(pods.map((p) => p.id).sort()).toEqual(["Deployment medusa", "Deployment medusa-worker", "Job medusa-migrate-9496114"]);
    for (const { id, c } of pods) {
      expect(c.volumeMounts, id).toContainEqual({ name: "medusa-app-config", mountPath: "/app/medusa-config.js", subPath: "medusa-config.js", readOnly: true });
    }
  });

  it("holds no ${ for Flux's substitution to trip over", () => {
    expect(script()).not.toContain("${");
  });

  it("reads exactly the keys the pods get, besides the framework's own", () => {
    for (const { id, c } of medusaContainers()) {
      const supplied = suppliedKeys(c);
      const { read } = load(fullEnv(supplied.keys()));
      const readKeys = [...read].filter((k) => !OPTIONAL_KEYS.includes(k));
      expect(readKeys.filter((k) => !supplied.has(k)), `${id}: read but not supplied`).toEqual([]);
      expect([...supplied.keys()].filter((k) => !read.has(k) && !FRAMEWORK_KEYS.includes(k)).sort(), `${id}: supplied but never read`).toEqual([]);
    }
  });

  it("names each missing key and where home-ops puts it, instead of starting half-configured", () => {
    const server = medusaContainers().find((p) => p.id === "Deployment medusa")!.c;
    const supplied = suppliedKeys(server);
    const required = [...load(fullEnv(supplied.keys())).read].filter((k) => !OPTIONAL_KEYS.includes(k));
    expect(required.length).toBeGreaterThan(15);
    for (const key of required) {
      const env = fullEnv(supplied.keys());
      delete env[key];
      expect(() => load(env), key).toThrow(`medusa-config.js: ${key} is not set (home-ops supplies it from ${supplied.get(key)})`);
      expect(() => load({ ...env, [key]: "" }), `${key} empty`).toThrow(`${key} is not set`);
    }
  });

  it("loads the image's modules and plugin except Stripe, Resend and the Strapi module", () => {
    const server = medusaContainers().find((p) => p.id === "Deployment medusa")!.c;
    const { config } = load(fullEnv(suppliedKeys(server).keys(), server));
    expect(config.modules.map((m: { resolve: string }) => m.resolve)).toEqual([
      "./src/modules/fashion",
      "@medusajs/medusa/file",
      "@medusajs/medusa/event-bus-redis",
      "@medusajs/medusa/workflow-engine-redis",
      "@medusajs/medusa/caching",
      "@medusajs/medusa/locking",
      "./src/modules/meilisearch",
    ]);
    expect(config.plugins).toEqual([{ resolve: "@agilo/medusa-analytics-plugin", options: {} }]);
    const s3 = config.modules[1].options.providers[0];
    expect(s3.options).toMatchObject({ file_url: "value-of-S3_FILE_URL", bucket: "value-of-S3_BUCKET", additional_client_config: { forcePathStyle: true } });
    expect(config.projectConfig).toMatchObject({ databaseUrl: "value-of-DATABASE_URL", redisUrl: "value-of-REDIS_URL", workerMode: "server" });
    expect(config.projectConfig.http).toMatchObject({ storeCors: "value-of-STORE_CORS", jwtSecret: "value-of-JWT_SECRET", cookieSecret: "value-of-COOKIE_SECRET" });
    expect(config.admin).toEqual({ backendUrl: "value-of-BACKEND_URL", storefrontUrl: "value-of-STOREFRONT_URL" });
  });

  it("runs the migration Job in the default worker mode and keeps path-style S3 off unless asked", () => {
    const job = medusaContainers().find((p) => p.id.startsWith("Job"))!.c;
    const env = fullEnv(suppliedKeys(job).keys());
    expect(load(env).config.projectConfig.workerMode).toBe("shared");
    expect(load({ ...env, S3_FORCE_PATH_STYLE: "false" }).config.modules[1].options.providers[0].options.additional_client_config.forcePathStyle).toBeUndefined();
  });

  it("indexes a product for search with the fields the index shows, also without a collection, type or images", () => {
    const server = medusaContainers().find((p) => p.id === "Deployment medusa")!.c;
    const products = load(fullEnv(suppliedKeys(server).keys())).config.modules[6].options.settings.products;
    const shown: string[] = products.indexSettings.displayedAttributes;
    const doc = products.transformer({
      id: "p1", title: "Sofa", handle: "sofa", subtitle: "s", description: "d", is_giftcard: false, status: "published",
      images: [{ url: "https://s3.example.net/a.png" }], collection: { title: "Living", handle: "living" },
      categories: [{ name: "Seating", handle: "seating" }], type: { value: "couch" }, tags: [{ value: "new" }],
      variants: [{ title: "Blue", sku: "SOFA-B" }, { title: "Red", sku: "" }, { title: "Green", sku: null }],
    });
    expect(Object.keys(doc).sort()).toEqual([...shown].sort());
    expect(doc).toMatchObject({ thumbnail: "https://s3.example.net/a.png", collection: "Living", categories_handle: ["seating"], type: "couch", variants: ["Blue", "Red", "Green"], sku: ["SOFA-B"] });
    expect(products.transformer({ id: "p2", title: "Bare" })).toMatchObject({ id: "p2", thumbnail: null, collection: undefined, categories: [], tags: [], sku: [] });
    expect(products.primaryKey).toBe("id");
    expect(products.indexSettings.searchableAttributes).toEqual(["title", "subtitle", "description", "collection", "categories", "type", "tags", "variants", "sku"]);
  });
});
