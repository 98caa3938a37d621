/**
 * `npm run deploy` (scripts/deploy.ts) end to end against the control plane. No kubelet runs the
 * migration Job's Pod, so the test plays that part and nothing else: it sets the Job's status to
 * Complete or Failed through the status subresource, as the Job controller would once the Pod ended.
 *
 * The command takes its namespace from the overlay, so it runs in a copy of the repository whose
 * extra overlays move overlays/prod into namespaces of this file's own (ecom-prod is apply.test.ts's).
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { isMigrationJob } from "../../functions/src/core/shop-objects.ts";
import { providedSecrets, referencedSecrets } from "../../scripts/lib/overlay.ts";
import { prodOverlayIn, startCommand, type Running } from "../support/commands.ts";
import { RepoCopy } from "../support/repo-copy.ts";
import type { BuiltObject } from "../../scripts/lib/built-object.ts";
import { ensureNamespaces, eventually, getObjects, kubeconfig, kubectl, kubectlOk } from "./kube.ts";

/** What must not exist while the migration has not completed; StatefulSets (datastores) may, prod has none. */
const GATED = "deployments,statefulsets,ingresses";

let repo: RepoCopy;
beforeAll(() => {
  repo = new RepoCopy();
  repo.linkNodeModules();
});
afterAll(() => repo?.remove());

/** overlays/<env> in the copy: overlays/prod moved into namespace `ns`. */
function overlayIn(env: string, ns: string): BuiltObject[] {
  const objects = prodOverlayIn(repo.root, env, ns);
  expect(objects.filter((o) => o.kind === "Namespace").map((o) => o.metadata.name)).toEqual([ns]);
  return objects;
}

/** The Namespace and every Secret the pods read, as an operator would have created them beforehand. */
function prepare(objects: BuiltObject[], ns: string): void {
  ensureNamespaces(objects);
  const provided = providedSecrets(objects);
  const needed = [...referencedSecrets(objects)].filter((n) => !provided.has(n));
  expect(needed.length, "Secrets the deploy checks for").toBeGreaterThan(0);
  for (const name of needed) kubectlOk(["create", "secret", "generic", name, "--namespace", ns, "--from-literal=placeholder=test-only"]);
}

function deploy(env: string, args: string[] = []): Running {
  // doctor and smoke have their own tests (deploy-checks.test.ts): these look at the phases alone.
  return startCommand(repo.root, "deploy.ts", [env, "--no-doctor", "--no-smoke", ...args], { ...process.env, KUBECONFIG: kubeconfig() });
}

const gated = (ns: string): string[] =>
  kubectlOk(["get", GATED, "--namespace", ns, "-o", "name"])
    .stdout.split("\n")
    .filter(Boolean);

interface JobStatus {
  startTime?: string;
  conditions?: Array<{ type: string; status: string; reason?: string }>;
}

const migrationJob = (ns: string) => getObjects(["jobs", "--namespace", ns]).find(isMigrationJob);

/**
 * Polls the API while the deploy runs, until it waits for its migration Job and the Job controller has
 * started the Job; every poll records what workload or Ingress already existed.
 */
/**
 * overlays/prod in a namespace of its own (`ecom-deploy-<name>`), its Secrets in place, deploying,
 * caught where it waits for the migration Job with nothing gated applied yet.
 */
async function deployUntilWaiting(name: string, args: string[] = []) {
  const env = `e2e-${name}`;
  const ns = `ecom-deploy-${name}`;
  const objects = overlayIn(env, ns);
  prepare(objects, ns);
  const started = Date.now();
  const running = deploy(env, args);
  const { job, early } = await untilWaiting(ns, running);
  expect(early, "workloads or Ingresses applied before the migration Job completed").toEqual([]);
  return { ns, objects, running, job, started };
}

async function untilWaiting(ns: string, running: Running): Promise<{ job: string; early: string[] }> {
  const early = new Set<string>();
  const job = await eventually(
    "the deploy to wait for a started migration Job",
    () => {
      if (running.exited()) throw new Error(`deploy exited before waiting for its Job:\n${running.output().stdout}\n${running.output().stderr}`);
      for (const name of gated(ns)) early.add(name);
      const j = migrationJob(ns);
      const started = j && (j.status as JobStatus | undefined)?.startTime;
      return started && running.output().stdout.includes(`for Job ${j.metadata.name} to complete`) ? j.metadata.name : undefined;
    },
    90_000,
  );
  // A few more polls while it waits, so the check covers the wait itself and not only its start.
  for (let i = 0; i < 6; i++) {
    for (const name of gated(ns)) early.add(name);
    await new Promise((r) => setTimeout(r, 250));
  }
  return { job, early: [...early] };
}

/**
 * Job status updates are validated (v1.33): Complete needs SuccessCriteriaMet=True and Failed needs
 * FailureTarget=True beside it, a finished Job needs active=0, and completionTime must not precede the
 * startTime the controller set. Once a Job is finished the controller leaves its status alone.
 */
