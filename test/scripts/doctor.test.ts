/**
 * doctor's decisions (scripts/lib/doctor.ts): what each overlay needs from the cluster, and each
 * check's line for what the cluster shows. test/cluster/doctor.test.ts runs the command against
 * the test control plane with each prerequisite missing in turn.
 */
import { describe, expect, it } from "vitest";
import { PRIVATE_REGISTRY as FUNCTION_REGISTRY } from "../../functions/src/checks/pull-secrets.ts";
import type { BuiltObject } from "../../scripts/lib/built-object.ts";
import { formatCheck, verdict } from "../../scripts/lib/check-lines.ts";
import { doctorChecks, externalNameLookup, needs, PRIVATE_REGISTRY, secretView, type Needs, type Observed } from "../../scripts/lib/doctor.ts";
import { keysOf } from "../../scripts/lib/secret-keys.ts";
import { built } from "../support/builds.ts";
import { commandError } from "../support/command-error.ts";

const objects = (target: string) => built(target).objects as BuiltObject[];
const dockerconfig = (registries: string[]) => Buffer.from(JSON.stringify({ auths: Object.fromEntries(registries.map((r) => [r, { auth: "dGVzdDp0ZXN0" }])) })).toString("base64");

const PROD: Needs = needs(objects("overlays/prod"));

/** Everything prod needs, present. */
function healthy(): Observed {
  return {
    serverVersion: "v1.33.13",
    namespace: { labels: { "pod-security.kubernetes.io/enforce": "restricted" } },
    secrets: [
      { name: "medusa-secret", type: "Opaque", keys: keysOf("medusa-secret"), registries: [] },
      { name: "storefront-secret", type: "Opaque", keys: keysOf("storefront-secret"), registries: [] },
      { name: "ghcr-credentials", type: "kubernetes.io/dockerconfigjson", keys: [".dockerconfigjson"], registries: ["ghcr.io"] },
      { name: "ecom-tls", type: "kubernetes.io/tls", keys: ["tls.crt", "tls.key"], registries: [] },
    ],
    ingressClasses: [{ name: "nginx", isDefault: false }],
    served: [],
    found: [],
    storeReady: {},
    resolved: { "postgres.database.example.internal": { addresses: ["10.0.0.5"] }, "redis.database.example.internal": { addresses: ["10.0.0.6"] } },
  };
}

const lines = (n: Needs, o: Observed, env = "prod") => doctorChecks(env, n, o).map(formatCheck);

