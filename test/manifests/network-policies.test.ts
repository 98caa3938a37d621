/**
 * The built NetworkPolicies of every overlay against the who-may-reach-whom table in
 * docs/network-policies.md, evaluated by test/support/netpol.ts; then mutations (a removed rule, a
 * widened selector, a lost default deny) that the same comparison must reject.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { built, overlayDirs } from "../support/builds.ts";
import { all, containersOf, workloads } from "../support/k8s.ts";
import { policiesOf, reachable, type Endpoint, type NamespaceLabels, type Policy } from "../support/netpol.ts";
import { REPO_ROOT } from "../support/tools.ts";
import type { BuiltObject } from "../../scripts/lib/built-object.ts";

const DOC = "docs/network-policies.md";

interface Row {
  destination: string;
  port: number;
  protocol: "TCP" | "UDP";
  allowed: Set<string>;
}

/** The table under "## Who may reach whom". */
function matrix(): Row[] {
  const text = readFileSync(join(REPO_ROOT, DOC), "utf8");
  const section = text.split(/^## /m).find((s) => s.startsWith("Who may reach whom"));
  if (!section) throw new Error(`${DOC}: no "## Who may reach whom" section`);
  const rows = section
    .split("\n")
    .filter((l) => l.startsWith("|") && !/^\|\s*(Destination|---)/.test(l))
    .map((line) => {
      const [destination, port, sources] = line.split("|").slice(1, -1).map((c) => c.trim());
      const m = /^(\d+)\/(TCP|UDP)$/.exec(port ?? "");
      if (!destination || !m || sources === undefined) throw new Error(`${DOC}: cannot read matrix row ${JSON.stringify(line)}`);
      const allowed = sources === "(none)" ? [] : sources.split(",").map((s) => s.trim());
      return { destination, port: Number(m[1]), protocol: m[2] as "TCP" | "UDP", allowed: new Set(allowed) };
    });
  if (rows.length === 0) throw new Error(`${DOC}: the matrix has no rows`);
  return rows;
}

/** Where each overlay's ingress controller runs (the overlay's patch of components/network-policies). */
const CONTROLLER_NAMESPACE: Readonly<Record<string, string>> = { "overlays/home-ops": "network" };
const CONTROLLER_LABELS = { "app.kubernetes.io/name": "ingress-nginx" };

interface World {
  namespace: string;
  actors: Map<string, Endpoint>;
  nsLabels: NamespaceLabels;
}

function world(overlay: string, objects: BuiltObject[]): World {
  const ns = all(objects, "Namespace")[0]!;
  const namespace = ns.metadata.name;
  const actors = new Map<string, Endpoint>();
  for (const w of workloads(objects)) {
    const labels = ((w.spec as any).template?.metadata?.labels ?? {}) as Record<string, string>;
    if (!labels.app) continue;
    const namedPorts = Object.fromEntries(
      containersOf(w).flatMap(({ container }) => (container.ports ?? []).filter((p) => p.name).map((p) => [p.name!, p.containerPort])),
    );
    actors.set(labels.app, { name: labels.app, namespace, labels, namedPorts });
  }
  const controllerNs = CONTROLLER_NAMESPACE[overlay] ?? "ingress-nginx";
  actors.set("ingress-controller", { name: "ingress-controller", namespace: controllerNs, labels: CONTROLLER_LABELS });
  actors.set("impostor", { name: "impostor", namespace: "someone-else", labels: CONTROLLER_LABELS });
  actors.set("other-namespace", { name: "other-namespace", namespace: "someone-else", labels: { app: "storefront" } });
  actors.set("stranger", { name: "stranger", namespace, labels: { app: "debug-shell" } });
  actors.set("kube-dns", { name: "kube-dns", namespace: "kube-system", labels: { "k8s-app": "kube-dns" } });
  actors.set("internet", { name: "internet", ip: "203.0.113.10" });
  const nsLabels: NamespaceLabels = (n) => ({
    ...(n === namespace ? ((ns.metadata.labels ?? {}) as Record<string, string>) : {}),
    "kubernetes.io/metadata.name": n,
  });
  return { namespace, actors, nsLabels };
}

/** Every (source, destination, port) whose outcome differs from the matrix, as readable lines. */
function mismatches(overlay: string, objects: BuiltObject[], policies: Policy[] = policiesOf(objects)): string[] {
  const w = world(overlay, objects);
  const out: string[] = [];
  for (const row of matrix()) {
    const to = w.actors.get(row.destination);
    if (!to) continue;
    for (const from of w.actors.values()) {
      // The shop's policies govern only its own namespace's side of a connection outside it.
      if (from === to || (to.namespace !== w.namespace && from.namespace !== w.namespace)) continue;
      const want = row.allowed.has(from.name);
      const got = reachable({ from, to, port: row.port, protocol: row.protocol }, policies, w.nsLabels);
      if (got !== want) out.push(`${from.name} → ${row.destination}:${row.port}/${row.protocol}: ${got ? "allowed" : "denied"}, the matrix says ${want ? "allowed" : "denied"}`);
    }
  }
  return out;
}

describe(`NetworkPolicies against ${DOC}`, () => {
  it("the matrix names only known actors", () => {
    const known = new Set(["ingress-controller", "impostor", "other-namespace", "stranger", "kube-dns", "internet"]);
    for (const o of overlayDirs()) for (const name of world(o, built(o).objects).actors.keys()) known.add(name);
    const unknown = matrix().flatMap((r) => [r.destination, ...r.allowed].filter((n) => !known.has(n)));
    expect(unknown, "actors in the matrix that no overlay has").toEqual([]);
  });

  it.each(overlayDirs())("%s: every connection is allowed or denied exactly as the matrix says", (overlay) => {
    expect(mismatches(overlay, built(overlay).objects)).toEqual([]);
  });

  const mutate = (overlay: string, name: string, change: (spec: any) => void): string[] => {
    const objects = structuredClone(built(overlay).objects);
    const policy = objects.find((o) => o.kind === "NetworkPolicy" && o.metadata.name === name);
    if (!policy) throw new Error(`no NetworkPolicy ${name} in ${overlay}`);
    change(policy.spec);
    return mismatches(overlay, objects);
  };

  it("a removed rule fails: the storefront loses the medusa server", () => {
    expect(mutate("overlays/prod", "medusa-from-storefront", (s) => s.ingress.splice(0, 1))).toContain(
      "storefront → medusa:9000/TCP: denied, the matrix says allowed",
    );
  });

  it("a widened pod selector fails: every pod of the namespace reaches PostgreSQL", () => {
    expect(mutate("overlays/dev", "postgres-ingress", (s) => (s.ingress[0].from[0].podSelector = {}))).toContain(
      "storefront → postgres:5432/TCP: allowed, the matrix says denied",
    );
  });

  it("a widened namespace selector fails: a look-alike controller elsewhere reaches the storefront", () => {
    expect(mutate("overlays/prod", "storefront-from-ingress-controller", (s) => (s.ingress[0].from[0].namespaceSelector = {}))).toContain(
      "impostor → storefront:8000/TCP: allowed, the matrix says denied",
    );
  });

  it("a lost default deny fails: the ingress controller reaches the worker", () => {
    expect(mutate("overlays/prod", "default-deny", (s) => (s.podSelector = { matchLabels: { app: "nothing" } }))).toContain(
      "ingress-controller → medusa-worker:9000/TCP: allowed, the matrix says denied",
    );
  });

  it("a lost DNS rule fails: the datastores can no longer resolve names", () => {
    expect(mutate("overlays/dev", "allow-dns", (s) => (s.egress[0].ports = [{ protocol: "TCP", port: 53 }]))).toContain(
      "postgres → kube-dns:53/UDP: denied, the matrix says allowed",
    );
  });

  it("a policy field the evaluator does not model is refused, not guessed", () => {
    expect(() => mutate("overlays/prod", "default-deny", (s) => (s.somethingNew = true))).toThrow(/does not model somethingNew/);
  });
});
