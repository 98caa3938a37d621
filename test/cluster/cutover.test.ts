/**
 * `npm run cutover` (scripts/cutover.ts) against the control plane, with the owner's release and
 * overlays/home-ops present side by side: the owner's Flux Kustomization, HelmRelease, Ingress and
 * what else its Kustomization applied, as the owner's repository lays them out, and ours as
 * `prepare` and Flux's build put it in place. No Flux controller runs: the test plays its part
 * where the command waits for it (Ready conditions, the owner's repository pruning its
 * Kustomization, helm-controller's finalizer). A watch on every Ingress of the cluster checks,
 * event by event through the whole run, that no host of the shop is ever served by two.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KubeConfig, Watch } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAll, REPO_ROOT, tool } from "../support/tools.ts";
import type { BuiltObject } from "../../scripts/lib/built-object.ts";
import { fluxObjects, fluxTool } from "../flux/flux-build.ts";
import { eventually, getObjects, kubeconfig, kubectl, kubectlOk, toYaml } from "./kube.ts";

const HOSTS = ["medusa.example.net", "storefront.example.net"];

/** CRDs of the kinds both releases use, from each project's Go module at a release of the Flux 2.9 line. */
const CRDS = [
  { module: "github.com/fluxcd/kustomize-controller@v1.9.5", file: "config/crd/bases/kustomize.toolkit.fluxcd.io_kustomizations.yaml" },
  { module: "github.com/fluxcd/helm-controller@v1.6.4", file: "config/crd/bases/helm.toolkit.fluxcd.io_helmreleases.yaml" },
  { module: "github.com/fluxcd/source-controller@v1.9.5", file: "config/crd/bases/source.toolkit.fluxcd.io_gitrepositories.yaml" },
  { module: "github.com/external-secrets/external-secrets@v1.3.2", file: "config/crds/bases/external-secrets.io_externalsecrets.yaml" },
  { module: "sigs.k8s.io/external-dns@v0.19.0", file: "config/crd/standard/dnsendpoints.externaldns.k8s.io.yaml" },
];

function moduleDir(module: string): string {
  // Outside any Go module, so no go.mod of the repository pins another version; a newer Go as needed.
  const out = spawnSync("go", ["mod", "download", "-json", module], { cwd: tmpdir(), encoding: "utf8", env: { ...process.env, GOTOOLCHAIN: "auto" } });
  if (out.status !== 0) throw new Error(`\`go mod download ${module}\` failed (Go and the module proxy are needed):\n${out.stderr}${out.stdout}`);
  return (JSON.parse(out.stdout) as { Dir: string }).Dir;
}

const apply = (objects: object[]) => kubectlOk(["apply", "--server-side", "--force-conflicts", "--field-manager=ecom-cutover-test", "-f", "-"], toYaml(objects as BuiltObject[]));
const get = (resource: string, ns: string, name: string): any => {
  const out = kubectl(["get", resource, "--namespace", ns, name, "--ignore-not-found", "-o", "json"]).stdout.trim();
  return out ? JSON.parse(out) : undefined;
};
const FLUX_LABELS = { "kustomize.toolkit.fluxcd.io/name": "medusa", "kustomize.toolkit.fluxcd.io/namespace": "flux-system" };