describe("what an overlay needs from the cluster", () => {
  it("prod: its namespace and label, the app Secrets with every key the images read, the pull secret for ghcr.io, the Ingress's class and TLS Secret, the ExternalName targets", () => {
    expect(PROD).toEqual({
      namespace: "ecom-prod",
      podSecurity: "restricted",
      secrets: [
        { name: "medusa-secret", keys: [...keysOf("medusa-secret")].sort() },
        { name: "storefront-secret", keys: [...keysOf("storefront-secret")].sort() },
      ],
      pullSecret: { name: "ghcr-credentials", registry: "ghcr.io" },
      provided: [],
      ingresses: [{ name: "ecom-ingress", className: "nginx", tlsSecrets: ["ecom-tls"] }],
      stores: [],
      externalNames: [
        { service: "postgres", target: "postgres.database.example.internal" },
        { service: "redis", target: "redis.database.example.internal" },
      ],
    });
    expect(PRIVATE_REGISTRY).toBe(FUNCTION_REGISTRY);
  });

  it("home-ops: Secrets from its ExternalSecrets (their stores instead), the default certificate, in-cluster ExternalName targets", () => {
    const n = needs(objects("overlays/home-ops"));
    expect(n.secrets).toEqual([]);
    expect(n.provided).toEqual(["medusa-db-secret", "medusa-s3-secret", "medusa-secret", "storefront-secret"]);
    expect(n.stores).toEqual([{ kind: "ClusterSecretStore", name: "bitwarden-secrets-manager" }, { kind: "ClusterSecretStore", name: "crunchy-pgo-secrets" }]);
    expect(n.ingresses).toEqual([{ name: "ecom-ingress", className: "external", tlsSecrets: [undefined] }]);
    expect(n.pullSecret).toEqual({ name: "ghcr-pull", registry: "ghcr.io" });
    expect(n.externalNames.map((e) => e.target)).toEqual(["postgres-pgbouncer.database.svc.cluster.local", "dragonfly.database.svc.cluster.local"]);
  });

  it("dev: the Secrets it brings are not asked of the cluster, its TLS Secret is (the storefront mounts it to trust it)", () => {
    const n = needs(objects("overlays/dev"));
    expect(n.secrets).toEqual([{ name: "ecom-dev-tls", keys: [] }]);
    expect(n.provided).toEqual(["medusa-secret", "postgres-credentials", "storefront-secret"]);
    expect(n.ingresses[0]!.tlsSecrets).toEqual(["ecom-dev-tls"]);
    expect(n.externalNames).toEqual([]);
  });

  it("a private image without a pull secret needs none (the function refuses that build); an app Secret mounted as a volume is read whole, with no key to ask for; a ClusterIssuer", () => {
    const n = needs([
      { apiVersion: "v1", kind: "Namespace", metadata: { name: "ns" } },
      {
        apiVersion: "batch/v1",
        kind: "Job",
        metadata: { name: "j" },
        spec: { template: { spec: { containers: [{ name: "c", image: `${PRIVATE_REGISTRY}ecom/medusa:1234567` }], volumes: [{ name: "v", secret: { secretName: "storefront-secret" } }] } } },
      },
      { apiVersion: "networking.k8s.io/v1", kind: "Ingress", metadata: { name: "i", annotations: { "cert-manager.io/cluster-issuer": "le" } }, spec: {} },
    ]);
    expect(n.pullSecret).toBeUndefined();
    expect(n.secrets).toEqual([{ name: "storefront-secret", keys: [] }]);
    expect(n.ingresses).toEqual([{ name: "i", issuer: { kind: "ClusterIssuer", name: "le" }, tlsSecrets: [] }]);
  });

  it("a key read with secretKeyRef, a Secret of unknown keys, optional references, a cert-manager issuer, a store without kind", () => {
    const pod = (spec: object): BuiltObject => ({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d" }, spec: { template: { spec } } });
    const n = needs([
      { apiVersion: "v1", kind: "Namespace", metadata: { name: "ns" } },
      pod({
        containers: [{
          name: "c",
          image: "docker.io/library/busybox",
          envFrom: [{ secretRef: { name: "other" } }, { secretRef: { name: "maybe", optional: true } }],
          env: [{ name: "A", valueFrom: { secretKeyRef: { name: "keyed", key: "K2" } } }, { name: "B", valueFrom: { secretKeyRef: { name: "keyed", key: "K1" } } }],
        }],
        imagePullSecrets: [{ name: "pull" }],
      }),
      { apiVersion: "networking.k8s.io/v1", kind: "Ingress", metadata: { name: "i", annotations: { "cert-manager.io/issuer": "le" } }, spec: { tls: [{ secretName: "s" }] } },
      { apiVersion: "external-secrets.io/v1", kind: "ExternalSecret", metadata: { name: "e" }, spec: { secretStoreRef: { name: "local" }, target: { name: "t" } } },
    ]);
    expect(n).toEqual({
      namespace: "ns",
      secrets: [{ name: "keyed", keys: ["K1", "K2"] }, { name: "other", keys: [] }],
      provided: ["t"],
      ingresses: [{ name: "i", issuer: { kind: "Issuer", name: "le" }, tlsSecrets: ["s"] }],
      stores: [{ kind: "SecretStore", name: "local" }],
      externalNames: [],
    });
  });
});

describe("a Secret as doctor keeps it", () => {
  it("key names only, and a pull secret's registries", () => {
    expect(secretView({ metadata: { name: "s" }, type: "Opaque", data: { B: "c2VjcmV0", A: "eA==" } })).toEqual({ name: "s", type: "Opaque", keys: ["A", "B"], registries: [] });
    expect(secretView({ metadata: { name: "p" }, type: "kubernetes.io/dockerconfigjson", data: { ".dockerconfigjson": dockerconfig(["https://ghcr.io/v2/", "docker.io"]) } }).registries).toEqual(["docker.io", "ghcr.io"]);
    expect(secretView({ metadata: { name: "p" }, type: "kubernetes.io/dockerconfigjson", data: { ".dockerconfigjson": Buffer.from("{}").toString("base64") } }).registries).toEqual([]);
    expect(secretView({ metadata: { name: "p" }, type: "kubernetes.io/dockerconfigjson", data: { ".dockerconfigjson": "bm90IGpzb24=" } }).registries).toEqual([]);
    expect(secretView({ metadata: { name: "p" }, type: "kubernetes.io/dockerconfigjson" })).toEqual({ name: "p", type: "kubernetes.io/dockerconfigjson", keys: [], registries: [] });
    expect(secretView({ metadata: { name: "o" }, data: { ".dockerconfigjson": dockerconfig(["ghcr.io"]) } })).toEqual({ name: "o", type: "Opaque", keys: [".dockerconfigjson"], registries: [] });
  });
});

describe("ExternalName targets", () => {
  it("a Service name is asked of the API server, any other name of DNS", () => {
    expect(externalNameLookup("postgres-pgbouncer.database.svc.cluster.local")).toEqual({ service: { namespace: "database", name: "postgres-pgbouncer" } });
    expect(externalNameLookup("redis.cache.svc")).toEqual({ service: { namespace: "cache", name: "redis" } });
    expect(externalNameLookup("db.example.com.")).toEqual({ dns: "db.example.com" });
    expect(externalNameLookup("x.svc.cluster.local.example.com")).toEqual({ dns: "x.svc.cluster.local.example.com" });
    expect(externalNameLookup("medusa.shop.svc.cluster.local.")).toEqual({ service: { namespace: "shop", name: "medusa" } });
    expect(externalNameLookup("a.b.c.svc")).toEqual({ dns: "a.b.c.svc" });
  });
});

describe("the checks, one line each", () => {
  it("all present: every line ok, in order, and the verdict passes", () => {
    expect(lines(PROD, healthy())).toEqual([
      "[ok] api-server: v1.33.13",
      "[ok] namespace: ecom-prod exists, enforces restricted",
      `[ok] secret medusa-secret: has every key the pods read (${[...keysOf("medusa-secret")].sort().join(", ")})`,
      "[ok] secret storefront-secret: has every key the pods read (REVALIDATE_SECRET, STRAPI_API_TOKEN)",
      "[ok] pull-secret ghcr-credentials: holds credentials for ghcr.io",
      "[ok] ingress-class ecom-ingress: IngressClass nginx exists",
      "[ok] tls ecom-ingress: Secret ecom-tls has tls.crt and tls.key",
      "[ok] external-name postgres: postgres.database.example.internal resolves (10.0.0.5)",
      "[ok] external-name redis: redis.database.example.internal resolves (10.0.0.6)",
    ]);
    expect(() => verdict(doctorChecks("prod", PROD, healthy()), "doctor-failed", "x")).not.toThrow();
  });

  it("api-server: older than v1.30 fails, v1.30 passes", () => {
    const at = (v: string) => doctorChecks("prod", PROD, { ...healthy(), serverVersion: v })[0];
    expect(formatCheck(at("v1.29.9")!)).toBe("[fail] api-server: v1.29.9, older than v1.30, which the preStop sleep action needs; fix: upgrade the cluster, or replace the sleep action as docs/operations.md (Graceful shutdown) says");
    expect(at("v1.30.0")!.state).toBe("ok");
    expect(at("v1.9.0")!.state).toBe("fail");
    expect(at("unknown")!.state).toBe("fail");
  });

  it("namespace: missing fails, another Pod Security level warns", () => {
    const { namespace: _, ...absent } = healthy();
    expect(lines(PROD, absent)[1]).toBe("[fail] namespace: ecom-prod does not exist, and the Secrets created outside git go into it; fix: kubectl create namespace ecom-prod");
    expect(lines(PROD, { ...healthy(), namespace: { labels: { "pod-security.kubernetes.io/enforce": "baseline" } } })[1]).toBe(
      "[warn] namespace: ecom-prod enforces baseline, the overlay restricted: the deploy sets restricted; fix: kubectl label namespace ecom-prod pod-security.kubernetes.io/enforce=restricted --overwrite",
    );
    expect(lines(PROD, { ...healthy(), namespace: { labels: {} } })[1]).toMatch(/^\[warn\] namespace: ecom-prod enforces no Pod Security level, the overlay restricted/);
    const { podSecurity: __, ...unlabelled } = PROD;
    expect(lines(unlabelled, { ...healthy(), namespace: { labels: {} } })[1]).toBe("[ok] namespace: ecom-prod exists");
  });

  it("secret: missing or lacking a key fails with the command that creates it; another Secret names docs/secrets.md", () => {
    const without = (name: string) => ({ ...healthy(), secrets: healthy().secrets.filter((s) => s.name !== name) });
    expect(lines(PROD, without("medusa-secret"))[2]).toBe("[fail] secret medusa-secret: missing in ecom-prod: the pods that read it cannot start; fix: npm run secrets:bootstrap -- prod");
    const partial = healthy();
    partial.secrets[1] = { ...partial.secrets[1]!, keys: ["REVALIDATE_SECRET"] };
    expect(lines(PROD, partial)[3]).toBe("[fail] secret storefront-secret: lacks STRAPI_API_TOKEN; fix: npm run secrets:bootstrap -- prod");
    const other: Needs = { ...PROD, secrets: [{ name: "extra", keys: [] }, { name: "keyed", keys: ["K"] }] };
    expect(lines(other, healthy()).slice(2, 4)).toEqual([
      "[fail] secret extra: missing in ecom-prod: the pods that read it cannot start; fix: create it in ecom-prod with the keys the pods read (docs/secrets.md)",
      "[fail] secret keyed: missing in ecom-prod: the pods that read it cannot start; fix: create it in ecom-prod with the keys the pods read (docs/secrets.md)",
    ]);
    const present = { ...healthy(), secrets: [...healthy().secrets, { name: "extra", type: "Opaque", keys: ["X"], registries: [] }] };
    expect(lines(other, present)[2]).toBe("[ok] secret extra: exists");
  });

  it("pull-secret: missing, of another type, or for another registry fails", () => {
    const withPull = (p: Observed["secrets"][number] | undefined) => ({ ...healthy(), secrets: [...healthy().secrets.slice(0, 2), ...(p ? [p] : []), healthy().secrets[3]!] });
    const pull = (o: Observed) => lines(PROD, o)[4];
    expect(pull(withPull(undefined))).toBe("[fail] pull-secret ghcr-credentials: missing in ecom-prod: the ghcr.io images cannot be pulled; fix: npm run secrets:pull -- prod");
    expect(pull(withPull({ name: "ghcr-credentials", type: "Opaque", keys: ["x"], registries: [] }))).toBe(
      "[fail] pull-secret ghcr-credentials: is of type Opaque, not kubernetes.io/dockerconfigjson; fix: npm run secrets:pull -- prod",
    );
    expect(pull(withPull({ name: "ghcr-credentials", type: "kubernetes.io/dockerconfigjson", keys: [".dockerconfigjson"], registries: ["docker.io", "quay.io"] }))).toBe(
      "[fail] pull-secret ghcr-credentials: holds credentials for docker.io, quay.io, not ghcr.io; fix: npm run secrets:pull -- prod",
    );
    expect(pull(withPull({ name: "ghcr-credentials", type: "kubernetes.io/dockerconfigjson", keys: [], registries: [] }))).toBe(
      "[fail] pull-secret ghcr-credentials: holds credentials for no registry, not ghcr.io; fix: npm run secrets:pull -- prod",
    );
    const { pullSecret: _, ...noPull } = PROD;
    expect(lines(noPull, healthy()).some((l) => l.includes("pull-secret"))).toBe(false);
  });

  it("ingress-class: a class the cluster lacks fails and lists the ones it has; no class needs a default one", () => {
    expect(lines(PROD, { ...healthy(), ingressClasses: [{ name: "traefik", isDefault: true }, { name: "internal", isDefault: false }] })[5]).toBe(
      "[fail] ingress-class ecom-ingress: IngressClass nginx does not exist: no controller serves the shop's hosts; fix: install the ingress controller, or name one of the cluster's classes (traefik, internal) in overlays/prod/ingress.yaml",
    );
    expect(lines(PROD, { ...healthy(), ingressClasses: [] })[5]).toMatch(/classes \(none\) in overlays\/prod\/ingress\.yaml$/);
    const classless: Needs = { ...PROD, ingresses: [{ name: "ecom-ingress", tlsSecrets: [] }] };
    expect(lines(classless, { ...healthy(), ingressClasses: [{ name: "a", isDefault: false }, { name: "b", isDefault: true }] })[5]).toBe("[ok] ingress-class ecom-ingress: names no class; the default IngressClass b serves it");
    expect(lines(classless, { ...healthy(), ingressClasses: [{ name: "a", isDefault: false }] })[5]).toBe(
      "[fail] ingress-class ecom-ingress: names no IngressClass and the cluster has no default one: no controller serves it; fix: install the ingress controller, or name one of the cluster's classes (a) in overlays/prod/ingress.yaml",
    );
  });

  it("tls: the TLS Secret missing or incomplete fails; dev's fix is npm run dev:tls; an overlay's own Secret and the default certificate pass", () => {
    const without = { ...healthy(), secrets: healthy().secrets.slice(0, 3) };
    expect(lines(PROD, without)[6]).toBe("[fail] tls ecom-ingress: Secret ecom-tls is missing: the controller serves its default certificate instead; fix: kubectl create secret tls ecom-tls --namespace ecom-prod --cert=<file> --key=<file>");
    expect(lines(PROD, without, "dev")[6]).toBe("[fail] tls ecom-ingress: Secret ecom-tls is missing: the controller serves its default certificate instead; fix: npm run dev:tls");
    const halfway = { ...healthy(), secrets: [...healthy().secrets.slice(0, 3), { name: "ecom-tls", type: "Opaque", keys: ["tls.crt"], registries: [] }] };
    expect(lines(PROD, halfway)[6]).toMatch(/^\[fail\] tls ecom-ingress: Secret ecom-tls lacks tls\.key; fix: kubectl create secret tls/);
    const own: Needs = { ...PROD, provided: ["ecom-tls"], ingresses: [{ name: "ecom-ingress", className: "nginx", tlsSecrets: ["ecom-tls", undefined] }] };
    expect(lines(own, without).slice(6, 8)).toEqual([
      "[ok] tls ecom-ingress: Secret ecom-tls comes with the overlay",
      "[ok] tls ecom-ingress: a TLS entry without secretName: the controller's default certificate serves it",
    ]);
  });

  it("tls through cert-manager: not installed, no such issuer, or the issuer present", () => {
    const issued: Needs = { ...PROD, ingresses: [{ name: "ecom-ingress", className: "nginx", issuer: { kind: "ClusterIssuer", name: "letsencrypt" }, tlsSecrets: ["ecom-tls"] }] };
    const noSecret = { ...healthy(), secrets: healthy().secrets.slice(0, 3) };
    expect(lines(issued, noSecret)[6]).toBe("[fail] tls ecom-ingress: names the ClusterIssuer letsencrypt, but cert-manager is not installed; fix: install cert-manager and the issuer");
    expect(lines(issued, { ...noSecret, served: ["ClusterIssuer", "Issuer"], found: [{ kind: "Issuer", name: "letsencrypt" }] })[6]).toBe(
      "[fail] tls ecom-ingress: cert-manager has no ClusterIssuer letsencrypt: no certificate will be issued; fix: create the ClusterIssuer, or name an existing one in the Ingress's cert-manager.io annotation",
    );
    expect(lines(issued, { ...noSecret, served: ["ClusterIssuer"], found: [{ kind: "ClusterIssuer", name: "letsencrypt" }] })[6]).toBe("[ok] tls ecom-ingress: cert-manager's ClusterIssuer letsencrypt exists");
  });

  it("secret-store: the operator missing, the store missing or not Ready fails", () => {
    const n: Needs = { ...PROD, stores: [{ kind: "ClusterSecretStore", name: "vault" }, { kind: "SecretStore", name: "local" }] };
    const store = (o: Partial<Observed>) => lines(n, { ...healthy(), ...o }).slice(7, 9);
    expect(store({})).toEqual([
      "[fail] secret-store vault: the ExternalSecrets read the ClusterSecretStore vault, but the External Secrets Operator is not installed; fix: install the External Secrets Operator and the store (docs/secrets.md)",
      "[fail] secret-store local: the ExternalSecrets read the SecretStore local, but the External Secrets Operator is not installed; fix: install the External Secrets Operator and the store (docs/secrets.md)",
    ]);
    expect(store({ served: ["ClusterSecretStore", "SecretStore"], found: [{ kind: "SecretStore", name: "vault" }, { kind: "ClusterSecretStore", name: "local" }] })).toEqual([
      "[fail] secret-store vault: ClusterSecretStore vault does not exist: no Secret would be synced; fix: create the ClusterSecretStore vault, or name an existing store in the overlay's ExternalSecrets",
      "[fail] secret-store local: SecretStore local does not exist in ecom-prod: no Secret would be synced; fix: create the SecretStore local, or name an existing store in the overlay's ExternalSecrets",
    ]);
    const found = { served: ["ClusterSecretStore", "SecretStore"], found: [{ kind: "ClusterSecretStore", name: "vault" }, { kind: "SecretStore", name: "local" }] };
    expect(store({ ...found, storeReady: { "ClusterSecretStore vault": { ready: false, message: "unable to log in" }, "SecretStore local": { ready: true, message: "" } } })).toEqual([
      "[fail] secret-store vault: ClusterSecretStore vault is not Ready: unable to log in; fix: kubectl describe the store and correct its provider settings",
      "[ok] secret-store local: SecretStore local exists and is Ready",
    ]);
    expect(store(found)).toEqual(["[ok] secret-store vault: ClusterSecretStore vault exists", "[ok] secret-store local: SecretStore local exists"]);
  });

  it("external-name: a target that does not resolve fails", () => {
    const o = { ...healthy(), resolved: { ...healthy().resolved, "redis.database.example.internal": { error: "ENOTFOUND" } } };
    expect(lines(PROD, o)[8]).toBe("[fail] external-name redis: redis.database.example.internal does not resolve (ENOTFOUND): the pods waiting for redis never start; fix: point Service redis's externalName at the datastore's host");
  });

  it("the verdict names a check that failed on two lines once, and counts both", () => {
    const fail = { check: "tls i", state: "fail", seen: "x" } as const;
    expect(commandError(() => verdict([fail, fail, { check: "a", state: "ok", seen: "y" }], "doctor-failed", "z")).message).toBe("2 of 3 checks failed (tls i): z");
    expect(() => verdict([{ check: "a", state: "skip", seen: "y" }, { check: "b", state: "warn", seen: "y" }], "doctor-failed", "z")).not.toThrow();
  });

  it("a failed check fails the run with doctor-failed, naming each failed check once; a warning does not", () => {
    const o = { ...healthy(), secrets: [], serverVersion: "v1.29.0", namespace: { labels: {} } };
    const err = commandError(() => verdict(doctorChecks("prod", PROD, o), "doctor-failed", "a deploy of overlays/prod would fail"));
    expect(err.code).toBe("doctor-failed");
    expect(err.message).toBe("5 of 9 checks failed (api-server, secret medusa-secret, secret storefront-secret, pull-secret ghcr-credentials, tls ecom-ingress): a deploy of overlays/prod would fail");
  });
});
