/**
 * Offline, strict schema validation of built objects, equivalent in spirit to `kubeconform -strict`.
 *
 * Two independent checks, both generated from the Kubernetes OpenAPI spec:
 *  - kubernetes-models' precompiled ajv validators: required fields, types, enums, formats (quantities,
 *    int-or-string). They accept unknown properties, so on their own a typo such as `imagePullSecret`
 *    or `readinessprobe` would pass and be silently dropped by the API server.
 *  - the model type maps of the official Kubernetes JavaScript client: every property at every depth
 *    must be a field of the Go type, with the right JSON type. This is the "strict" half.
 */
import * as k8s from "@kubernetes/client-node";
import { objectId } from "./tools.ts";
import type { BuiltObject } from "../../scripts/lib/built-object.ts";

/**
 * Kinds that no built-in schema covers (CRDs). Each entry needs a reason; anything else without a schema
 * fails validation, so a new kind can never slip through unchecked. Keys are `apiVersion/Kind`.
 * Listed objects still get their `metadata` checked strictly.
 */
export const ALLOWED_WITHOUT_SCHEMA: Readonly<Record<string, string>> = {
  // e.g. "example.com/v1/Widget": "CRD without a published schema; shape checked by tests of its own",
};

type ModelClass = { getAttributeTypeMap(): Array<{ baseName: string; type: string; format: string }> };
type Ajv = (data: unknown) => void;

interface KindValidator {
  ajv: Ajv;
  /** client-node model for the strict walk; absent for CRDs (see THIRD_PARTY_MODELS) */
  model?: string;
}

/**
 * CRD groups whose schemas come from a kubernetes-models third-party package, generated from the
 * project's Go API types. Those schemas check types, required fields and enums but, like the CRDs
 * themselves, do not reject unknown fields, and no client-node model exists for the strict walk:
 * the tests of the component that ships such an object pin its exact shape instead.
 */
const THIRD_PARTY_MODELS: Readonly<Record<string, string>> = {
  "external-secrets.io": "@kubernetes-models/external-secrets",
};

const models = k8s as unknown as Record<string, ModelClass | undefined>;
const validators = new Map<string, Promise<KindValidator | undefined>>();

function modelFor(name: string): ModelClass | undefined {
  const candidate = models[name];
  return candidate && typeof candidate.getAttributeTypeMap === "function" ? candidate : undefined;
}