/** The owner's release as its repository lays it out (kubernetes/apps/development/medusa/), in its parts the cut-over touches. */
function ownersRelease(migrationTag = "9496114"): object[] {
  const medusa = (tag: string, command: string[]) => ({ image: { repository: "ghcr.io/ekenheim/ecom/medusa", tag }, command });
  return [
    {
      apiVersion: "kustomize.toolkit.fluxcd.io/v1",
      kind: "Kustomization",
      metadata: { name: "medusa", namespace: "flux-system" },
      spec: { interval: "30m", path: "./kubernetes/apps/development/medusa/app", prune: true, sourceRef: { kind: "GitRepository", name: "home-kubernetes" }, targetNamespace: "development" },
    },
    {
      apiVersion: "helm.toolkit.fluxcd.io/v2",
      kind: "HelmRelease",
      metadata: { name: "medusa", namespace: "development", labels: FLUX_LABELS },
      spec: {
        interval: "30m",
        chart: { spec: { chart: "app-template", version: "5.1.0", sourceRef: { kind: "HelmRepository", name: "bjw-s", namespace: "flux-system" } } },
        values: {
          controllers: {
            "medusa-server": {
              initContainers: { "migrate-db": medusa(migrationTag, ["node_modules/.bin/medusa", "db:migrate"]) },
              containers: { main: medusa("91076e7", ["node_modules/.bin/medusa", "start"]) },
            },
            "medusa-worker": { containers: { main: medusa("9496114", ["node_modules/.bin/medusa", "start"]) } },
          },
        },
      },
    },
    {
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      metadata: {
        name: "medusa",
        namespace: "development",
        labels: { "app.kubernetes.io/managed-by": "Helm", "app.kubernetes.io/instance": "medusa" },
        annotations: { "meta.helm.sh/release-name": "medusa", "meta.helm.sh/release-namespace": "development", "external-dns.alpha.kubernetes.io/target": "external.example.net" },
      },
      spec: {
        ingressClassName: "external",
        tls: [{ hosts: HOSTS }],
        rules: HOSTS.map((host) => ({
          host,
          http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: host.startsWith("medusa") ? "medusa-medusa-server" : "medusa-storefront", port: { number: 9000 } } } }] },
        })),
      },
    },
    { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "medusa-config", namespace: "development", labels: FLUX_LABELS }, data: { DB_NAME: "medusa-v2" } },
    {
      apiVersion: "external-secrets.io/v1",
      kind: "ExternalSecret",
      metadata: { name: "medusa-secret", namespace: "development", labels: FLUX_LABELS },
      spec: { secretStoreRef: { kind: "ClusterSecretStore", name: "bitwarden-secrets-manager" }, target: { name: "medusa-secret" }, dataFrom: [{ extract: { key: "medusa" } }] },
    },
    // Another app's, in the same namespace: finish must leave it alone.
    { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "strapi-config", namespace: "development", labels: { "kustomize.toolkit.fluxcd.io/name": "strapi-ecom" } }, data: {} },
  ];
}

interface Ran {
  status: number;
  stdout: string;
  stderr: string;
}

const env = () => ({ ...process.env, KUBECONFIG: kubeconfig(), KUBECTL: tool("kubectl") });
function cutover(...args: string[]): Ran {
  const r = spawnSync(process.execPath, [join(REPO_ROOT, "scripts", "cutover.ts"), ...args], { cwd: REPO_ROOT, env: env(), encoding: "utf8", timeout: 120_000 });
  return { status: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
}
async function cutoverAsync(...args: string[]): Promise<Ran> {
  const { spawn } = await import("node:child_process");
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, "scripts", "cutover.ts"), ...args], { cwd: REPO_ROOT, env: env(), stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("close", (code) => resolve({ status: code ?? 1, stdout, stderr }));
  });
}
const ok = (r: Ran) => expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
const refused = (r: Ran, code: string) => {
  expect(r.status, r.stdout).toBe(1);
  expect(r.stderr).toMatch(new RegExp(`^error: ${code}: `));
};

const suspended = (resource: string, ns: string, name: string) => get(resource, ns, name)?.spec?.suspend === true;
const KS = "kustomizations.kustomize.toolkit.fluxcd.io";
const HR = "helmreleases.helm.toolkit.fluxcd.io";

/** What Flux reports once a Kustomization has applied and its workloads are healthy. */
function markReady(name: string): void {
  const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
  const status = { conditions: [{ type: "Ready", status: "True", reason: "ReconciliationSucceeded", message: "Applied revision: main@sha1:0", lastTransitionTime: now }] };
  kubectlOk(["patch", KS, name, "--namespace", "flux-system", "--subresource=status", "--type=merge", "-p", JSON.stringify({ status })]);
}

/** Every Ingress of the cluster, kept by a watch; `overlaps` collects each moment two served one of the shop's hosts. */
class IngressWatch {
  readonly live = new Map<string, string[]>();
  readonly overlaps: string[] = [];
  /** Ingresses a test creates on purpose to see a step refuse; they do not count as overlaps. */
  readonly planted = new Set<string>();
  /** The overlaps those made, which show that the watch sees one. */
  readonly plantedOverlaps: string[] = [];
  events = 0;
  private abort?: AbortController;

