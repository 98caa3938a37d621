// npm run deploy -- <env> [--timeout 10m] [--plan] [--no-doctor] [--no-smoke] [--publishable-key pk_…] [--resolve HOST=ADDRESS[:PORT]]...
// Applies overlays/<env> with plain kubectl in the reference's order and stops unless the
// migration Job completes; `npm run doctor` runs before and, once the rollouts are done, `npm run
// smoke` after. Flux and Argo CD do the same ordering themselves (docs/operations.md).
import { spawnSync } from "node:child_process";
import { parseArgs } from "node:util";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { CommandError, main } from "./lib/command.ts";
import { describePhases, jobOutcome, planDeploy, smokeArgs, unsubstituted } from "./lib/deploy.ts";
import { checkFirstInstall, formatFinding } from "./lib/first-install.ts";
import { kubectl, kubectlAsync, toYamlStream } from "./lib/kubectl.ts";
import { buildOverlay, namespaceOf, providedSecrets, provisionedSecretsOf, referencedSecrets } from "./lib/overlay.ts";
import type { BuiltObject } from "./lib/built-object.ts";
import { overlayDir, readText } from "./lib/repo.ts";
import { REPO_ROOT } from "./lib/repo-root.ts";

const USAGE = "usage: npm run deploy -- <env> [--timeout 10m] [--plan] [--no-doctor] [--no-smoke] [--publishable-key pk_…] [--resolve HOST=ADDRESS[:PORT]]...";

/** Another command of this repository, its lines passed through as they come. */
function passes(command: "doctor" | "smoke", args: string[]): boolean {
  console.log(`\n== npm run ${command} -- ${args.join(" ")}`);
  return spawnSync(process.execPath, [join(REPO_ROOT, "scripts", `${command}.ts`), ...args], { stdio: "inherit" }).status === 0;
}

/** Secret values in the build (dev's fake ones) must not show up in a kubectl error either. */
function secretValues(objects: readonly BuiltObject[]): string[] {
  return objects
    .filter((o) => o.kind === "Secret")
    .flatMap((o) => [
      ...Object.values((o.data as Record<string, string> | undefined) ?? {}).map((v) => Buffer.from(v, "base64").toString()),
      ...Object.values((o.stringData as Record<string, string> | undefined) ?? {}),
    ]);
}

function preflight(objects: readonly BuiltObject[], namespace: string, env: string): void {
  const provided = providedSecrets(objects);
  const needed = [...referencedSecrets(objects)].filter((n) => !provided.has(n)).sort();
  if (needed.length === 0) return;
  const found = kubectl(["get", "secret", "--namespace", namespace, "--ignore-not-found", "-o", "name", ...needed]).stdout;
  const missing = needed.filter((n) => !found.split("\n").includes(`secret/${n}`));
  if (missing.length > 0) {
    throw new CommandError(
      "secrets-missing",
      `Secret(s) ${missing.join(", ")} missing in namespace ${namespace}; the pods could not start.\n` +
        `  Create them first: npm run secrets:bootstrap -- ${env}  and  npm run secrets:pull -- ${env}\n` +
        `  (or add components/external-secrets to the overlay; docs/secrets.md)`,
    );
  }
}

async function waitForJob(namespace: string, job: string, timeout: string): Promise<void> {
  console.log(`waiting up to ${timeout} for Job ${job} to complete…`);
  const stop = new AbortController();
  const waitFor = (condition: string) =>
    kubectlAsync(["wait", "--namespace", namespace, `--for=condition=${condition}`, `job/${job}`, `--timeout=${timeout}`], stop.signal).then((code) =>
      code === 0 ? condition : Promise.reject(new Error(condition)),
    );
  // `kubectl wait` for Complete alone would sit out the whole timeout on a Job that already failed.
  // Both rejecting means neither condition came in time; the Job's status below tells which case it is.
  await Promise.any([waitFor("complete"), waitFor("failed")]).catch(() => undefined);
  stop.abort();
  const status = JSON.parse(kubectl(["get", "job", "--namespace", namespace, job, "-o", "json"]).stdout) as Parameters<typeof jobOutcome>[0];
  const outcome = jobOutcome(status);
  if (outcome.state === "complete") return void console.log(`Job ${job} complete.`);
  const inspect = `  Inspect: kubectl logs --namespace ${namespace} job/${job}; kubectl describe --namespace ${namespace} job/${job}`;
  if (outcome.state === "failed") {
    throw new CommandError(
      "migration-failed",
      `migration Job ${job} FAILED (${outcome.reason}); no workload was updated.\n${inspect}\n` +
        `  A Job runs once: after fixing the cause, kubectl delete --namespace ${namespace} job/${job} and deploy again.`,
    );
  }
  throw new CommandError(
    "migration-timeout",
    `migration Job ${job} did not complete within ${timeout}; no workload was updated.\n${inspect}\n` +
      "  Typical causes: a pod that cannot start (image pull secret, missing Secret key) or a database it cannot reach.",
  );
}

