// npm run secrets:pull -- <env> [--namespace NS]
// Creates or updates the image pull secret of overlays/<env>, under the name the overlay's pod
// specs use (set in one place, docs/secrets.md), from GHCR_USERNAME and GHCR_TOKEN.
import { parseArgs } from "node:util";
import { CommandError, main } from "./lib/command.ts";
import { buildOverlay, namespaceOf, pullSecretName } from "./lib/overlay.ts";
import { promptHidden } from "./lib/prompt.ts";
import { credentialProblem, dockerConfigJson, REGISTRY } from "./lib/secrets-pull.ts";
import { applyNamespace, applySecret } from "./lib/secret-apply.ts";

const USAGE = "usage: GHCR_USERNAME=… GHCR_TOKEN=… npm run secrets:pull -- <env> [--namespace NS]";

await main(async () => {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { namespace: { type: "string" } } });
  if (positionals.length !== 1) throw new CommandError("usage", USAGE);
  const env = positionals[0]!;
  const objects = buildOverlay(env);
  const namespace = values.namespace ?? namespaceOf(objects);
  const name = pullSecretName(objects);

  const username = process.env.GHCR_USERNAME ?? "";
  let token = process.env.GHCR_TOKEN ?? "";
  if (!token && process.stdin.isTTY) token = await promptHidden(`GHCR token with read:packages for ${username || "GHCR_USERNAME"}: `);
  const problem = credentialProblem(username, token);
  if (problem) throw new CommandError("credentials-invalid", `${problem}\n${USAGE}`);

  const ns = objects.find((o) => o.kind === "Namespace" && o.metadata.name === namespace);
  if (ns) applyNamespace(ns);
  applySecret(namespace, name, { ".dockerconfigjson": dockerConfigJson(username, token) }, {
    type: "kubernetes.io/dockerconfigjson",
    alsoRedact: [token],
  });
  console.log(`image pull secret ${name} for ${REGISTRY} (user ${username}) in namespace ${namespace}`);
}, USAGE);
