/**
 * `npm run doctor` (scripts/doctor.ts) against the control plane: everything overlays/prod needs in
 * place, then each prerequisite taken away in turn, and the line that says so. The command takes
 * its namespace from the overlay, so it runs in a copy of the repository whose extra overlays move
 * overlays/prod into namespaces of this file's own, with an IngressClass of its own and its
 * ExternalName targets pointed at what this file controls: a Service of its own and `localhost`.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keysOf } from "../../scripts/lib/secret-keys.ts";
import { prodOverlayIn } from "../support/commands.ts";
import { RepoCopy } from "../support/repo-copy.ts";
import type { BuiltObject } from "../../scripts/lib/built-object.ts";
import { parseAll, tool } from "../support/tools.ts";
import { kubeconfig, kubectl, kubectlOk, toYaml } from "./kube.ts";

const NS = "ecom-doctor";
const ES_NS = "ecom-doctor-es";
const DEPS = "ecom-doctor-deps";
const CLASS = "ecom-doctor";
const ISSUER = "ecom-doctor-issuer";
const STORE = "bitwarden-secrets-manager";

/** Values no line may print: each distinctive, so that finding one means it leaked. */
const value = (secret: string, key: string) => `doctor-value-${secret}-${key}`.toLowerCase();
const LEAKS = [...keysOf("medusa-secret").map((k) => value("medusa-secret", k)), ...keysOf("storefront-secret").map((k) => value("storefront-secret", k)), "doctor-registry-token"];

let repo: RepoCopy;

function overlay(env: string, ns: string, extra: { components?: string[]; patches?: object[] } = {}): void {
  prodOverlayIn(repo.root, env, ns, {
    ...(extra.components ? { components: extra.components } : {}),
    patches: [
      { target: { kind: "Ingress" }, patch: JSON.stringify([{ op: "replace", path: "/spec/ingressClassName", value: CLASS }]) },
      { target: { kind: "Service", name: "postgres" }, patch: JSON.stringify([{ op: "replace", path: "/spec/externalName", value: `doctor-db.${DEPS}.svc.cluster.local` }]) },
      { target: { kind: "Service", name: "redis" }, patch: JSON.stringify([{ op: "replace", path: "/spec/externalName", value: "localhost" }]) },
      ...(extra.patches ?? []),
    ],
  });
}

interface Ran {
  status: number;
  stdout: string;
  stderr: string;
}

function doctor(env: string): Ran {
  const r = spawnSync(process.execPath, [join(repo.root, "scripts", "doctor.ts"), env], {
    cwd: repo.root,
    env: { ...process.env, KUBECONFIG: kubeconfig(), KUBECTL: tool("kubectl") },
    encoding: "utf8",
    timeout: 120_000,
  });
  const ran = { status: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
  for (const leak of LEAKS) {
    expect(ran.stdout + ran.stderr, "a Secret's value was printed").not.toContain(leak);
    expect(ran.stdout + ran.stderr, "a Secret's value was printed").not.toContain(Buffer.from(leak).toString("base64"));
  }
  return ran;
}

const line = (r: Ran, check: string): string => {
  const found = r.stdout.split("\n").filter((l) => l.includes(`] ${check}: `));
  expect(found, `${check} in:\n${r.stdout}`).toHaveLength(1);
  return found[0]!;
};
const passes = (r: Ran) => expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
const fails = (r: Ran, check: string) => {
  expect(r.status, r.stdout).toBe(1);
  expect(r.stderr).toMatch(new RegExp(`^error: doctor-failed: 1 of \\d+ checks failed \\(${check}\\): `));
};
const apply = (objects: object[]) => kubectlOk(["apply", "--server-side", "--force-conflicts", "--field-manager=ecom-doctor-test", "-f", "-"], toYaml(objects as BuiltObject[]));
const del = (...args: string[]) => kubectlOk(["delete", ...args, "--ignore-not-found", "--wait=true"]);

function appSecret(name: "medusa-secret" | "storefront-secret", ns: string): object {
  return { apiVersion: "v1", kind: "Secret", metadata: { name, namespace: ns }, stringData: Object.fromEntries(keysOf(name).map((k) => [k, value(name, k)])) };
}
function pullSecret(ns: string, registry: string): object {
  const config = { auths: { [registry]: { auth: Buffer.from("doctor:doctor-registry-token").toString("base64") } } };
  return { apiVersion: "v1", kind: "Secret", type: "kubernetes.io/dockerconfigjson", metadata: { name: "ghcr-credentials", namespace: ns }, data: { ".dockerconfigjson": Buffer.from(JSON.stringify(config)).toString("base64") } };
}
/** A certificate of its own, so that the Secret is what kubectl create secret tls makes. */
function tlsSecret(ns: string): object {
  const dir = mkdtempSync(join(tmpdir(), "doctor-tls-"));
  execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=shop.example.com", "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem")], { stdio: "ignore" });
  const b64 = (f: string) => readFileSync(join(dir, f)).toString("base64");
  const data = { "tls.crt": b64("cert.pem"), "tls.key": b64("key.pem") };
  rmSync(dir, { recursive: true, force: true });
  return { apiVersion: "v1", kind: "Secret", type: "kubernetes.io/tls", metadata: { name: "ecom-tls", namespace: ns }, data };
}
const ingressClass = { apiVersion: "networking.k8s.io/v1", kind: "IngressClass", metadata: { name: CLASS }, spec: { controller: "example.com/ingress-doctor" } };
const namespace = (name: string, enforce = "restricted") => ({ apiVersion: "v1", kind: "Namespace", metadata: { name, labels: { "pod-security.kubernetes.io/enforce": enforce } } });

/** cert-manager's ClusterIssuer kind as its CRD names it (group, plural, scope); doctor only asks whether one exists. */
const ISSUER_CRD = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: "clusterissuers.cert-manager.io" },
  spec: {
    group: "cert-manager.io",
    names: { kind: "ClusterIssuer", listKind: "ClusterIssuerList", plural: "clusterissuers", singular: "clusterissuer" },
    scope: "Cluster",
    versions: [{ name: "v1", served: true, storage: true, schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } } }],
  },
};

