/**
 * Differential test of the in-function composition against the real
 * kustomize. fast-check generates overlays (hosts, TLS layouts, patch styles,
 * prefixes, comments and flow style, tags that look like numbers); for each,
 * the function runs in package mode exactly as `kpt fn render` runs it (no
 * real build to fall back on), its derived files are written into the tree,
 * and `kustomize build` of that tree must deploy exactly the values an
 * independent oracle derives from the same build. The only other acceptable
 * outcome is a clear refusal. FUZZ_RUNS sets the number of cases
 * (`npm run test:fuzz` runs a long one).
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { parseDocument } from "yaml";
import { readResourceList } from "../../functions/src/resource-list.ts";
import { run } from "../../functions/src/run.ts";
import { REPO_ROOT, parseAll, tool } from "../support/tools.ts";
import type { BuiltObject } from "../../scripts/lib/built-object.ts";
import { runCommand } from "../support/repo-copy.ts";

const RUNS = Number(process.env.FUZZ_RUNS ?? 150);
const PACKAGE = join(REPO_ROOT, "functions/test/fixtures/_package");
const OVERLAY = "overlays/prod";
const DERIVED = ["medusa-config", "storefront-config", "migration-job"].map((f) => `${OVERLAY}/derived/${f}.yaml`);
const work = mkdtempSync(join(tmpdir(), "ecom-differential-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function readTree(dir: string, root = dir, out = new Map<string, string>()): Map<string, string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) readTree(path, root, out);
    else out.set(relative(root, path), readFileSync(path, "utf8"));
  }
  return out;
}
const BASE_TREE = readTree(PACKAGE);

// ---- generated overlays -------------------------------------------------------------------------

const label = fc.stringMatching(/^[a-z][a-z0-9]{0,5}(-[a-z0-9]{1,3})?$/);
const domain = fc.constantFrom("example.com", "shop.test", "a-b.example.org");
type Tls = "none" | "exact" | "some" | "wildcard" | "wildcard-too-deep" | "upper";
type Delivery = "smp" | "smp-target" | "json6902-inline" | "json6902-file" | "delete-and-new";
type Naming = "none" | "prefix" | "suffix" | "nested-prefix";

const scenario = fc.record({
  domain,
  shop: fc.uniqueArray(label, { minLength: 1, maxLength: 2 }),
  admin: fc.uniqueArray(label, { minLength: 1, maxLength: 2 }),
  deep: fc.boolean(),
  tls: fc.constantFrom<Tls>("none", "exact", "some", "wildcard", "wildcard-too-deep", "upper"),
  delivery: fc.constantFrom<Delivery>("smp", "smp", "smp-target", "json6902-inline", "json6902-file", "delete-and-new"),
  naming: fc.constantFrom<Naming>("none", "none", "prefix", "suffix", "nested-prefix"),
  comments: fc.boolean(),
  flow: fc.boolean(),
  tag: fc.constantFrom("b60245b", "0a1b2c3", "1234567", "1e10000", "0000017", "deadbee"),
  quoteTag: fc.boolean(),
});
type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

function hostsOf(s: Scenario) {
  const shop = s.shop.map((l) => `${l}.${s.domain}`);
  const admin = s.admin.filter((l) => !s.shop.includes(l)).map((l) => `${s.deep ? "x." : ""}${l}.${s.domain}`);
  return { shop, admin: admin.length ? admin : [`admin.${s.domain}`] };
}

function tlsOf(s: Scenario, all: string[]): string[] {
  switch (s.tls) {
    case "none": return [];
    case "exact": return all;
    case "some": return all.slice(0, 1);
    case "wildcard": return [`*.${s.domain}`];
    case "wildcard-too-deep": return [`*.x.${s.domain}`];
    case "upper": return all.map((h) => h.toUpperCase());
  }
}

const rule = (host: string, service: string, port: number) =>
  `    - host: ${host}\n      http:\n        paths:\n          - path: /\n            pathType: Prefix\n            backend:\n              service:\n                name: ${service}\n                port:\n                  number: ${port}\n`;

function ingressSpec(s: Scenario): string {
  const { shop, admin } = hostsOf(s);
  const tls = tlsOf(s, [...shop, ...admin]);
  const tlsBlock = tls.length ? `  tls:\n    - hosts:\n${tls.map((h) => `        - "${h}"\n`).join("")}      secretName: ecom-tls\n` : "  tls: []\n";
  return `spec:\n${tlsBlock}  rules:\n${shop.map((h) => rule(h, "storefront", 8000)).join("")}${admin.map((h) => rule(h, "medusa", 9000)).join("")}`;
}

function treeOf(s: Scenario): Map<string, string> {
  const tree = new Map(BASE_TREE);
  const kind = (k: string) => (s.comments ? `kind: ${k} # generated case\n` : `kind: ${k}\n`);
  const meta = (name: string) => (s.flow ? `metadata: {name: ${name}}\n` : `metadata:\n  name: ${name}\n`);
  const ingress = `apiVersion: networking.k8s.io/v1\n${kind("Ingress")}${meta("ecom-ingress")}${ingressSpec(s)}`;
  const patches: string[] = [];
  const resources = ["../../base"];
  const extraKustomization: string[] = [];
  switch (s.delivery) {
    case "smp":
      tree.set(`${OVERLAY}/ingress.yaml`, ingress);
      patches.push("  - path: ingress.yaml\n");
      break;
    case "smp-target":
      tree.set(`${OVERLAY}/ingress.yaml`, ingress.replace("ecom-ingress", "anything"));
      patches.push("  - path: ingress.yaml\n    target:\n      kind: Ingr.*\n      name: ecom-.*\n");
      break;
    case "json6902-inline": {
      tree.set(`base/ingress.yaml`, ingress);
      const first = hostsOf(s).shop[0]!;
      patches.push(`  - target:\n      kind: Ingress\n    patch: |-\n      - op: replace\n        path: /spec/rules/0/host\n        value: ${first}\n`);
      break;
    }
    case "json6902-file":
      tree.set(`${OVERLAY}/host.jsonpatch.yaml`, `- op: replace\n  path: /spec/rules/0/host\n  value: ${hostsOf(s).shop[0]}\n`);
      patches.push("  - path: host.jsonpatch.yaml\n    target:\n      kind: Ingress\n");
      break;
    case "delete-and-new":
      tree.set(`${OVERLAY}/drop.yaml`, "$patch: delete\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: ecom-ingress\n");
      tree.set(`${OVERLAY}/new-ingress.yaml`, ingress.replace("ecom-ingress", "shop"));
      resources.push("new-ingress.yaml");
      patches.push("  - path: drop.yaml\n");
      break;
  }
  if (s.naming === "prefix") extraKustomization.push("namePrefix: shop-\n");
  if (s.naming === "suffix") extraKustomization.push("nameSuffix: -eu\n");
  if (s.naming === "nested-prefix") {
    tree.set(`${OVERLAY}/extra/kustomization.yaml`, "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamePrefix: extra-\nresources:\n  - flags.yaml\n");
    tree.set(`${OVERLAY}/extra/flags.yaml`, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: flags\n");
    resources.push("extra");
  }
  const tag = s.quoteTag ? `"${s.tag}"` : s.tag;
  tree.set(`${OVERLAY}/kustomization.yaml`, [
    "apiVersion: kustomize.config.k8s.io/v1beta1\n", kind("Kustomization"), "namespace: ecom-prod\n", ...extraKustomization,
    `resources:\n${resources.map((r) => `  - ${r}\n`).join("")}`,
    "components:\n  - derived\n",
    `images:\n  - name: ghcr.io/ekenheim/ecom/medusa\n    newTag: ${tag}\n  - name: ghcr.io/ekenheim/ecom/storefront\n    newTag: "b60245b"\n`,
    "patches:\n", ...patches,
  ].join(""));
  if (s.comments) {
    for (const [path, text] of tree) if (path.startsWith("base/")) tree.set(path, text.replace(/^kind: (\w+)$/m, "kind: $1 # base object"));
  }
  return tree;
}

// ---- the function, as kpt runs it --------------------------------------------------------------

/** The ResourceList kpt would send: every document with its path annotations, comments kept. */
function resourceListOf(tree: Map<string, string>): string {
  const items: string[] = [];
  for (const [path, text] of tree) {
    if (path.endsWith(".jsonpatch.yaml")) continue; // .krmignore
    text.split(/^---$/m).forEach((docText, index) => {
      const doc = parseDocument(docText);
      if (doc.contents === null) return;
      doc.setIn(["metadata", "annotations", "config.kubernetes.io/path"], path);
      doc.setIn(["metadata", "annotations", "internal.config.kubernetes.io/path"], path);
      doc.setIn(["metadata", "annotations", "config.kubernetes.io/index"], String(index));
      items.push(doc.toString().trimEnd().split("\n").map((l, i) => (i === 0 ? `- ${l}` : `  ${l}`)).join("\n"));
    });
  }
  return `apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n${items.join("\n")}\n`;
}