  async start(): Promise<void> {
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfig());
    this.abort = await new Watch(kc).watch(
      "/apis/networking.k8s.io/v1/ingresses",
      {},
      (type, obj) => {
        this.events++;
        const id = `${obj.metadata.namespace}/${obj.metadata.name}`;
        if (type === "DELETED") this.live.delete(id);
        else this.live.set(id, (obj.spec?.rules ?? []).map((r: { host?: string }) => r.host ?? ""));
        for (const host of HOSTS) {
          const by = [...this.live].filter(([, hosts]) => hosts.includes(host)).map(([i]) => i);
          // Only the event of an Ingress that serves the host says something of it: other tests apply
          // Ingresses of their own to the same control plane meanwhile.
          if (by.length < 2 || !by.includes(id)) continue;
          const overlap = `${type} ${id}: ${host} served by ${by.join(" and ")}`;
          (by.some((i) => this.planted.has(i)) ? this.plantedOverlaps : this.overlaps).push(overlap);
        }
      },
      () => undefined,
    );
  }

  serving(host: string): string[] {
    return [...this.live].filter(([, hosts]) => hosts.includes(host)).map(([i]) => i);
  }

  stop(): void {
    this.abort?.abort();
  }
}

const watch = new IngressWatch();

beforeAll(async () => {
  for (const { module, file } of CRDS) {
    const path = join(moduleDir(module), file);
    const crds = parseAll(readFileSync(path, "utf8"), path);
    kubectlOk(["apply", "--server-side", "--force-conflicts", "-f", "-"], toYaml(crds));
    kubectlOk(["wait", "--for=condition=Established", "--timeout=60s", ...crds.map((c) => `crd/${c.metadata.name}`)]);
  }
  for (const ns of ["flux-system", "development"]) apply([{ apiVersion: "v1", kind: "Namespace", metadata: { name: ns } }]);
  apply(ownersRelease());
  await watch.start();
  await eventually("the watch to see the owner's Ingress", () => (watch.serving(HOSTS[0]!).length > 0 ? true : undefined));
}, 600_000);

afterAll(() => watch.stop());

