// npm run doctor -- <env>
// Before a deploy, read-only against the current kubectl context: does the cluster hold what
// overlays/<env> needs from it? One line per check with its fix; exit 1 when a deploy would fail
// (docs/operations.md, "Before a deploy: doctor"). All decisions live in lib/doctor.ts.
import { lookup } from "node:dns/promises";
import { parseArgs } from "node:util";
import { formatCheck, verdict } from "./lib/check-lines.ts";
import { CommandError, main } from "./lib/command.ts";
import { DEFAULT_CLASS, doctorChecks, externalNameLookup, needs, secretView, type Needs, type Observed, type Ref } from "./lib/doctor.ts";
import { kubectl } from "./lib/kubectl.ts";
import { buildOverlay } from "./lib/overlay.ts";

const USAGE = "usage: npm run doctor -- <env>";

/** The kinds doctor may look up, by the API group that serves them. */
const GROUPS: Record<string, { group: string; namespaced: boolean }> = {
  ClusterIssuer: { group: "cert-manager.io", namespaced: false },
  Issuer: { group: "cert-manager.io", namespaced: true },
  ClusterSecretStore: { group: "external-secrets.io", namespaced: false },
  SecretStore: { group: "external-secrets.io", namespaced: true },
};
const resourceOf = (kind: string) => `${kind.toLowerCase()}s.${GROUPS[kind]!.group}`;

const list = (args: string[]): any[] => (JSON.parse(kubectl(["get", ...args, "-o", "json"]).stdout) as { items: any[] }).items;

function served(): string[] {
  const groups = [...new Set(Object.values(GROUPS).map((g) => g.group))];
  const names = groups.flatMap((g) => kubectl(["api-resources", `--api-group=${g}`, "-o", "name"]).stdout.split("\n"));
  return Object.keys(GROUPS).filter((kind) => names.includes(resourceOf(kind)));
}

async function resolve(target: string): Promise<Observed["resolved"][string]> {
  const how = externalNameLookup(target);
  if ("service" in how) {
    const { name, namespace: ns } = how.service;
    const svc = kubectl(["get", "service", "--namespace", ns, name, "--ignore-not-found", "-o", "jsonpath={.spec.clusterIP}"]).stdout;
    return svc ? { addresses: [svc] } : { error: `no Service ${name} in namespace ${ns}` };
  }
  try {
    return { addresses: (await lookup(how.dns, { all: true })).map((a) => a.address) };
  } catch (err) {
    return { error: (err as { code?: string }).code ?? String(err) };
  }
}

async function observe(n: Needs): Promise<Observed> {
  const version = JSON.parse(kubectl(["version", "-o", "json"]).stdout) as { serverVersion?: { gitVersion?: string } };
  const ns = kubectl(["get", "namespace", n.namespace, "--ignore-not-found", "-o", "json"]).stdout.trim();
  // Each Secret is cut down to its name, type and key names as soon as it is read.
  const secrets = ns ? list(["secrets", "--namespace", n.namespace]).map(secretView) : [];
  const kinds = served();
  const wanted: Ref[] = [...n.ingresses.flatMap((i) => (i.issuer ? [i.issuer] : [])), ...n.stores].filter((r) => kinds.includes(r.kind));
  const found: Ref[] = [];
  const storeReady: Observed["storeReady"] = {};
  for (const r of wanted) {
    const args = ["get", resourceOf(r.kind), r.name, "--ignore-not-found", "-o", "json", ...(GROUPS[r.kind]!.namespaced ? ["--namespace", n.namespace] : [])];
    const out = kubectl(args).stdout.trim();
    if (!out) continue;
    found.push(r);
    const ready = ((JSON.parse(out) as { status?: { conditions?: { type: string; status: string; message?: string }[] } }).status?.conditions ?? []).find((c) => c.type === "Ready");
    if (ready) storeReady[`${r.kind} ${r.name}`] = { ready: ready.status === "True", message: ready.message ?? "" };
  }
  const resolved: Observed["resolved"] = {};
  for (const e of n.externalNames) resolved[e.target] = await resolve(e.target);
  const observed: Observed = {
    serverVersion: version.serverVersion?.gitVersion ?? "unknown",
    secrets,
    ingressClasses: list(["ingressclasses.networking.k8s.io"]).map((c) => ({ name: c.metadata.name, isDefault: c.metadata.annotations?.[DEFAULT_CLASS] === "true" })),
    served: kinds,
    found,
    storeReady,
    resolved,
  };
  if (ns) observed.namespace = { labels: (JSON.parse(ns) as { metadata: { labels?: Record<string, string> } }).metadata.labels ?? {} };
  return observed;
}

await main(async () => {
  const { positionals } = parseArgs({ allowPositionals: true, options: {} });
  if (positionals.length !== 1) throw new CommandError("usage", USAGE);
  const env = positionals[0]!;
  const n = needs(buildOverlay(env));
  const context = kubectl(["config", "current-context"], { allowFailure: true }).stdout.trim() || "(none)";
  console.log(`doctor overlays/${env} against context ${context}, namespace ${n.namespace}`);
  const checks = doctorChecks(env, n, await observe(n));
  for (const c of checks) console.log(formatCheck(c));
  verdict(checks, "doctor-failed", `a deploy of overlays/${env} would fail; fix the [fail] lines above`);
}, USAGE);