type Outcome = { refused: string[] } | { files: Map<string, string> };

function runFunction(tree: Map<string, string>): Outcome {
  const out = run(readResourceList(resourceListOf(tree)));
  const errors = out.results.filter((r) => r.severity === "error");
  if (errors.length) {
    return { refused: errors.map((r) => `${r.file?.path ?? ""}|${r.resourceRef?.kind ?? ""}|${r.field?.path ?? ""}|${r.message}`) };
  }
  const files = new Map<string, string>();
  for (const item of out.items) {
    if (!item.edited || !DERIVED.includes(item.path ?? "")) continue;
    const doc = item.edited.clone();
    for (const k of ["config.kubernetes.io/path", "internal.config.kubernetes.io/path", "config.kubernetes.io/index"]) {
      doc.deleteIn(["metadata", "annotations", k]);
    }
    if ((doc.getIn(["metadata", "annotations"]) as { items?: unknown[] } | undefined)?.items?.length === 0) doc.deleteIn(["metadata", "annotations"]);
    files.set(item.path!, doc.toString());
  }
  return { files };
}

// ---- the oracle: derived values from the real build, written independently of the function ----

function coveredByTls(host: string, tls: string[]): boolean {
  return tls.some((t) => {
    const entry = t.toLowerCase();
    if (entry === host) return true;
    if (!entry.startsWith("*.") || !host.endsWith(entry.slice(1))) return false;
    const first = host.slice(0, host.length - entry.length + 1);
    return first.length > 0 && !first.includes(".");
  });
}