describe("npm run cutover, both releases in the cluster", () => {
  it("status before anything: the old release serves, ours is absent, prepare comes next", () => {
    const r = cutover("status");
    ok(r);
    expect(r.stdout).toContain("  Kustomization flux-system/medusa: active, not Ready");
    expect(r.stdout).toContain("  Kustomization flux-system/ecom-ingress: absent");
    expect(r.stdout).toMatch(/next: npm run cutover -- prepare$/m);
  });

  it("switch before prepare is refused and changes nothing", () => {
    refused(cutover("switch"), "cutover-not-ready");
    expect(watch.serving(HOSTS[0]!)).toEqual(["development/medusa"]);
    expect(suspended(KS, "flux-system", "medusa")).toBe(false);
  });

  it("prepare refuses an old release that migrates with another medusa image, touching nothing", () => {
    apply(ownersRelease("91076e7").slice(1, 2));
    try {
      const r = cutover("prepare");
      refused(r, "cutover-schema");
      expect(r.stderr).toContain("HelmRelease development/medusa migrates with ghcr.io/ekenheim/ecom/medusa:91076e7, overlays/home-ops with :9496114");
      expect(suspended(KS, "flux-system", "medusa")).toBe(false);
      expect(get(KS, "flux-system", "ecom")).toBeUndefined();
    } finally {
      apply(ownersRelease().slice(1, 2));
    }
  });

  it("prepare suspends the old release and puts ours beside it, its Ingress phase suspended: both releases present, one suspended", () => {
    const r = cutover("prepare");
    ok(r);
    expect(r.stdout).toContain("→ suspend Kustomization flux-system/medusa\n→ suspend HelmRelease development/medusa\n→ apply-flux-entry");
    expect(suspended(KS, "flux-system", "medusa")).toBe(true);
    expect(suspended(HR, "development", "medusa")).toBe(true);
    for (const name of ["ecom-pre-deploy", "ecom"]) expect(suspended(KS, "flux-system", name), name).toBe(false);
    expect(suspended(KS, "flux-system", "ecom-ingress")).toBe(true);
    expect(get("gitrepositories.source.toolkit.fluxcd.io", "flux-system", "ecom-deploy")).toBeDefined();
    expect(watch.serving(HOSTS[1]!)).toEqual(["development/medusa"]);
    // Run again, it changes nothing.
    ok(cutover("prepare"));
    expect(suspended(KS, "flux-system", "ecom-ingress")).toBe(true);
  });

  it("switch waits for ours to be Ready", () => {
    const r = cutover("switch");
    refused(r, "cutover-not-ready");
    expect(r.stderr).toContain("Kustomization flux-system/ecom-pre-deploy and Kustomization flux-system/ecom not Ready");
  });

  it("with ours applied and Ready (Flux's part), switch moves both hosts to ours", async () => {
    // What Flux applies from ecom-pre-deploy and ecom, built by Flux's own code with SECRET_DOMAIN=example.net.
    const tool = fluxTool();
    const objects = ["ecom-pre-deploy", "ecom"].flatMap((name) => fluxObjects(tool, "flux/clusters/home-ops/ks.yaml", { name }));
    // Flux applies a Kustomization's Namespaces before what goes into them.
    apply(objects.filter((o) => o.kind === "Namespace"));
    apply(objects.filter((o) => o.kind !== "Namespace"));
    markReady("ecom-pre-deploy");
    markReady("ecom");
    const before = watch.events;
    const r = await cutoverAsync("switch");
    ok(r);
    expect(r.stdout.split("\n").filter((l) => l.startsWith("→"))).toEqual([
      "→ guard-dns",
      "→ save Ingress development/medusa",
      "→ delete Ingress development/medusa",
      "→ check: no Ingress serves the hosts",
      "→ apply-our-ingress",
      "→ resume Kustomization flux-system/ecom-ingress",
      "→ check: only the ours release's Ingress serves the hosts",
    ]);
    await eventually("the watch to see our Ingress", () => (watch.serving(HOSTS[0]!).includes("ecom/ecom-ingress") ? true : undefined));
    expect(watch.events).toBeGreaterThan(before);
    for (const host of HOSTS) expect(watch.serving(host), host).toEqual(["ecom/ecom-ingress"]);

    const ours = get("ingresses.networking.k8s.io", "ecom", "ecom-ingress");
    expect(ours.metadata.labels).toMatchObject({ "ingress-class": "external", "kustomize.toolkit.fluxcd.io/name": "ecom-ingress", "kustomize.toolkit.fluxcd.io/namespace": "flux-system" });
    expect(ours.metadata.annotations["external-dns.alpha.kubernetes.io/target"]).toBe("external.example.net");
    // Applied as kustomize-controller, so Flux owns its fields from the start.
    const managers = JSON.parse(kubectlOk(["get", "ingress", "ecom-ingress", "--namespace", "ecom", "--show-managed-fields", "-o", "json"]).stdout).metadata.managedFields;
    expect(managers.map((f: { manager: string }) => f.manager)).toEqual(["kustomize-controller"]);
    expect(get("ingresses.networking.k8s.io", "development", "medusa")).toBeUndefined();
    const saved = JSON.parse(get("configmaps", "ecom", "cutover-previous-ingress").data["ingresses.json"]);
    expect(saved.map((i: BuiltObject) => `${i.metadata.namespace}/${i.metadata.name}`)).toEqual(["development/medusa"]);
    const guard = get("dnsendpoints.externaldns.k8s.io", "ecom", "ecom-cutover");
    expect(guard.spec.endpoints.map((e: { dnsName: string; targets: string[] }) => `${e.dnsName}→${e.targets.join()}`)).toEqual(HOSTS.map((h) => `${h}→external.example.net`));
    const handedOver = get(KS, "flux-system", "ecom-ingress");
    expect(handedOver.spec.suspend).toBe(false);
    expect(handedOver.metadata.annotations["reconcile.fluxcd.io/requestedAt"]).toBeDefined();
    expect(suspended(KS, "flux-system", "medusa")).toBe(true);
  });

  it("switch again says so and changes nothing", () => {
    const r = cutover("switch");
    ok(r);
    expect(r.stdout.trim()).toBe("already switched: Ingress ecom/ecom-ingress serves medusa.example.net, storefront.example.net");
  });

  it("rollback puts the old Ingress back as it was and resumes the old release", async () => {
    const r = await cutoverAsync("rollback");
    ok(r);
    await eventually("the watch to see the old Ingress", () => (watch.serving(HOSTS[0]!).includes("development/medusa") ? true : undefined));
    for (const host of HOSTS) expect(watch.serving(host), host).toEqual(["development/medusa"]);
    const back = get("ingresses.networking.k8s.io", "development", "medusa");
    const original = ownersRelease()[2] as BuiltObject;
    expect(back.spec).toEqual(original.spec);
    expect(back.metadata.labels).toEqual(original.metadata.labels);
    expect(back.metadata.annotations).toEqual(original.metadata.annotations);
    expect(get("ingresses.networking.k8s.io", "ecom", "ecom-ingress")).toBeUndefined();
    expect(suspended(KS, "flux-system", "ecom-ingress")).toBe(true);
    expect(suspended(KS, "flux-system", "medusa")).toBe(false);
    expect(suspended(HR, "development", "medusa")).toBe(false);
    expect(get("configmaps", "ecom", "cutover-previous-ingress")).toBeUndefined();
    expect(get("dnsendpoints.externaldns.k8s.io", "ecom", "ecom-cutover")).toBeUndefined();
  });

  it("prepare and switch again, then a stray Ingress for one host stops every step", () => {
    ok(cutover("prepare"));
    ok(cutover("switch"));
    watch.planted.add("default/stray");
    apply([
      {
        apiVersion: "networking.k8s.io/v1",
        kind: "Ingress",
        metadata: { name: "stray", namespace: "default" },
        spec: { ingressClassName: "external", rules: [{ host: HOSTS[1], http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "x", port: { number: 80 } } } }] } }] },
      },
    ]);
    try {
      const r = cutover("finish");
      refused(r, "cutover-conflict");
      expect(r.stderr).toMatch(/storefront\.example\.net is served by Ingress (default\/stray and Ingress ecom\/ecom-ingress|ecom\/ecom-ingress and Ingress default\/stray)\./);
      expect(cutover("status").stdout).toMatch(/next: resolve the conflict: /);
    } finally {
      kubectlOk(["delete", "ingress", "stray", "--namespace", "default", "--wait=true"]);
    }
  });

  it("finish waits for the owner's repository to drop the old Kustomization, then uninstalls the old release and tidies up", async () => {
    const early = cutover("finish");
    refused(early, "cutover-not-ready");
    expect(early.stderr).toContain("Kustomization flux-system/medusa still exists");

    // The owner removes medusa/ks.yaml from its repository and Flux prunes the Kustomization;
    // helm-controller's finalizer keeps the HelmRelease until it has uninstalled it.
    kubectlOk(["delete", KS, "medusa", "--namespace", "flux-system", "--wait=true"]);
    kubectlOk(["patch", HR, "medusa", "--namespace", "development", "--type=merge", "-p", JSON.stringify({ metadata: { finalizers: ["finalizers.fluxcd.io"] } })]);
    const running = cutoverAsync("finish");
    const deleting = await eventually("finish to delete the old HelmRelease", () => {
      const hr = get(HR, "development", "medusa");
      return hr?.metadata?.deletionTimestamp ? hr : undefined;
    });
    // Only an HelmRelease that is not suspended is uninstalled when deleted.
    expect(deleting.spec.suspend).toBe(false);
    kubectlOk(["patch", HR, "medusa", "--namespace", "development", "--type=merge", "-p", JSON.stringify({ metadata: { finalizers: null } })]);
    const r = await running;
    ok(r);
    expect(r.stdout).toContain("the cut-over is complete");
    expect(get(HR, "development", "medusa")).toBeUndefined();
    expect(getObjects(["configmaps", "--namespace", "development"]).map((c) => c.metadata.name)).toEqual(expect.arrayContaining(["strapi-config"]));
    expect(get("configmaps", "development", "medusa-config")).toBeUndefined();
    expect(get("externalsecrets.external-secrets.io", "development", "medusa-secret")).toBeUndefined();
    expect(get("configmaps", "ecom", "cutover-previous-ingress")).toBeUndefined();
    expect(get("dnsendpoints.externaldns.k8s.io", "ecom", "ecom-cutover")).toBeUndefined();
    for (const host of HOSTS) expect(watch.serving(host), host).toEqual(["ecom/ecom-ingress"]);
    expect(cutover("status").stdout).toMatch(/next: nothing: the cut-over is complete$/m);
  });

  it("through the whole run, no host of the shop was ever served by two Ingresses", () => {
    expect(watch.events).toBeGreaterThan(6);
    expect(watch.overlaps).toEqual([]);
    // The watch does notice two Ingresses for one host: the one planted to see a step refuse.
    expect(watch.plantedOverlaps).toEqual([expect.stringMatching(/^ADDED default\/stray: storefront\.example\.net served by /)]);
  });
});