async function loadValidator(apiVersion: string, kind: string): Promise<KindValidator | undefined> {
  if (!/^([a-z0-9.-]+\/)?v[0-9]+((alpha|beta)[0-9]+)?$/.test(apiVersion) || !/^[A-Z][A-Za-z0-9]*$/.test(kind)) return undefined;
  const thirdParty = THIRD_PARTY_MODELS[apiVersion.split("/")[0] ?? ""];
  let mod: Record<string, unknown>;
  try {
    const specifier = `${thirdParty ?? "kubernetes-models"}/${apiVersion}/${kind}`;
    mod = (await import(/* @vite-ignore */ specifier)) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const Ctor = mod[kind] as (new (data: unknown) => { validate(): void }) | undefined;
  if (typeof Ctor !== "function") return undefined;
  const ajv: Ajv = (data) => new Ctor(data).validate();
  if (thirdParty) return { ajv };
  // The alias (IoK8sApiAppsV1Deployment) names the Go package; the JS client uses the same package
  // prefix where two groups share a kind name (CoreV1Event vs EventsV1Event).
  const alias = Object.keys(mod).find((k) => k.startsWith("IoK8sApi") && k.endsWith(kind)) ?? "";
  const version = apiVersion.split("/").pop() ?? "";
  const ver = version.charAt(0).toUpperCase() + version.slice(1);
  const pkg = alias.replace(/^IoK8sApi/, "").slice(0, -(ver.length + kind.length) || undefined);
  const model = [`${pkg}${ver}${kind}`, `${ver}${kind}`].find((n) => modelFor(n));
  if (!model) return undefined;
  return { model, ajv };
}

function validatorFor(apiVersion: string, kind: string): Promise<KindValidator | undefined> {
  const key = `${apiVersion}/${kind}`;
  let v = validators.get(key);
  if (!v) {
    v = loadValidator(apiVersion, kind);
    validators.set(key, v);
  }
  return v;
}

/**
 * resource.Quantity is typed `string` by the JS client, but the API server also takes a JSON number
 * (`cpu: 1`). ajv checks these fields' quantity format; here a number is let through.
 */
const QUANTITY_FIELDS = new Set([
  "V1ResourceRequirements.limits",
  "V1ResourceRequirements.requests",
  "V1VolumeResourceRequirements.limits",
  "V1VolumeResourceRequirements.requests",
  "V1EmptyDirVolumeSource.sizeLimit",
  "V1PodSpec.overhead",
  "V1ResourceQuotaSpec.hard",
  "V1LimitRangeItem.default",
  "V1LimitRangeItem.defaultRequest",
  "V1LimitRangeItem.max",
  "V1LimitRangeItem.min",
  "V1LimitRangeItem.maxLimitRequestRatio",
]);

function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

/** Walks `value` against a client-node model type; pushes one message per problem. */
function strictWalk(value: unknown, type: string, format: string, path: string, problems: string[]): void {
  // JSON null means "unset" to the API server for optional fields; ajv reports required ones.
  if (value === null || value === undefined) return;
  const arr = /^Array<(.+)>$/.exec(type);
  if (arr) {
    if (!Array.isArray(value)) return void problems.push(`${path}: expected array, got ${typeName(value)}`);
    value.forEach((item, i) => strictWalk(item, arr[1]!, "", `${path}[${i}]`, problems));
    return;
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) {
    if (typeName(value) !== "object") return void problems.push(`${path}: expected map, got ${typeName(value)}`);
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) strictWalk(v, map[1]!, "", `${path}.${k}`, problems);
    return;
  }
  switch (type) {
    case "any":
    case "object":
      return;
    case "string":
    case "Date":
      if (typeof value !== "string") problems.push(`${path}: expected string, got ${typeName(value)} (${JSON.stringify(value)})`);
      return;
    case "boolean":
      if (typeof value !== "boolean") problems.push(`${path}: expected boolean, got ${typeName(value)} (${JSON.stringify(value)})`);
      return;
    case "number":
      if (typeof value !== "number") problems.push(`${path}: expected number, got ${typeName(value)} (${JSON.stringify(value)})`);
      else if (/^int(32|64)$/.test(format) && !Number.isInteger(value)) problems.push(`${path}: expected integer, got ${value}`);
      return;
    case "Quantity":
      if (typeof value !== "string" && typeof value !== "number") problems.push(`${path}: expected quantity, got ${typeName(value)}`);
      return;
    case "IntOrString":
      if (typeof value === "string" || (typeof value === "number" && Number.isInteger(value))) return;
      problems.push(`${path}: expected integer or string, got ${typeName(value)}`);
      return;
  }
  const model = modelFor(type);
  if (!model) return void problems.push(`${path}: schema type ${type} is unknown to the validator`);
  if (typeName(value) !== "object") return void problems.push(`${path}: expected object (${type}), got ${typeName(value)}`);
  const fields = new Map(model.getAttributeTypeMap().map((a) => [a.baseName, a] as const));
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const field = fields.get(k);
    if (!field) {
      problems.push(`${path}.${k}: unknown field (not in ${type})`);
      continue;
    }
    const quantity = QUANTITY_FIELDS.has(`${type}.${k}`);
    strictWalk(v, quantity ? field.type.replace(/^string$|(?<=\]: )string(?=; \}$)/, "Quantity") : field.type, field.format, `${path}.${k}`, problems);
  }
}

/**
 * kustomize wraps long base64 Secret values over several lines. Go's base64 decoder (what the API
 * server uses for []byte) skips CR/LF, the ajv "byte" format does not: strip them for ajv only.
 */
function forAjv(obj: BuiltObject): BuiltObject {
  if (obj.kind !== "Secret" || obj.apiVersion !== "v1" || typeName(obj.data) !== "object") return obj;
  const data = Object.fromEntries(
    Object.entries(obj.data as Record<string, unknown>).map(([k, v]) => [k, typeof v === "string" ? v.replace(/[\r\n]/g, "") : v]),
  );
  return { ...obj, data };
}

/** Returns every problem found; an empty list means the object is valid. */
export async function validateObject(obj: BuiltObject): Promise<string[]> {
  if (typeName(obj) !== "object") return [`not an object: ${JSON.stringify(obj)}`];
  const id = objectId(obj);
  if (typeof obj.apiVersion !== "string" || typeof obj.kind !== "string") return [`${id}: apiVersion and kind must be strings`];
  const key = `${obj.apiVersion}/${obj.kind}`;
  const problems: string[] = [];
  const v = await validatorFor(obj.apiVersion, obj.kind);
  if (!v) {
    if (!(key in ALLOWED_WITHOUT_SCHEMA)) {
      return [`${id}: no schema for ${key}; a kind without a schema fails (add CRDs to ALLOWED_WITHOUT_SCHEMA with a reason)`];
    }
    strictWalk(obj.metadata, "V1ObjectMeta", "", "metadata", problems);
    if (typeof obj.metadata?.name !== "string" || obj.metadata.name === "") problems.push("metadata.name: required");
    return problems.map((p) => `${id}: ${p}`);
  }
  try {
    v.ajv(forAjv(obj));
  } catch (err) {
    problems.push(`schema: ${(err as Error).message}`);
  }
  if (v.model) strictWalk(obj, v.model, "", "", problems);
  else strictWalk(obj.metadata, "V1ObjectMeta", "", "metadata", problems);
  return problems.map((p) => `${id}: ${p.replace(/^\./, "")}`);
}

export async function validateAll(objects: BuiltObject[]): Promise<string[]> {
  return (await Promise.all(objects.map(validateObject))).flat();
}
