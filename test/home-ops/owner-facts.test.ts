/**
 * overlays/home-ops, its Flux Kustomizations and the cut-over command against the values recorded
 * from the app owner's cluster repository (owner-facts.yaml, each with its source file there). Every
 * recorded value has a check and every check a value; and for each value, changing it where this
 * repository uses it (in the build, the Kustomizations or the command) makes its check fail.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { DNS_GUARD, OLD } from "../../scripts/lib/cutover.ts";
import { built } from "../support/builds.ts";
import { all, find, imageRepo, imageTag, ingressRules, podSpec, workloads } from "../support/k8s.ts";
import { REPO_ROOT } from "../support/tools.ts";
import type { BuiltObject } from "../../scripts/lib/built-object.ts";
import { fluxKustomizations } from "../flux/flux-build.ts";

interface Fact {
  value: any;
  source: string;
  what: string;
}
const recorded = parse(readFileSync(join(REPO_ROOT, "test/home-ops/owner-facts.yaml"), "utf8")) as { repository: string; commit: string; facts: Record<string, Fact> };
const facts = recorded.facts;
const v = (id: string) => facts[id]!.value;

/** Everything of this repository a fact can be checked against. */
interface World {
  build: BuiltObject[];
  flux: BuiltObject[];
  cutover: { OLD: typeof OLD; DNS_GUARD: typeof DNS_GUARD };
  deviations: string;
}
const world = (): World => ({
  build: built("overlays/home-ops").objects,
  flux: fluxKustomizations(["flux/clusters/home-ops/ks.yaml"]).map((k) => k.object),
  cutover: { OLD, DNS_GUARD },
  deviations: readFileSync(join(REPO_ROOT, "docs/reference-deviations.md"), "utf8"),
});

