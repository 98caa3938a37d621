/**
 * `npm run deploy` with its checks against the control plane: `npm run doctor` before anything is
 * applied, `npm run smoke` once every rollout is done, and the flags that leave either out. No
 * kubelet runs pods, so the overlay (overlays/prod moved into a namespace of this file's own) runs
 * its Deployments with no replica, which makes a rollout complete as soon as the controller has
 * seen it, and the test completes the migration Job as the Job controller would. The public hosts
 * are pinned with `--resolve` to a local HTTPS server that answers as the shop does
 * (test/support/fake-shop.ts).
 */
import { createServer } from "node:https";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isMigrationJob } from "../../functions/src/core/shop-objects.ts";
import type { BuiltObject } from "../../scripts/lib/built-object.ts";
import { keysOf } from "../../scripts/lib/secret-keys.ts";
import { corsLists, KEY, LOGIN_ENV, serving, shop, ShopCertificate, type Fault } from "../support/fake-shop.ts";
import { prodOverlayIn, startCommand, type Ran } from "../support/commands.ts";
import { RepoCopy } from "../support/repo-copy.ts";
import { tool } from "../support/tools.ts";
import { eventually, getObjects, kubeconfig, kubectl, kubectlOk, toYaml } from "./kube.ts";

const NS = "ecom-deploy-checks";
const CLASS = "ecom-deploy-checks";

let repo: RepoCopy;
let certificate: ShopCertificate;
let objects: BuiltObject[];

function overlay(env: string, ns: string): BuiltObject[] {
  return prodOverlayIn(repo.root, env, ns, {
    replicas: ["medusa", "medusa-worker", "storefront"].map((name) => ({ name, count: 0 })),
    patches: [
      { target: { kind: "Ingress" }, patch: JSON.stringify([{ op: "replace", path: "/spec/ingressClassName", value: CLASS }]) },
      ...["postgres", "redis"].map((name) => ({ target: { kind: "Service", name }, patch: JSON.stringify([{ op: "replace", path: "/spec/externalName", value: "localhost" }]) })),
    ],
  });
}

/** The deploy, with the test playing the Job controller: the migration Job completes once it exists. */
function deploy(env: string, args: string[]): Promise<Ran> {
  const running = startCommand(repo.root, "deploy.ts", [env, "--timeout", "60s", ...args], {
    ...process.env, KUBECONFIG: kubeconfig(), KUBECTL: tool("kubectl"), NODE_EXTRA_CA_CERTS: certificate.certFile, ...LOGIN_ENV,
  });
  const completing = eventually("the migration Job to start, or the deploy to end", () => {
    if (running.exited()) return true;
    const job = getObjects(["jobs", "--namespace", NS]).find(isMigrationJob);
    if (!job || !(job.status as { startTime?: string } | undefined)?.startTime) return undefined;
    if (!(job.status as { conditions?: unknown[] }).conditions?.length) completeJob(job.metadata.name);
    return true;
  }, 90_000);
  return completing.then(() => running.done);
}

function completeJob(job: string): void {
  const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
  const condition = (type: string) => ({ type, status: "True", reason: "CompletionsReached", message: "Reached expected number of succeeded pods", lastProbeTime: now, lastTransitionTime: now });
  const status = { active: 0, succeeded: 1, completionTime: now, conditions: [condition("SuccessCriteriaMet"), condition("Complete")] };
  kubectlOk(["patch", "job", job, "--namespace", NS, "--subresource=status", "--type=merge", "-p", JSON.stringify({ status })]);
}

const withShop = (fault: Fault | undefined, fn: (resolve: string[]) => Promise<Ran>) =>
  serving(createServer({ cert: certificate.cert, key: certificate.key }, shop(corsLists(objects), fault)), fn);