function oracle(objects: BuiltObject[]) {
  const svc = (app: string) => objects.find((o) => o.kind === "Service" && (o as any).spec.selector?.app === app) as any;
  const roles = new Map([[svc("medusa").metadata.name, "medusa"], [svc("storefront").metadata.name, "storefront"]]);
  const origins: Record<string, string[]> = { medusa: [], storefront: [] };
  for (const ing of objects.filter((o) => o.kind === "Ingress") as any[]) {
    const tls: string[] = (ing.spec.tls ?? []).flatMap((t: any) => t.hosts ?? []);
    for (const r of ing.spec.rules ?? []) {
      for (const p of r.http?.paths ?? []) {
        const role = roles.get(p.backend?.service?.name);
        if (role) origins[role]!.push(`${coveredByTls(r.host, tls) ? "https" : "http"}://${r.host}`);
      }
    }
  }
  const uniq = (xs: string[]) => [...new Set(xs)].join(",");
  const port = (svc("medusa").spec.ports as any[]).find((p) => p.targetPort === 9000).port;
  const image: string = (objects.find((o) => o.kind === "Deployment" && (o as any).spec.template.metadata.labels.app === "medusa") as any)
    .spec.template.spec.containers.find((c: any) => c.name === "medusa").image;
  return {
    medusa: {
      STORE_CORS: uniq(origins.storefront!), ADMIN_CORS: uniq([...origins.medusa!, ...origins.storefront!]),
      AUTH_CORS: uniq([...origins.medusa!, ...origins.storefront!]), BACKEND_URL: origins.medusa![0], STOREFRONT_URL: origins.storefront![0],
    },
    storefront: { NEXT_PUBLIC_BASE_URL: origins.storefront![0], MEDUSA_BACKEND_URL: `http://${svc("medusa").metadata.name}:${port}` },
    jobTag: image.slice(image.lastIndexOf(":") + 1),
  };
}