const spec = (w: World, kind: string, name: string): any => find(w.build, kind, name).spec;
const data = (w: World, kind: string, name: string): Record<string, string> => (find(w.build, kind, name).data ?? {}) as Record<string, string>;
const template = (w: World, name: string): Record<string, string> => spec(w, "ExternalSecret", name).target.template.data;
const databaseUrl = (w: World) => template(w, "medusa-db-secret").DATABASE_URL!;
const ingress = (w: World) => find(w.build, "Ingress", "ecom-ingress");
const preDeploy = (w: World): any => w.flux.find((k) => k.metadata.name === "ecom-pre-deploy")!.spec;
const dependsOn = (k: any): string[] => (k.dependsOn ?? []).map((d: { name: string }) => d.name);
const medusaPods = (w: World) => workloads(w.build).filter((o) => podSpec(o).containers.some((c) => c.image && imageRepo(c.image) === "ghcr.io/ekenheim/ecom/medusa"));
const images = (w: World, repo: string) => workloads(w.build).flatMap((o) => podSpec(o).containers).flatMap((c) => (c.image && imageRepo(c.image) === repo ? [c.image] : []));
const bitwardenSecrets = (w: World) => all(w.build, "ExternalSecret").filter((o) => (o.spec as any).secretStoreRef.name !== v("pgo-store"));
/** Names of a template's `{{ .x }}` and `{{ index . "x" }}` reads. */
const reads = (text: string): string[] => [...text.matchAll(/\{\{\s*(?:\.([^\s}]+)|index \. "([^"]+)")\s*\}\}/g)].map((m) => m[1] ?? m[2]!);
const sorted = (xs: Iterable<string>) => [...xs].sort();

/**
 * Keys of the owner's Secrets home-ops leaves out, and why: each would override a value derived
 * from the Ingress (env-shadowing.test.ts), is read by nothing in home-ops, or is fixed when the
 * storefront image is built.
 */
const LEFT_OUT: Record<string, Record<string, string>> = {
  "medusa-secret": {
    STORE_CORS: "derived in medusa-config from the Ingress",
    ADMIN_CORS: "derived in medusa-config from the Ingress",
    AUTH_CORS: "derived in medusa-config from the Ingress",
    STOREFRONT_URL: "derived in medusa-config from the Ingress",
    MEDUSA_BACKEND_URL: "read by the owner's own config only; home-ops' reads the derived BACKEND_URL",
  },
  "medusa-db-secret": {
    POSTGRES_USER: "read by nothing in home-ops (DATABASE_URL carries it)",
    POSTGRES_PASSWORD: "read by nothing in home-ops (DATABASE_URL carries it)",
    POSTGRES_DB: "read by nothing in home-ops (DATABASE_URL carries it)",
    POSTGRES_HOST: "read by nothing in home-ops (DATABASE_URL carries it)",
  },
  "medusa-s3-secret": { NEXT_PUBLIC_S3_FILE_URL: "fixed when the storefront image is built" },
  "storefront-secret": { NEXT_PUBLIC_MEDUSA_PUBLISHABLE_KEY: "fixed when the storefront image is built" },
};
/** Keys home-ops adds: the owner's pods read the Meilisearch key from the Meilisearch's own Secret, in its namespace. */
const ADDED: Record<string, string[]> = { "medusa-secret": ["MEILISEARCH_API_KEY"] };

const CHECKS: Record<string, (w: World) => void> = {
  "old-release-kustomization": (w) => expect(w.cutover.OLD.kustomization).toMatchObject(v("old-release-kustomization")),
  "old-release-namespace": (w) => {
    expect(w.cutover.OLD.helmRelease.namespace).toBe(v("old-release-namespace"));
    expect(all(w.build, "Namespace").map((n) => n.metadata.name), "home-ops runs beside it, in a namespace of its own").not.toContain(v("old-release-namespace"));
  },
  "old-release-helmrelease": (w) => expect(w.cutover.OLD.helmRelease.name).toBe(v("old-release-helmrelease")),
  "old-release-migration-tag": (w) => expect(new Set(images(w, "ghcr.io/ekenheim/ecom/medusa").map(imageTag))).toEqual(new Set([v("old-release-migration-tag")])),
  "storefront-tag": (w) => expect(images(w, "ghcr.io/ekenheim/ecom/storefront").map(imageTag)).toEqual([v("storefront-tag")]),
  "config-mount-path": (w) => {
    for (const o of medusaPods(w)) {
      expect(podSpec(o).containers[0]!.volumeMounts, o.metadata.name).toContainEqual(expect.objectContaining({ name: "medusa-app-config", mountPath: v("config-mount-path") }));
    }
  },
  "reloader-annotation": (w) => {
    for (const d of all(w.build, "Deployment")) expect(d.metadata.annotations ?? {}, d.metadata.name).toMatchObject(v("reloader-annotation"));
  },
  "pull-secret": (w) => {
    for (const o of workloads(w.build)) expect(podSpec(o).imagePullSecrets, o.metadata.name).toEqual([{ name: v("pull-secret") }]);
  },
  "node-env": (w) => expect(data(w, "ConfigMap", "medusa-config").NODE_ENV).toBe(v("node-env")),
  "flux-conventions": (w) => {
    const { substituteFrom, ...rest } = v("flux-conventions");
    for (const k of w.flux) {
      expect(k.spec, k.metadata.name).toMatchObject(rest);
      expect((k.spec as any).postBuild.substituteFrom.map((s: { name: string }) => s.name), k.metadata.name).toEqual(substituteFrom);
    }
  },
  "flux-dependencies": (w) => expect(dependsOn(preDeploy(w))).toEqual(expect.arrayContaining(v("flux-dependencies"))),
  "pgo-store-kustomization": (w) => expect(dependsOn(preDeploy(w))).toContain(v("pgo-store-kustomization")),
  "bitwarden-store-kustomization": (w) => expect(dependsOn(preDeploy(w))).toContain(v("bitwarden-store-kustomization")),
  "meilisearch-not-in-flux": (w) => {
    for (const k of w.flux) expect(dependsOn(k.spec), k.metadata.name).not.toContain(v("meilisearch-not-in-flux"));
  },
  "database-namespace": (w) => {
    for (const name of ["postgres", "redis"]) expect(spec(w, "Service", name).externalName).toMatch(new RegExp(`\\.${v("database-namespace")}\\.svc\\.cluster\\.local$`));
    expect(new URL(template(w, "medusa-db-secret").REDIS_URL!).hostname.split(".")[1]).toBe(v("database-namespace"));
  },
  "pgbouncer-service": (w) => expect(spec(w, "Service", "postgres").externalName).toBe(`${v("pgbouncer-service")}.${v("database-namespace")}.svc.cluster.local`),
  "pgbouncer-port": (w) => {
    expect(databaseUrl(w)).toContain(`:${v("pgbouncer-port")}/`);
    expect(spec(w, "Service", "postgres").ports.map((p: { port: number }) => String(p.port))).toEqual([String(v("pgbouncer-port"))]);
  },
  "pgo-user-secret": (w) => expect(spec(w, "ExternalSecret", "medusa-db-secret").dataFrom).toEqual([{ extract: { key: v("pgo-user-secret") } }]),
  "pgo-user-secret-keys": (w) => expect(sorted(new Set(reads(databaseUrl(w))))).toEqual(v("pgo-user-secret-keys")),
  "pgo-password-type": (w) => expect(databaseUrl(w)).toContain(v("pgo-password-type") === "AlphaNumeric" ? ":{{ .password }}@" : "urlquery"),
  "database-url-options": (w) => expect(databaseUrl(w).split("?")[1]).toBe(v("database-url-options")),
  "pgo-store": (w) => expect(spec(w, "ExternalSecret", "medusa-db-secret").secretStoreRef).toEqual({ kind: "ClusterSecretStore", name: v("pgo-store") }),
  "db-secret-refresh": (w) => expect(spec(w, "ExternalSecret", "medusa-db-secret").refreshInterval).toBe(v("db-secret-refresh")),
  "dragonfly-service": (w) => {
    const host = `${v("dragonfly-service")}.${v("database-namespace")}.svc.cluster.local`;
    expect(spec(w, "Service", "redis").externalName).toBe(host);
    expect(template(w, "medusa-db-secret").REDIS_URL).toBe(`redis://${host}:6379`);
  },
  "owner-medusa-redis-host": (w) => {
    expect(JSON.stringify(w.build), "home-ops does not use a host no Service answers").not.toContain(v("owner-medusa-redis-host"));
    expect(w.deviations, "docs/reference-deviations.md names the owner's value and why").toContain(v("owner-medusa-redis-host"));
  },
  "bitwarden-store": (w) => {
    const shop = bitwardenSecrets(w);
    expect(shop.map((o) => o.metadata.name).sort()).toEqual(["medusa-s3-secret", "medusa-secret", "storefront-secret"]);
    for (const o of shop) expect((o.spec as any).secretStoreRef, o.metadata.name).toEqual({ kind: "ClusterSecretStore", name: v("bitwarden-store") });
  },
  "bitwarden-entries": (w) => {
    const entries = v("bitwarden-entries") as Record<string, string[]>;
    for (const o of bitwardenSecrets(w)) {
      const extracted: string[] = (o.spec as any).dataFrom.map((d: { extract: { key: string } }) => d.extract.key);
      expect(Object.keys(entries), `${o.metadata.name} extracts entries the owner has`).toEqual(expect.arrayContaining(extracted));
      const properties = extracted.flatMap((e) => entries[e] ?? []);
      const used = Object.values((o.spec as any).target.template.data as Record<string, string>).flatMap(reads);
      expect(properties, `${o.metadata.name} reads properties its entries hold`).toEqual(expect.arrayContaining(used));
    }
  },
  "secret-keys": (w) => {
    const owner = v("secret-keys") as Record<string, string[]>;
    expect(sorted(all(w.build, "ExternalSecret").map((o) => (o.spec as any).target.name))).toEqual(sorted(Object.keys(owner)));
    for (const [name, keys] of Object.entries(owner)) {
      const expected = [...keys.filter((k) => !(k in (LEFT_OUT[name] ?? {}))), ...(ADDED[name] ?? [])];
      expect(sorted(Object.keys(template(w, name))), name).toEqual(sorted(expected));
    }
  },
  "meilisearch-key": (w) => {
    const { env, key } = v("meilisearch-key");
    expect(template(w, "medusa-secret")[env]).toBe(`{{ .${key} }}`);
  },
  "s3-settings": (w) => expect(template(w, "medusa-s3-secret")).toMatchObject(v("s3-settings")),
  "s3-force-path-style": (w) => expect(data(w, "ConfigMap", "medusa-config").S3_FORCE_PATH_STYLE).toBe(v("s3-force-path-style")),
  "meilisearch-host": (w) => expect(data(w, "ConfigMap", "medusa-config").MEILISEARCH_HOST).toBe(v("meilisearch-host")),
  "strapi-api-url": (w) => expect(data(w, "ConfigMap", "storefront-config").STRAPI_API_URL).toBe(v("strapi-api-url")),
  "strapi-public-url": (w) => expect(data(w, "ConfigMap", "storefront-config").STRAPI_PUBLIC_URL).toBe(v("strapi-public-url")),
  "storefront-region": (w) => expect(data(w, "ConfigMap", "storefront-config").NEXT_PUBLIC_DEFAULT_REGION).toBe(v("storefront-region")),
  hosts: (w) => {
    const routes = Object.fromEntries(ingressRules(ingress(w)).map((r) => [r.host, r.http?.paths.map((p) => p.backend.service?.name)]));
    expect(routes).toEqual({ [v("hosts").medusa]: ["medusa"], [v("hosts").storefront]: ["storefront"] });
  },
  "ingress-class": (w) => expect(ingress(w).spec).toMatchObject({ ingressClassName: v("ingress-class") }),
  "external-dns-target": (w) => expect(ingress(w).metadata.annotations?.["external-dns.alpha.kubernetes.io/target"]).toBe(v("external-dns-target")),
  "admission-label": (w) => expect(ingress(w).metadata.labels).toMatchObject(v("admission-label")),
  "proxy-body-size": (w) => {
    const set = ingress(w).metadata.annotations?.["nginx.ingress.kubernetes.io/proxy-body-size"];
    expect(set ?? v("proxy-body-size"), "the controller's limit applies (no annotation), or the same").toBe(v("proxy-body-size"));
  },
  "default-certificate": (w) => {
    expect(v("default-certificate")).toMatch(/^[^/]+\/[^/]+$/);
    for (const t of (ingress(w).spec as any).tls) expect(t.secretName, "a TLS entry without secretName gets the controller's default certificate").toBeUndefined();
  },
  "ingress-controller": (w) => {
    const { namespace, podLabels } = v("ingress-controller");
    const policies = all(w.build, "NetworkPolicy").filter((p) => p.metadata.name.endsWith("-from-ingress-controller"));
    expect(policies.length).toBe(2);
    for (const p of policies) {
      expect((p.spec as any).ingress[0].from, p.metadata.name).toEqual([{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": namespace } }, podSelector: { matchLabels: podLabels } }]);
    }
  },
  "dns-source": (w) => expect({ apiVersion: w.cutover.DNS_GUARD.apiVersion, kind: w.cutover.DNS_GUARD.kind }).toEqual(v("dns-source")),
};

/** Facts that say what home-ops must NOT do or cannot see in its own objects; each has its own test below. */
const NOT_PERTURBED: Record<string, string> = {
  "meilisearch-not-in-flux": "a dependency home-ops must not have",
  "owner-medusa-redis-host": "a host home-ops must not use",
  "pgo-password-type": "why the password needs no escaping",
  "proxy-body-size": "an annotation home-ops must not set",
  "default-certificate": "a secretName home-ops must not set",
};

/** `world` with every occurrence of `text` in a name or a string replaced. */
function perturbed(w: World, text: string): World {
  const swap = (s: string) => s.split(text).join(`${text}-changed`);
  const walk = (x: unknown): unknown => {
    if (typeof x === "string") return swap(x);
    if (Array.isArray(x)) return x.map(walk);
    if (x && typeof x === "object") return Object.fromEntries(Object.entries(x).map(([k, y]) => [swap(k), walk(y)]));
    return x;
  };
  return walk(w) as World;
}

/** The strings (and numbers, as text) a fact's value holds, map keys included. */
const scalars = (x: unknown): string[] =>
  typeof x === "string" || typeof x === "number" ? [String(x)] : Array.isArray(x) ? x.flatMap(scalars) : x && typeof x === "object" ? Object.entries(x).flatMap(([k, y]) => [k, ...scalars(y)]) : [];

/**
 * Parts of a value whose change says nothing about home-ops: map keys that only give the value its
 * shape (its fields), and keys of the owner's Secrets that home-ops leaves out on purpose.
 */
const SKIPPED: Record<string, string[]> = {
  "old-release-kustomization": ["namespace", "name"],
  "flux-conventions": ["interval", "retryInterval", "timeout", "prune", "wait", "substituteFrom"],
  "meilisearch-key": ["env", "key"],
  hosts: ["medusa", "storefront"],
  "ingress-controller": ["namespace", "podLabels"],
  "dns-source": ["apiVersion", "kind"],
  // Keys of the owner's Secrets that home-ops leaves out on purpose: the check asserts their absence.
  "secret-keys": Object.values(LEFT_OUT).flatMap((keys) => Object.keys(keys)),
};

describe(`overlays/home-ops against ${recorded.repository} at ${recorded.commit.slice(0, 7)}`, () => {
  it("records each value with the file it comes from, and checks each", () => {
    expect(recorded.commit).toMatch(/^[0-9a-f]{40}$/);
    for (const [id, f] of Object.entries(facts)) {
      expect(f.source, id).toMatch(/^kubernetes\/[a-z0-9./_-]+\.yaml$/);
      expect(f.what, id).toBeTruthy();
    }
    expect(sorted(Object.keys(CHECKS))).toEqual(sorted(Object.keys(facts)));
  });

  for (const [id, fact] of Object.entries(facts)) {
    it(`${id}: ${fact.what} (${fact.source})`, () => {
      CHECKS[id]!(world());
    });
  }
});

describe("changing a recorded value where home-ops uses it fails its check", () => {
  for (const id of Object.keys(facts).filter((f) => !(f in NOT_PERTURBED))) {
    it(id, () => {
      const w = world();
      // Each part of the value home-ops uses (a key the owner has but home-ops leaves out is not used).
      const used = JSON.stringify(w);
      const texts = [...new Set(scalars(facts[id]!.value))].filter((t) => !(SKIPPED[id] ?? []).includes(t) && used.includes(t));
      expect(texts.length, `${id}: home-ops uses none of its value`).toBeGreaterThan(0);
      for (const text of texts) expect(() => CHECKS[id]!(perturbed(w, text)), `${id}: ${text} changed`).toThrow();
    });
  }

  const changed = (edit: (w: World) => void): World => {
    const w = structuredClone(world());
    edit(w);
    return w;
  };

  it("meilisearch-not-in-flux: depending on the Kustomization the owner does not run fails", () => {
    expect(() => CHECKS["meilisearch-not-in-flux"]!(changed((w) => preDeploy(w).dependsOn.push({ name: "meilisearch" })))).toThrow();
  });

  it("owner-medusa-redis-host: pointing Redis at the owner's host, or dropping the docs row, fails", () => {
    expect(() => CHECKS["owner-medusa-redis-host"]!(changed((w) => (spec(w, "Service", "redis").externalName = v("owner-medusa-redis-host"))))).toThrow();
    expect(() => CHECKS["owner-medusa-redis-host"]!(changed((w) => (w.deviations = "")))).toThrow();
  });

  it("pgo-password-type: a password PGO might generate with other characters would need escaping", () => {
    const original = facts["pgo-password-type"]!.value;
    try {
      facts["pgo-password-type"]!.value = "ASCII";
      expect(() => CHECKS["pgo-password-type"]!(world())).toThrow();
    } finally {
      facts["pgo-password-type"]!.value = original;
    }
  });

  it("proxy-body-size: a body limit of home-ops' own fails", () => {
    expect(() => CHECKS["proxy-body-size"]!(changed((w) => (ingress(w).metadata.annotations!["nginx.ingress.kubernetes.io/proxy-body-size"] = "10m")))).toThrow();
  });

  it("default-certificate: a TLS Secret of home-ops' own fails", () => {
    expect(() => CHECKS["default-certificate"]!(changed((w) => ((ingress(w).spec as any).tls[0].secretName = "ecom-tls")))).toThrow();
  });
});