beforeAll(() => {
  repo = new RepoCopy();
  repo.linkNodeModules();
  certificate = new ShopCertificate();
  objects = overlay("checks", NS);
  overlay("checks-absent", "ecom-deploy-checks-absent");
  const secret = (name: "medusa-secret" | "storefront-secret") => ({ apiVersion: "v1", kind: "Secret", metadata: { name, namespace: NS }, stringData: Object.fromEntries(keysOf(name).map((k) => [k, `test-only-${k.toLowerCase()}`])) });
  const pull = { auths: { "ghcr.io": { auth: Buffer.from("test:test-only").toString("base64") } } };
  const prerequisites = [
    { apiVersion: "networking.k8s.io/v1", kind: "IngressClass", metadata: { name: CLASS }, spec: { controller: "example.com/ingress-deploy-checks" } },
    { apiVersion: "v1", kind: "Namespace", metadata: { name: NS, labels: { "pod-security.kubernetes.io/enforce": "restricted" } } },
    secret("medusa-secret"),
    secret("storefront-secret"),
    { apiVersion: "v1", kind: "Secret", type: "kubernetes.io/dockerconfigjson", metadata: { name: "ghcr-credentials", namespace: NS }, data: { ".dockerconfigjson": Buffer.from(JSON.stringify(pull)).toString("base64") } },
    { apiVersion: "v1", kind: "Secret", type: "kubernetes.io/tls", metadata: { name: "ecom-tls", namespace: NS }, data: { "tls.crt": certificate.cert.toString("base64"), "tls.key": certificate.key.toString("base64") } },
  ];
  kubectlOk(["apply", "--server-side", "--field-manager=ecom-deploy-checks-test", "-f", "-"], toYaml(prerequisites as BuiltObject[]));
});
afterAll(() => {
  repo?.remove();
  certificate?.remove();
});

const section = (r: Ran, name: string) => r.stdout.includes(`\n== ${name}`);

describe("npm run deploy runs doctor before and smoke after", () => {
  it("a doctor that fails stops the deploy before anything is applied", async () => {
    const r = await deploy("checks-absent", []);
    expect(r.status, r.stdout).toBe(1);
    expect(r.stdout).toContain("\n== npm run doctor -- checks-absent\n");
    expect(r.stdout).toContain("[fail] namespace: ecom-deploy-checks-absent does not exist");
    expect(r.stderr).toMatch(/^error: doctor-failed: 5 of 9 checks failed .*\nerror: doctor-failed: nothing was applied: fix what npm run doctor reported above, or deploy anyway with --no-doctor\n$/);
    expect(section(r, "namespace and config")).toBe(false);
    expect(kubectl(["get", "namespace", "ecom-deploy-checks-absent"]).status, "a Namespace was created").not.toBe(0);
  });

  it("doctor passes, the overlay is applied and rolled out, then smoke passes through the public hosts", async () => {
    const r = await withShop(undefined, (resolve) => deploy("checks", ["--publishable-key", KEY, ...resolve]));
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
    const sections = [...r.stdout.matchAll(/^== (.+)$/gm)].map((m) => m[1]!.replace(/ -- .*/, ""));
    expect(sections).toEqual(["npm run doctor", "namespace and config", "migration", "workloads", "ingress", "rollouts", "npm run smoke"]);
    expect(r.stdout).toContain("[ok] secret medusa-secret: has every key the pods read");
    expect(r.stdout).toContain(`[ok] store-api: GET https://admin.example.com/store/regions with the publishable key answered 200`);
    expect(r.stdout).toContain("[ok] cookie: the session cookie connect.sid is Secure");
    expect(r.stdout).toMatch(/deployment "medusa" successfully rolled out/);
    expect(r.stdout.trim().split("\n").at(-1)).toBe("deployed overlays/checks: rolled out, and the smoke checks pass.");
  });

  it("smoke failing after the deploy fails it, naming what is wrong", async () => {
    const r = await withShop("health-down", (resolve) => deploy("checks", ["--publishable-key", KEY, ...resolve]));
    expect(r.status, r.stdout).toBe(1);
    expect(r.stdout).toContain("[fail] backend-health: GET https://admin.example.com/health answered 503");
    expect(r.stderr).toMatch(/\nerror: smoke-failed: overlays\/checks is applied and rolled out, but npm run smoke found the faults above\n$/);
  });

  it("--no-doctor and --no-smoke leave them out", async () => {
    const r = await deploy("checks", ["--no-doctor", "--no-smoke"]);
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(section(r, "npm run doctor")).toBe(false);
    expect(section(r, "rollouts")).toBe(false);
    expect(section(r, "npm run smoke")).toBe(false);
    expect(r.stdout).toContain(`kubectl rollout status --namespace ${NS} deployment/medusa --timeout=5m`);
  });
});