function deployedValues(objects: BuiltObject[]) {
  const cm = (role: string) => {
    const deployment = objects.find((o) => o.kind === "Deployment" && (o as any).spec.template.metadata.labels.app === role) as any;
    const names = deployment.spec.template.spec.containers.flatMap((c: any) => (c.envFrom ?? []).map((e: any) => e.configMapRef?.name));
    return (objects.find((o) => o.kind === "ConfigMap" && names.includes(o.metadata.name)) as any).data;
  };
  const pick = (data: any, keys: string[]) => Object.fromEntries(keys.map((k) => [k, data[k]]));
  const job = objects.find((o) => o.kind === "Job" && /medusa-migrate/.test(o.metadata.name))!;
  return {
    medusa: pick(cm("medusa"), ["STORE_CORS", "ADMIN_CORS", "AUTH_CORS", "BACKEND_URL", "STOREFRONT_URL"]),
    storefront: pick(cm("storefront"), ["NEXT_PUBLIC_BASE_URL", "MEDUSA_BACKEND_URL"]),
    jobName: job.metadata.name,
  };
}

// ---- the property -----------------------------------------------------------------------------

let caseNo = 0;
const tally = { accepted: 0, refused: 0 };
function check(s: Scenario): void {
  const tree = treeOf(s);
  const outcome = runFunction(tree);
  tally["refused" in outcome ? "refused" : "accepted"]++;
  if ("refused" in outcome) {
    for (const r of outcome.refused) {
      const [file, kind, field, message] = r.split("|");
      expect(file || kind || field, `a refusal names where: ${r}`).toBeTruthy();
      expect(message).not.toMatch(/is not a function|\[object Object\]|undefined|Cannot read/);
    }
    return;
  }
  const dir = join(work, `case-${caseNo++}`);
  for (const [path, text] of new Map([...tree, ...outcome.files])) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  const built = runCommand(tool("kustomize"), ["build", join(dir, OVERLAY)], dir);
  expect(built.status, `the function accepted an overlay kustomize cannot build:\n${built.stderr}`).toBe(0);
  const objects = parseAll(built.stdout);
  const want = oracle(objects);
  const got = deployedValues(objects);
  expect(got.medusa).toEqual(want.medusa);
  expect(got.storefront).toEqual(want.storefront);
  const prefix = s.naming === "prefix" ? "shop-" : "";
  const suffix = s.naming === "suffix" ? "-eu" : "";
  expect(got.jobName).toBe(`${prefix}medusa-migrate-${want.jobTag}${suffix}`);
  rmSync(dir, { recursive: true, force: true });
}

describe("generated overlays: a clear refusal, or exactly the values the real kustomize build implies", () => {
  it(`holds for ${RUNS} generated overlays`, () => {
    fc.assert(fc.property(scenario, check), { numRuns: RUNS, seed: process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined });
    // A generator that only produced refusals would compare nothing with kustomize.
    expect(tally.accepted, JSON.stringify(tally)).toBeGreaterThan(RUNS / 4);
    expect(tally.refused, JSON.stringify(tally)).toBeGreaterThan(0);
  }, 600_000);

  it("refuses, rather than guesses, each feature it does not model", () => {
    const base: Scenario = {
      domain: "example.com", shop: ["shop"], admin: ["admin"], deep: false, tls: "exact", delivery: "smp", naming: "none",
      comments: false, flow: false, tag: "b60245b", quoteTag: true,
    };
    expect("files" in runFunction(treeOf(base))).toBe(true);
    for (const change of [{ delivery: "json6902-file" }, { delivery: "delete-and-new" }, { naming: "nested-prefix" }] as Partial<Scenario>[]) {
      const outcome = runFunction(treeOf({ ...base, ...change }));
      expect("refused" in outcome && outcome.refused.join("\n"), JSON.stringify(change)).toMatch(/npm run render/);
    }
  });
});
