// npm run secrets:bootstrap -- <env> [--namespace NS] [--rotate]
// Creates or updates medusa-secret and storefront-secret for clusters without External Secrets.
// Generated keys are kept across runs (read back from the cluster) unless --rotate; inputs come
// from the environment, else the cluster's current value, else a hidden prompt on a terminal.
import { randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import { changedKeys, describePlan, planSecrets, type Plan, type PlanInput } from "./lib/secrets-bootstrap.ts";
import { CommandError, main } from "./lib/command.ts";
import { buildOverlay, namespaceOf } from "./lib/overlay.ts";
import { promptHidden } from "./lib/prompt.ts";
import { applyNamespace, applySecret, readSecret, requireNoShippedSecrets } from "./lib/secret-apply.ts";
import { SECRET_NAMES } from "./lib/secret-keys.ts";

const USAGE = "usage: npm run secrets:bootstrap -- <env> [--namespace NS] [--rotate]";

async function askForMissing(plan: Plan): Promise<Record<string, string>> {
  const answers: Record<string, string> = {};
  for (const { secret, spec } of plan.missing) answers[spec.key] = await promptHidden(`${secret} ${spec.key} (${spec.hint}): `);
  return answers;
}

await main(async () => {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { namespace: { type: "string" }, rotate: { type: "boolean", default: false } },
  });
  if (positionals.length !== 1) throw new CommandError("usage", USAGE);
  const env = positionals[0]!;
  const objects = buildOverlay(env);
  requireNoShippedSecrets(objects, SECRET_NAMES, env);
  const namespace = values.namespace ?? namespaceOf(objects);

  const existing: PlanInput["existing"] = {};
  for (const name of SECRET_NAMES) {
    const data = readSecret(namespace, name);
    if (data) existing[name] = data;
  }
  const input: PlanInput = { existing, env: process.env, rotate: values.rotate, random: () => randomBytes(32).toString("hex") };
  let plan = planSecrets(input);
  if (plan.missing.length > 0 && process.stdin.isTTY) plan = planSecrets({ ...input, prompted: await askForMissing(plan) });
  if (plan.missing.length > 0) {
    throw new CommandError(
      "secret-values-missing",
      `no value for:\n${plan.missing.map((m) => `  ${m.spec.key}  (${m.secret}; ${m.spec.hint})`).join("\n")}\n` +
        "Export them in the environment (e.g. from your password manager's CLI) or run this in a terminal to be asked.",
    );
  }
  if (plan.invalid.length > 0) throw new CommandError("secret-values-invalid", `refusing to write invalid values:\n  ${plan.invalid.join("\n  ")}`);

  const ns = objects.find((o) => o.kind === "Namespace" && o.metadata.name === namespace);
  if (ns) applyNamespace(ns);
  for (const name of SECRET_NAMES) {
    applySecret(namespace, name, Object.fromEntries(plan.secrets[name].map((k) => [k.key, k.value])));
  }
  console.log(`namespace ${namespace}:\n  ${describePlan(plan).join("\n  ")}`);
  const changed = changedKeys(plan, existing);
  if (changed.length > 0 && Object.keys(existing).length > 0) {
    console.log(`changed: ${changed.join(", ")}. Running pods keep the old values until restarted:`);
    console.log(`  kubectl rollout restart --namespace ${namespace} deployment`);
  }
}, USAGE);
