/**
 * Core: the DeployPolicy each overlay carries, parsed and checked, with the reference's default
 * bounds.
 */
import { isPlainObject } from "./kube.ts";
import { parseQuantity } from "./quantity.ts";

export const POLICY_API_VERSION = "fn.ecom.ekenheim.dev/v1alpha1";
export const POLICY_KIND = "DeployPolicy";

/** A Kubernetes quantity as the policy writes it: `500m`, `1Gi`, `2`. */
export type Quantity = string | number;
export interface Range {
  min?: Quantity;
  max?: Quantity;
}
export interface Bounds {
  cpu?: Range;
  memory?: Range;
}

/**
 * Public URLs an app image was built with (build args of the app repository's workflows): the admin
 * bundle and the storefront's browser code call them, whatever the Ingress says.
 */
export interface BakedUrls {
  medusa?: { BACKEND_URL: string };
  storefront?: { NEXT_PUBLIC_MEDUSA_BACKEND_URL?: string; NEXT_PUBLIC_BASE_URL?: string };
}

export interface Policy {
  name: string;
  requirePinnedSha: boolean;
  provisionedSecrets: string[];
  bakedUrls: BakedUrls;
  tlsBeforeIngress: boolean;
  cors: { extraStoreOrigins: string[]; extraAdminOrigins: string[]; extraAuthOrigins: string[] };
  workloadBounds: Record<string, Bounds>;
  initContainerBounds: Bounds;
}

const MEDUSA: Bounds = { cpu: { min: "250m", max: "1000m" }, memory: { min: "512Mi", max: "1Gi" } };

/** The deployment reference's recommended requests (minimum) and limits (maximum) per workload. */
export const DEFAULT_WORKLOAD_BOUNDS: Record<string, Bounds> = {
  medusa: MEDUSA,
  "medusa-worker": MEDUSA,
  "medusa-migrate": MEDUSA,
  "medusa-seed": MEDUSA,
  storefront: { cpu: { min: "100m", max: "500m" }, memory: { min: "256Mi", max: "512Mi" } },
  postgres: { cpu: { min: "250m", max: "1000m" }, memory: { min: "512Mi", max: "2Gi" } },
  redis: { cpu: { min: "50m", max: "200m" }, memory: { min: "128Mi", max: "256Mi" } },
};

/** The reference gives init containers nothing; these keep TCP-wait loops small but schedulable under a LimitRange. */
export const DEFAULT_INIT_CONTAINER_BOUNDS: Bounds = {
  cpu: { min: "10m", max: "100m" },
  memory: { min: "16Mi", max: "64Mi" },
};

export type PolicyParse = { ok: true; policy: Policy } | { ok: false; issues: { path: string; message: string }[] };

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const ORIGIN = /^https?:\/\/[^/\s,]+$/;

type Path = readonly (string | number)[];
/** Reads one field's value at `path`; records what is wrong with it in `issues`, and then returns undefined. */
type Reader<T> = (value: unknown, path: Path, issues: Issue[]) => T | undefined;
interface Issue {
  path: string;
  message: string;
}

const wrong = (issues: Issue[], path: Path, message: string): undefined => {
  issues.push({ path: path.join("."), message });
  return undefined;
};

const string = (check?: { pattern: RegExp; message: string }): Reader<string> => (value, path, issues) => {
  if (typeof value !== "string") return wrong(issues, path, "expected string");
  if (check && !check.pattern.test(value)) return wrong(issues, path, check.message);
  return value;
};
const origin = string({ pattern: ORIGIN, message: "must be an origin: scheme://host[:port], no path, no comma" });
const secretName = string({ pattern: DNS_SUBDOMAIN, message: "must be a Secret name (DNS subdomain)" });

const boolean: Reader<boolean> = (value, path, issues) => (typeof value === "boolean" ? value : wrong(issues, path, "expected boolean"));

const quantity: Reader<Quantity> = (value, path, issues) => {
  if (typeof value !== "string" && typeof value !== "number") return wrong(issues, path, "expected a string or a number");
  return parseQuantity(value) === undefined ? wrong(issues, path, "not a valid Kubernetes quantity") : value;
};

// A list's or a mapping's value holds whatever its parts read; any issue among them fails the whole policy.
const list = <T>(item: Reader<T>): Reader<T[]> => (value, path, issues) =>
  Array.isArray(value) ? (value.map((v, i) => item(v, [...path, i], issues)) as T[]) : wrong(issues, path, "expected array");

/** A mapping of any names, each value read by `item`. */
const record = <T>(item: Reader<T>): Reader<Record<string, T>> => (value, path, issues) =>
  isPlainObject(value) ? (Object.fromEntries(Object.entries(value).map(([k, v]) => [k, item(v, [...path, k], issues)])) as Record<string, T>) : wrong(issues, path, "expected object");

type Fields<T> = { [K in keyof T]-?: Reader<T[K]> | { optional: Reader<NonNullable<T[K]>> } | { absent: () => T[K]; read: Reader<T[K]> } };

