/** An overlay built as Flux builds it, and the facts the commands read from it instead of repeating them. */
import { parse, parseAllDocuments } from "yaml";
import { podReferences } from "../../functions/src/core/shop-objects.ts";
import { kubectl } from "./kubectl.ts";
import { overlayDir } from "./repo.ts";

export interface BuiltObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [k: string]: unknown;
}

/** The overlay as Flux would build it: plain kustomize, no plugins. */
export function buildOverlay(env: string): BuiltObject[] {
  const text = kubectl(["kustomize", overlayDir(env)]).stdout;
  // kubectl prints one document per object, never an empty one.
  return parseAllDocuments(text).map((d) => d.toJS() as BuiltObject);
}

export function namespaceOf(objects: readonly BuiltObject[]): string {
  const namespaces = objects.filter((o) => o.kind === "Namespace").map((o) => o.metadata.name);
  if (namespaces.length !== 1) throw new Error(`expected exactly one Namespace in the overlay, found ${namespaces.length} (${namespaces.join(", ")})`);
  return namespaces[0]!;
}

/** The pull secret every pod spec names; the overlay's patch decides it, so it must be one name. */
export function pullSecretName(objects: readonly BuiltObject[]): string {
  const names = new Set(objects.flatMap(podReferences).filter((r) => r.via === "imagePullSecrets").map((r) => r.name));
  if (names.size !== 1) throw new Error(`expected one image pull secret name across the overlay's pod specs, found ${names.size}: ${[...names].join(", ")}`);
  return [...names][0]!;
}

/** Secrets the pods read, pull secrets included. */
export function referencedSecrets(objects: readonly BuiltObject[]): Set<string> {
  return new Set(objects.flatMap(podReferences).filter((r) => r.kind === "Secret").map((r) => r.name));
}

/** Secrets the overlay itself brings: Secret objects and the targets of ExternalSecrets. */
export function providedSecrets(objects: readonly BuiltObject[]): Set<string> {
  const names = new Set<string>();
  for (const o of objects) {
    if (o.kind === "Secret") names.add(o.metadata.name);
    if (o.kind === "ExternalSecret") names.add((o.spec as { target?: { name?: string } } | undefined)?.target?.name ?? o.metadata.name);
  }
  return names;
}

/**
 * The Secrets an overlay's DeployPolicy (`<overlay>/policy/policy.yaml`, spec.provisionedSecrets)
 * declares as created outside git: the one place that says so.
 */
export function provisionedSecretsOf(policyText: string, file: string): string[] {
  const doc = parse(policyText) as { kind?: unknown; spec?: { provisionedSecrets?: unknown } } | null;
  if (doc?.kind !== "DeployPolicy") throw new Error(`${file}: not a DeployPolicy`);
  const list = doc.spec?.provisionedSecrets ?? [];
  if (!Array.isArray(list) || !list.every((n) => typeof n === "string")) throw new Error(`${file}: spec.provisionedSecrets must be a list of Secret names`);
  return list;
}