function finishJob(ns: string, job: string, outcome: "Complete" | "Failed"): void {
  const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
  const condition = (type: string, reason: string, message: string) => ({ type, status: "True", reason, message, lastProbeTime: now, lastTransitionTime: now });
  const status =
    outcome === "Complete"
      ? {
          active: 0,
          succeeded: 1,
          completionTime: now,
          conditions: [
            condition("SuccessCriteriaMet", "CompletionsReached", "Reached expected number of succeeded pods"),
            condition("Complete", "CompletionsReached", "Reached expected number of succeeded pods"),
          ],
        }
      : {
          active: 0,
          failed: 4,
          conditions: [
            condition("FailureTarget", "BackoffLimitExceeded", "Job has reached the specified backoff limit"),
            condition("Failed", "BackoffLimitExceeded", "Job has reached the specified backoff limit"),
          ],
        };
  kubectlOk(["patch", "job", job, "--namespace", ns, "--subresource=status", "--type=merge", "-p", JSON.stringify({ status })]);
}

const trueConditions = (ns: string, job: string): string[] =>
  (((getObjects(["jobs", "--namespace", ns]).find((j) => j.metadata.name === job)?.status as JobStatus | undefined)?.conditions ?? [])
    .filter((c) => c.status === "True")
    .map((c) => c.type)
    .sort());

describe("npm run deploy (plain kubectl) against the control plane", () => {
  it("applies nothing and names the commands when a Secret the pods need is missing", () => {
    overlayIn("e2e-no-secrets", "ecom-deploy-no-secrets");
    const out = spawnSync(process.execPath, [join(repo.root, "scripts", "deploy.ts"), "e2e-no-secrets", "--no-doctor"], {
      cwd: repo.root,
      env: { ...process.env, KUBECONFIG: kubeconfig() },
      encoding: "utf8",
    });
    expect(out.status).toBe(1);
    expect(out.stderr).toMatch(/Secret\(s\) .*medusa-secret.* missing in namespace ecom-deploy-no-secrets/);
    expect(out.stderr).toMatch(/npm run secrets:bootstrap -- e2e-no-secrets/);
    expect(kubectl(["get", "namespace", "ecom-deploy-no-secrets"]).status, "a Namespace was created").not.toBe(0);
  });

  it("applies no workload and no Ingress until the migration Job completes, then all of the overlay", async () => {
    const { ns, objects, running, job } = await deployUntilWaiting("complete");
    // The rest of the first phases is there already: the Job needs its ConfigMaps and Services.
    expect(getObjects(["configmaps", "--namespace", ns]).map((c) => c.metadata.name)).toEqual(expect.arrayContaining(["medusa-config"]));

    finishJob(ns, job, "Complete");
    const result = await running.done;
    expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(result.stdout).toContain(`Job ${job} complete.`);
    const phases = [...result.stdout.matchAll(/^== (.+)$/gm)].map((m) => m[1]);
    expect(phases).toEqual(["namespace and config", "migration", "workloads", "ingress"]);

    // Every object of the build now exists; kubectl fails naming any that does not.
    const live = kubectl(["get", "-f", "-", "-o", "name"], objects.map((o) => stringify(o)).join("---\n"));
    expect(live.status, live.stderr).toBe(0);
    expect(live.stdout.trim().split("\n")).toHaveLength(objects.length);
    // The Job controller did not take the Complete status back (it leaves a finished Job alone).
    expect(trueConditions(ns, job)).toEqual(["Complete", "SuccessCriteriaMet"]);
  });

  it("stops with a non-zero exit and the Job's reason when the migration fails, with no workload applied", async () => {
    const { ns, running, job } = await deployUntilWaiting("failed");

    finishJob(ns, job, "Failed");
    const result = await running.done;
    expect(result.status, result.stdout).toBe(1);
    expect(result.stderr).toContain(`error: migration-failed: migration Job ${job} FAILED (BackoffLimitExceeded: Job has reached the specified backoff limit); no workload was updated.`);
    expect(result.stderr).toContain(`kubectl logs --namespace ${ns} job/${job}`);
    expect(result.stdout).not.toMatch(/^== workloads/m);
    expect(gated(ns), "workloads or Ingresses after a failed migration").toEqual([]);
    expect(trueConditions(ns, job)).toEqual(["Failed", "FailureTarget"]);
  });

  it("stops with a non-zero exit when the migration Job does not complete within --timeout, with no workload applied", async () => {
    const { ns, running, job, started } = await deployUntilWaiting("timeout", ["--timeout", "10s"]);

    const result = await running.done;
    expect(result.status, result.stdout).toBe(1);
    expect(result.stderr).toContain(`error: migration-timeout: migration Job ${job} did not complete within 10s; no workload was updated.`);
    expect(Date.now() - started, "it gave up at the timeout, not later").toBeLessThan(45_000);
    expect(result.stdout).not.toMatch(/^== workloads/m);
    expect(gated(ns)).toEqual([]);
    expect(trueConditions(ns, job), "the Job is still unfinished: the deploy timed out, nothing failed it").toEqual([]);
  });
});