function storeCrd(): BuiltObject[] {
  // The External Secrets Operator's own CRD, from the Go module test/cluster/cutover.test.ts also reads.
  const out = spawnSync("go", ["mod", "download", "-json", "github.com/external-secrets/external-secrets@v1.3.2"], { cwd: tmpdir(), encoding: "utf8", env: { ...process.env, GOTOOLCHAIN: "auto" } });
  if (out.status !== 0) throw new Error(`go mod download failed:\n${out.stderr}`);
  const path = join((JSON.parse(out.stdout) as { Dir: string }).Dir, "config/crds/bases/external-secrets.io_clustersecretstores.yaml");
  return parseAll(readFileSync(path, "utf8"), path);
}

beforeAll(() => {
  repo = new RepoCopy();
  repo.linkNodeModules();
  overlay("doctor", NS);
  overlay("doctor-absent", "ecom-doctor-absent");
  overlay("doctor-es", ES_NS, {
    components: ["../../components/external-secrets"],
    patches: [{ target: { kind: "Ingress" }, patch: JSON.stringify([{ op: "add", path: "/metadata/annotations/cert-manager.io~1cluster-issuer", value: ISSUER }]) }],
  });
  apply([namespace(NS), namespace(ES_NS), namespace(DEPS), ingressClass]);
  apply([appSecret("medusa-secret", NS), appSecret("storefront-secret", NS), pullSecret(NS, "ghcr.io"), tlsSecret(NS), pullSecret(ES_NS, "ghcr.io")]);
  apply([{ apiVersion: "v1", kind: "Service", metadata: { name: "doctor-db", namespace: DEPS }, spec: { ports: [{ port: 5432 }] } }]);
});
afterAll(() => repo?.remove());

