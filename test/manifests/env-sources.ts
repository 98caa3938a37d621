/**
 * Which environment keys a container's envFrom sources and env entries set, as far as a build
 * shows them, and where one of them would override a value the KRM function derives.
 *
 * Kubernetes builds a container's environment from envFrom in order, a later source replacing a
 * key an earlier one set, then from env, which replaces both. A derived ConfigMap
 * (overlays/<env>/derived/) is only worth deriving if nothing after it sets the same key: the app
 * owner's medusa-secret carries STORE_CORS, ADMIN_CORS, AUTH_CORS and the URLs, and listed after
 * medusa-config it would silently win over the values computed from the Ingress.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { containersOf, maybeFind, workloads, type Container } from "../support/k8s.ts";
import { objectId, parseAll, REPO_ROOT } from "../support/tools.ts";
import type { BuiltObject } from "../../scripts/lib/built-object.ts";

/** The keys a source sets, or why they cannot be told from the build. */
export type Keys = { keys: ReadonlySet<string> } | { unknown: string };

/** ConfigMap name → the keys the overlay's derived files set in it. */
export function derivedKeys(overlay: string): Map<string, Set<string>> {
  const dir = join(REPO_ROOT, overlay, "derived");
  const out = new Map<string, Set<string>>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".yaml"))) {
    for (const o of parseAll(readFileSync(join(dir, file), "utf8"), `${overlay}/derived/${file}`)) {
      if (o.kind !== "ConfigMap") continue;
      const keys = out.get(o.metadata.name) ?? new Set<string>();
      for (const k of Object.keys((o.data ?? {}) as Record<string, unknown>)) keys.add(k);
      out.set(o.metadata.name, keys);
    }
  }
  return out;
}

interface ExternalSecretSpec {
  target?: { name?: string; template?: { mergePolicy?: string; data?: Record<string, unknown>; templateFrom?: unknown[] } };
  data?: Array<{ secretKey?: string }>;
  dataFrom?: unknown[];
}

/**
 * The keys of the Secret an ExternalSecret writes. With a template (merge policy Replace, the
 * default) only the template's keys; otherwise, or when merging, also each `data` entry's
 * secretKey. `dataFrom` without a replacing template and `templateFrom` bring keys the store
 * decides, which no build shows.
 */
export function externalSecretKeys(es: BuiltObject): Keys {
  const spec = (es.spec ?? {}) as ExternalSecretSpec;
  const template = spec.target?.template;
  const id = objectId(es);
  if (template?.templateFrom?.length) return { unknown: `${id} builds its keys from templateFrom` };
  const keys = new Set(Object.keys(template?.data ?? {}));
  if (template && (template.mergePolicy ?? "Replace") === "Replace") return { keys };
  if (spec.dataFrom?.length) return { unknown: `${id} takes whatever keys its store holds (dataFrom${template ? " with mergePolicy Merge" : " without a template"})` };
  for (const d of spec.data ?? []) if (d.secretKey) keys.add(d.secretKey);
  return { keys };
}

/**
 * The keys an envFrom source sets: a ConfigMap or Secret of the build, the target of an
 * ExternalSecret of the build, or a Secret provisioned outside git whose keys `provisioned`
 * knows (the bootstrap command writes exactly those).
 */
export function sourceKeys(objects: BuiltObject[], kind: "ConfigMap" | "Secret", name: string, provisioned: (name: string) => readonly string[] | undefined): Keys {
  const own = maybeFind(objects, kind, name);
  if (own) {
    const keys = new Set([...Object.keys((own.data ?? {}) as object), ...Object.keys(((own as { stringData?: object }).stringData ?? {}) as object)]);
    return { keys };
  }
  if (kind === "Secret") {
    const es = objects.find((o) => o.kind === "ExternalSecret" && ((o.spec as ExternalSecretSpec | undefined)?.target?.name ?? o.metadata.name) === name);
    if (es) return externalSecretKeys(es);
    const known = provisioned(name);
    if (known) return { keys: new Set(known) };
  }
  return { unknown: `${kind} ${name} is not in the build and its keys are not known` };
}

type EnvFrom = { prefix?: string; configMapRef?: { name: string }; secretRef?: { name: string } };

/**
 * One line per place where a container would not see a derived value: a key of a derived
 * ConfigMap set again by a later envFrom source or by an env entry, or a later source whose keys
 * cannot be told. Each line names the workload, the container, the source and the key.
 */
export function shadowingFindings(objects: BuiltObject[], derived: Map<string, Set<string>>, provisioned: (name: string) => readonly string[] | undefined): string[] {
  const findings: string[] = [];
  for (const o of workloads(objects)) {
    for (const { where, container } of containersOf(o)) findings.push(...containerFindings(objects, where, container, derived, provisioned));
  }
  return findings;
}

function containerFindings(
  objects: BuiltObject[],
  where: string,
  c: Container,
  derived: Map<string, Set<string>>,
  provisioned: (name: string) => readonly string[] | undefined,
): string[] {
  const findings: string[] = [];
  const sources = (c.envFrom ?? []) as EnvFrom[];
  // Keys a derived ConfigMap has set so far, with the ConfigMap that set them.
  const protectedKeys = new Map<string, string>();
  sources.forEach((source, i) => {
    const prefix = source.prefix ?? "";
    const kind = source.configMapRef ? "ConfigMap" : "Secret";
    const name = (source.configMapRef ?? source.secretRef)?.name ?? "";
    const label = `${kind} ${name} (envFrom[${i}])`;
    if (protectedKeys.size > 0) {
      const found = sourceKeys(objects, kind, name, provisioned);
      if ("unknown" in found) {
        findings.push(`${where}: ${label} comes after ${[...new Set(protectedKeys.values())].join(", ")} and may override a derived value: ${found.unknown}`);
      } else {
        for (const key of found.keys) {
          const owner = protectedKeys.get(prefix + key);
          if (owner) findings.push(`${where}: ${label} sets ${prefix + key}, which ${owner} derives; it would override the derived value`);
        }
      }
    }
    if (kind === "ConfigMap" && derived.has(name)) for (const key of derived.get(name)!) protectedKeys.set(prefix + key, `ConfigMap ${name}`);
  });
  for (const e of c.env ?? []) {
    const owner = protectedKeys.get(e.name);
    if (owner) findings.push(`${where}: env ${e.name} overrides the value ${owner} derives`);
  }
  return findings;
}