/**
 * A mapping of known fields: each read by its reader, an absent one left out (`optional`) or given a
 * new default (`absent`); with `strict`, every other key is an unknown field.
 */
const mapping = <T>(fields: Fields<T>, strict = true): Reader<T> => (value, path, issues) => {
  if (!isPlainObject(value)) return wrong(issues, path, "expected object");
  const before = issues.length;
  const read: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(fields) as [string, Fields<T>[keyof T]][]) {
    const given = value[key];
    if (typeof field === "function") read[key] = field(given, [...path, key], issues);
    else if ("optional" in field) {
      if (given !== undefined) read[key] = field.optional(given, [...path, key], issues);
    } else read[key] = given === undefined ? field.absent() : field.read(given, [...path, key], issues);
  }
  if (strict) for (const key of Object.keys(value)) if (!Object.hasOwn(fields, key)) wrong(issues, [...path, key], "unknown field");
  return issues.length === before ? ({ ...(strict ? {} : value), ...read } as T) : undefined;
};

const literal = <T extends string>(expected: T): Reader<T> => (value, path, issues) =>
  value === expected ? expected : wrong(issues, path, `expected ${JSON.stringify(expected)}`);

const range = mapping<Range>({ min: { optional: quantity }, max: { optional: quantity } });
const bounds = mapping<Bounds>({ cpu: { optional: range }, memory: { optional: range } });

interface Spec {
  requirePinnedSha: boolean;
  provisionedSecrets: string[];
  bakedUrls: BakedUrls;
  tlsBeforeIngress: boolean;
  cors: Policy["cors"];
  resources: { workloads: Record<string, Bounds>; initContainers?: Bounds };
}

const origins = { absent: () => [], read: list(origin) };
const spec = mapping<Spec>({
  /** Refuse `latest`, timestamp tags and missing tags on the app images. */
  requirePinnedSha: { absent: () => false, read: boolean },
  /** Secrets created in the cluster, never committed: references to them count as satisfied. */
  provisionedSecrets: { absent: () => [], read: list(secretName) },
  /** What each pinned image was built with; render fails when the Ingress serves other hosts. */
  bakedUrls: {
    absent: () => ({}),
    read: mapping<BakedUrls>({
      medusa: { optional: mapping({ BACKEND_URL: origin }) },
      storefront: { optional: mapping({ NEXT_PUBLIC_MEDUSA_BACKEND_URL: { optional: origin }, NEXT_PUBLIC_BASE_URL: { optional: origin } }) },
    }),
  },
  /** TLS ends before the Ingress (a load balancer or tunnel): every public origin is https. */
  tlsBeforeIngress: { absent: () => false, read: boolean },
  cors: {
    absent: () => ({ extraStoreOrigins: [], extraAdminOrigins: [], extraAuthOrigins: [] }),
    read: mapping<Policy["cors"]>({ extraStoreOrigins: origins, extraAdminOrigins: origins, extraAuthOrigins: origins }),
  },
  resources: {
    absent: () => ({ workloads: {} }),
    read: mapping<Spec["resources"]>({
      /** Keyed by workload name; replaces the default for that name. */
      workloads: { absent: () => ({}), read: record(bounds) },
      initContainers: { optional: bounds },
    }),
  },
});

const policySchema = mapping<{ apiVersion: string; kind: string; metadata: { name: string }; spec: Spec }>({
  apiVersion: literal(POLICY_API_VERSION),
  kind: literal(POLICY_KIND),
  metadata: mapping({ name: string({ pattern: /^[^]/, message: "must not be empty" }) }, false),
  // An absent spec reads as an empty one, every field at its default.
  spec: (value, path, issues) => spec(value === undefined ? {} : value, path, issues),
});

/** The DeployPolicy, or every problem with it, each at its field's path. */
export function parsePolicy(input: unknown): PolicyParse {
  const issues: Issue[] = [];
  const parsed = policySchema(input, [], issues);
  if (!parsed) return { ok: false, issues };
  const { metadata, spec: s } = parsed;
  return {
    ok: true,
    policy: {
      name: metadata.name,
      requirePinnedSha: s.requirePinnedSha,
      provisionedSecrets: s.provisionedSecrets,
      bakedUrls: s.bakedUrls,
      tlsBeforeIngress: s.tlsBeforeIngress,
      cors: s.cors,
      workloadBounds: { ...DEFAULT_WORKLOAD_BOUNDS, ...s.resources.workloads },
      initContainerBounds: s.resources.initContainers ?? DEFAULT_INIT_CONTAINER_BOUNDS,
    },
  };
}

export const isPolicyObject = (o: unknown): boolean =>
  typeof o === "object" && o !== null && (o as { kind?: unknown }).kind === POLICY_KIND &&
  (o as { apiVersion?: unknown }).apiVersion === POLICY_API_VERSION;