describe("npm run doctor against the control plane", () => {
  it("everything prod needs in place: every line ok, exit 0, no Secret value printed", () => {
    const r = doctor("doctor");
    passes(r);
    const version = JSON.parse(kubectlOk(["version", "-o", "json"]).stdout).serverVersion.gitVersion as string;
    expect(r.stdout.split("\n").filter(Boolean)).toEqual([
      expect.stringMatching(/^doctor overlays\/doctor against context \S+, namespace ecom-doctor$/),
      `[ok] api-server: ${version}`,
      "[ok] namespace: ecom-doctor exists, enforces restricted",
      `[ok] secret medusa-secret: has every key the pods read (${[...keysOf("medusa-secret")].sort().join(", ")})`,
      "[ok] secret storefront-secret: has every key the pods read (REVALIDATE_SECRET, STRAPI_API_TOKEN)",
      "[ok] pull-secret ghcr-credentials: holds credentials for ghcr.io",
      `[ok] ingress-class ecom-ingress: IngressClass ${CLASS} exists`,
      "[ok] tls ecom-ingress: Secret ecom-tls has tls.crt and tls.key",
      expect.stringMatching(new RegExp(`^\\[ok\\] external-name postgres: doctor-db\\.${DEPS}\\.svc\\.cluster\\.local resolves \\(\\d+\\.\\d+\\.\\d+\\.\\d+\\)$`)),
      expect.stringMatching(/^\[ok\] external-name redis: localhost resolves \(/),
    ]);
    expect(r.stderr).toBe("");
  });

  it("the namespace absent: it and everything that lives in it fail", () => {
    const r = doctor("doctor-absent");
    expect(r.status).toBe(1);
    expect(line(r, "namespace")).toBe("[fail] namespace: ecom-doctor-absent does not exist, and the Secrets created outside git go into it; fix: kubectl create namespace ecom-doctor-absent");
    expect(line(r, "secret medusa-secret")).toMatch(/^\[fail\] secret medusa-secret: missing in ecom-doctor-absent/);
    expect(r.stderr).toMatch(/^error: doctor-failed: 5 of 9 checks failed \(namespace, secret medusa-secret, secret storefront-secret, pull-secret ghcr-credentials, tls ecom-ingress\)/);
  });

  it("another Pod Security level: a warning, not a failure", () => {
    kubectlOk(["label", "namespace", NS, "pod-security.kubernetes.io/enforce=baseline", "--overwrite"]);
    try {
      const r = doctor("doctor");
      passes(r);
      expect(line(r, "namespace")).toBe(`[warn] namespace: ${NS} enforces baseline, the overlay restricted: the deploy sets restricted; fix: kubectl label namespace ${NS} pod-security.kubernetes.io/enforce=restricted --overwrite`);
    } finally {
      apply([namespace(NS)]);
    }
  });

  it("an app Secret missing", () => {
    del("secret", "storefront-secret", "--namespace", NS);
    try {
      const r = doctor("doctor");
      fails(r, "secret storefront-secret");
      expect(line(r, "secret storefront-secret")).toBe(`[fail] secret storefront-secret: missing in ${NS}: the pods that read it cannot start; fix: npm run secrets:bootstrap -- doctor`);
    } finally {
      apply([appSecret("storefront-secret", NS)]);
    }
  });

  it("a key the image reads missing from its Secret", () => {
    kubectlOk(["patch", "secret", "medusa-secret", "--namespace", NS, "--type=json", "-p", JSON.stringify([{ op: "remove", path: "/data/STRIPE_API_KEY" }, { op: "remove", path: "/data/RESEND_FROM" }])]);
    try {
      const r = doctor("doctor");
      fails(r, "secret medusa-secret");
      expect(line(r, "secret medusa-secret")).toBe("[fail] secret medusa-secret: lacks RESEND_FROM, STRIPE_API_KEY; fix: npm run secrets:bootstrap -- doctor");
    } finally {
      apply([appSecret("medusa-secret", NS)]);
    }
  });

  it("the pull secret missing, then holding another registry's credentials", () => {
    del("secret", "ghcr-credentials", "--namespace", NS);
    try {
      const missing = doctor("doctor");
      fails(missing, "pull-secret ghcr-credentials");
      expect(line(missing, "pull-secret ghcr-credentials")).toBe(`[fail] pull-secret ghcr-credentials: missing in ${NS}: the ghcr.io images cannot be pulled; fix: npm run secrets:pull -- doctor`);
      apply([pullSecret(NS, "https://index.docker.io/v1/")]);
      const other = doctor("doctor");
      fails(other, "pull-secret ghcr-credentials");
      expect(line(other, "pull-secret ghcr-credentials")).toBe("[fail] pull-secret ghcr-credentials: holds credentials for index.docker.io, not ghcr.io; fix: npm run secrets:pull -- doctor");
    } finally {
      del("secret", "ghcr-credentials", "--namespace", NS);
      apply([pullSecret(NS, "ghcr.io")]);
    }
  });

  it("the IngressClass missing", () => {
    del("ingressclass", CLASS);
    try {
      const r = doctor("doctor");
      fails(r, "ingress-class ecom-ingress");
      expect(line(r, "ingress-class ecom-ingress")).toMatch(new RegExp(`^\\[fail\\] ingress-class ecom-ingress: IngressClass ${CLASS} does not exist: no controller serves the shop's hosts; fix: install the ingress controller, or name one of the cluster's classes \\(.*\\) in overlays/doctor/ingress\\.yaml$`));
    } finally {
      apply([ingressClass]);
    }
  });

  it("the TLS Secret the Ingress names missing", () => {
    del("secret", "ecom-tls", "--namespace", NS);
    try {
      const r = doctor("doctor");
      fails(r, "tls ecom-ingress");
      expect(line(r, "tls ecom-ingress")).toBe(`[fail] tls ecom-ingress: Secret ecom-tls is missing: the controller serves its default certificate instead; fix: kubectl create secret tls ecom-tls --namespace ${NS} --cert=<file> --key=<file>`);
    } finally {
      apply([tlsSecret(NS)]);
    }
  });

  it("an ExternalName target: the in-cluster Service gone, then a DNS name that does not resolve", () => {
    del("service", "doctor-db", "--namespace", DEPS);
    try {
      const r = doctor("doctor");
      fails(r, "external-name postgres");
      expect(line(r, "external-name postgres")).toBe(`[fail] external-name postgres: doctor-db.${DEPS}.svc.cluster.local does not resolve (no Service doctor-db in namespace ${DEPS}): the pods waiting for postgres never start; fix: point Service postgres's externalName at the datastore's host`);
    } finally {
      apply([{ apiVersion: "v1", kind: "Service", metadata: { name: "doctor-db", namespace: DEPS }, spec: { ports: [{ port: 5432 }] } }]);
    }
    const file = "overlays/doctor/kustomization.yaml";
    const before = repo.read(file);
    repo.edit(file, '"value":"localhost"', '"value":"redis.doctor.invalid"');
    try {
      const r = doctor("doctor");
      fails(r, "external-name redis");
      expect(line(r, "external-name redis")).toMatch(/^\[fail\] external-name redis: redis\.doctor\.invalid does not resolve \(E[A-Z_]+\): the pods waiting for redis never start; fix: /);
    } finally {
      writeFileSync(join(repo.root, file), before);
    }
  });

  it("with External Secrets and cert-manager: the operator, the store, its readiness, cert-manager and the issuer, each missing in turn", () => {
    const served = (resource: string) => kubectl(["get", resource]).status === 0;
    const store = () => line(doctor("doctor-es"), `secret-store ${STORE}`);
    const tls = () => line(doctor("doctor-es"), "tls ecom-ingress");
    // Both CRDs are this file's alone (cutover.test.ts installs only ExternalSecret's): absent before it installs them.
    expect(served("clusterissuers.cert-manager.io")).toBe(false);
    expect(tls()).toBe(`[fail] tls ecom-ingress: names the ClusterIssuer ${ISSUER}, but cert-manager is not installed; fix: install cert-manager and the issuer`);
    expect(served("clustersecretstores.external-secrets.io")).toBe(false);
    expect(store()).toBe(`[fail] secret-store ${STORE}: the ExternalSecrets read the ClusterSecretStore ${STORE}, but the External Secrets Operator is not installed; fix: install the External Secrets Operator and the store (docs/secrets.md)`);
    for (const crd of [...storeCrd(), ISSUER_CRD]) apply([crd]);
    kubectlOk(["wait", "--for=condition=Established", "--timeout=60s", "crd/clustersecretstores.external-secrets.io", "crd/clusterissuers.cert-manager.io"]);

    expect(store()).toBe(`[fail] secret-store ${STORE}: ClusterSecretStore ${STORE} does not exist: no Secret would be synced; fix: create the ClusterSecretStore ${STORE}, or name an existing store in the overlay's ExternalSecrets`);
    expect(tls()).toBe(`[fail] tls ecom-ingress: cert-manager has no ClusterIssuer ${ISSUER}: no certificate will be issued; fix: create the ClusterIssuer, or name an existing one in the Ingress's cert-manager.io annotation`);

    apply([
      { apiVersion: "external-secrets.io/v1", kind: "ClusterSecretStore", metadata: { name: STORE }, spec: { provider: { fake: { data: [] } } } },
      { apiVersion: "cert-manager.io/v1", kind: "ClusterIssuer", metadata: { name: ISSUER }, spec: { selfSigned: {} } },
    ]);
    const r = doctor("doctor-es");
    passes(r);
    expect(line(r, `secret-store ${STORE}`)).toBe(`[ok] secret-store ${STORE}: ClusterSecretStore ${STORE} exists`);
    expect(line(r, "tls ecom-ingress")).toBe(`[ok] tls ecom-ingress: cert-manager's ClusterIssuer ${ISSUER} exists`);
    // The Secrets its ExternalSecrets make are not asked of the cluster.
    expect(r.stdout).not.toContain("secret medusa-secret");

    const status = { conditions: [{ type: "Ready", status: "False", reason: "InvalidProviderConfig", message: "unable to validate the store", lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, "Z") }] };
    kubectlOk(["patch", "clustersecretstores.external-secrets.io", STORE, "--subresource=status", "--type=merge", "-p", JSON.stringify({ status })]);
    const notReady = doctor("doctor-es");
    fails(notReady, `secret-store ${STORE}`);
    expect(line(notReady, `secret-store ${STORE}`)).toBe(`[fail] secret-store ${STORE}: ClusterSecretStore ${STORE} is not Ready: unable to validate the store; fix: kubectl describe the store and correct its provider settings`);
  });
});
