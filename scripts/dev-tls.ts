// npm run dev:tls -- [env] [--namespace NS]   (env defaults to dev)
// Makes a self-signed certificate for every TLS entry of overlays/<env>'s Ingress with openssl and
// stores it as the kubernetes.io/tls Secret the entry names. The key never leaves a private
// temporary directory and the cluster; the certificate is also written to .cache/dev-tls/ so a
// browser or the OS can be told to trust it. Never committed (.cache/ is ignored).
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { parseArgs } from "node:util";
import { opensslArgs, tlsTargets } from "./lib/dev-tls.ts";
import { CommandError, main } from "./lib/command.ts";
import { buildOverlay, namespaceOf } from "./lib/overlay.ts";
import { REPO_ROOT } from "./lib/repo-root.ts";
import { applyNamespace, applySecret } from "./lib/secret-apply.ts";

const USAGE = "usage: npm run dev:tls -- [env] [--namespace NS]";

await main(() => {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { namespace: { type: "string" } } });
  if (positionals.length > 1) throw new CommandError("usage", USAGE);
  const env = positionals[0] ?? "dev";
  const objects = buildOverlay(env);
  const namespace = values.namespace ?? namespaceOf(objects);
  let targets;
  try {
    targets = tlsTargets(objects);
  } catch (err) {
    throw new CommandError("overlay-facts", `overlays/${env}: ${(err as Error).message}`);
  }
  if (targets.length === 0) throw new CommandError("tls-none", `overlays/${env}: its Ingress has no TLS entry, so there is no certificate to make`);
  const ns = objects.find((o) => o.kind === "Namespace" && o.metadata.name === namespace);
  if (ns) applyNamespace(ns);
  const keep = join(REPO_ROOT, ".cache", "dev-tls");
  mkdirSync(keep, { recursive: true });
  for (const { secretName, hosts } of targets) {
    const dir = mkdtempSync(join(tmpdir(), "ecom-dev-tls-"));
    try {
      const key = join(dir, "tls.key");
      const cert = join(dir, "tls.crt");
      const r = spawnSync("openssl", opensslArgs(hosts, key, cert), { encoding: "utf8" });
      if (r.error || r.status !== 0) throw new CommandError("openssl-failed", `openssl failed: ${r.error?.message ?? r.stderr.trim()}`);
      applySecret(namespace, secretName, { "tls.crt": readFileSync(cert, "utf8"), "tls.key": readFileSync(key, "utf8") }, { type: "kubernetes.io/tls" });
      const saved = join(keep, `${secretName}.crt`);
      copyFileSync(cert, saved);
      console.log(`Secret ${secretName} in ${namespace}: self-signed for ${hosts.join(", ")}; trust ${relative(process.cwd(), saved)} in your browser or OS`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}, USAGE);