await main(async () => {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    allowNegative: true,
    options: {
      timeout: { type: "string", default: "10m" },
      plan: { type: "boolean", default: false },
      doctor: { type: "boolean", default: true },
      smoke: { type: "boolean", default: true },
      "publishable-key": { type: "string" },
      resolve: { type: "string", multiple: true, default: [] },
    },
  });
  if (positionals.length !== 1) throw new CommandError("usage", USAGE);
  const env = positionals[0]!;
  if (!/^\d+(s|m|h)$/.test(values.timeout)) throw new CommandError("usage", `--timeout ${values.timeout}: expected e.g. 90s, 10m, 1h`);

  const objects = buildOverlay(env);
  const namespace = namespaceOf(objects);
  const variables = unsubstituted(objects);
  if (variables.length > 0) {
    throw new CommandError("flux-only-overlay", `overlays/${env} is written for Flux postBuild substitution (\${…} in ${variables.join(", ")}); deploy it with Flux (docs/flux.md)`);
  }
  const phases = planDeploy(objects);
  console.log(`overlays/${env} → namespace ${namespace}\n${describePhases(phases).join("\n")}`);
  // On an empty cluster a pod whose ConfigMap or Service comes in a later phase waits for ever.
  const policyFile = join(overlayDir(env), "policy", "policy.yaml");
  if (!existsSync(policyFile)) throw new CommandError("policy-missing", `overlays/${env}/policy/policy.yaml is missing: its DeployPolicy declares the Secrets created outside git`);
  const closure = checkFirstInstall(phases, provisionedSecretsOf(readText(policyFile), `overlays/${env}/policy/policy.yaml`), namespace);
  if (closure.problems.length > 0) {
    throw new CommandError("first-install", `this order cannot complete a first install:\n${closure.problems.map((f) => `  ${formatFinding(f)}`).join("\n")}`);
  }
  if (values.plan) return;

  if (values.doctor && !passes("doctor", [env])) {
    throw new CommandError("doctor-failed", `nothing was applied: fix what npm run doctor reported above, or deploy anyway with --no-doctor`);
  }
  const secrets = secretValues(objects);
  preflight(objects, namespace, env);
  for (const phase of phases) {
    console.log(`\n== ${phase.name}`);
    process.stdout.write(kubectl(["apply", "-f", "-"], { input: toYamlStream(phase.objects), secrets }).stdout);
    if (phase.waitForJob) await waitForJob(namespace, phase.waitForJob, values.timeout);
  }
  const deployments = objects.filter((o) => o.kind === "Deployment").map((o) => `deployment/${o.metadata.name}`);
  if (!values.smoke) {
    console.log(`\ndeployed overlays/${env}. Follow the rollout with:`);
    for (const d of deployments) console.log(`  kubectl rollout status --namespace ${namespace} ${d} --timeout=5m`);
    return;
  }
  // The public hosts answer for the new pods only once every rollout is done.
  console.log("\n== rollouts");
  for (const d of deployments) process.stdout.write(kubectl(["rollout", "status", "--namespace", namespace, d, `--timeout=${values.timeout}`]).stdout);
  if (!passes("smoke", smokeArgs(env, values["publishable-key"], values.resolve))) {
    throw new CommandError("smoke-failed", `overlays/${env} is applied and rolled out, but npm run smoke found the faults above`);
  }
  console.log(`\ndeployed overlays/${env}: rolled out, and the smoke checks pass.`);
}, USAGE);
