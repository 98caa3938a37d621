/**
 * Core: the DeployPolicy each overlay carries, parsed and checked, with the reference's default
 * bounds.
 */
import * as z from "zod/mini";
import { parseQuantity } from "./quantity.ts";

export const POLICY_API_VERSION = "fn.ecom.ekenheim.dev/v1alpha1";
export const POLICY_KIND = "DeployPolicy";

const quantity = z
  .union([z.string(), z.number()])
  .check(z.refine((q) => parseQuantity(q) !== undefined, { message: "not a valid Kubernetes quantity" }));

const range = z.strictObject({ min: z.optional(quantity), max: z.optional(quantity) });
const bounds = z.strictObject({ cpu: z.optional(range), memory: z.optional(range) });
export type Bounds = z.infer<typeof bounds>;

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

const origin = z
  .string()
  .check(z.regex(/^https?:\/\/[^/\s,]+$/, { message: "must be an origin: scheme://host[:port], no path, no comma" }));

/**
 * Public URLs an app image was built with (build args of the app repository's workflows): the admin
 * bundle and the storefront's browser code call them, whatever the Ingress says.
 */
const bakedUrls = z.strictObject({
  medusa: z.optional(z.strictObject({ BACKEND_URL: origin })),
  storefront: z.optional(z.strictObject({ NEXT_PUBLIC_MEDUSA_BACKEND_URL: z.optional(origin), NEXT_PUBLIC_BASE_URL: z.optional(origin) })),
});
export type BakedUrls = z.infer<typeof bakedUrls>;

const spec = z.strictObject({
  /** Refuse `latest`, timestamp tags and missing tags on the app images. */
  requirePinnedSha: z._default(z.boolean(), false),
  /** Secrets created in the cluster, never committed: references to them count as satisfied. */
  provisionedSecrets: z._default(z.array(z.string().check(z.regex(DNS_SUBDOMAIN, { message: "must be a Secret name (DNS subdomain)" }))), []),
  /** What each pinned image was built with; render fails when the Ingress serves other hosts. */
  bakedUrls: z._default(bakedUrls, {}),
  /** TLS ends before the Ingress (a load balancer or tunnel): every public origin is https. */
  tlsBeforeIngress: z._default(z.boolean(), false),
  cors: z.prefault(
    z.strictObject({
      extraStoreOrigins: z._default(z.array(origin), []),
      extraAdminOrigins: z._default(z.array(origin), []),
      extraAuthOrigins: z._default(z.array(origin), []),
    }),
    {},
  ),
  resources: z.prefault(
    z.strictObject({
      /** Keyed by workload name; replaces the default for that name. */
      workloads: z._default(z.record(z.string(), bounds), {}),
      initContainers: z.optional(bounds),
    }),
    {},
  ),
});

const policySchema = z.strictObject({
  apiVersion: z.literal(POLICY_API_VERSION),
  kind: z.literal(POLICY_KIND),
  metadata: z.looseObject({ name: z.string().check(z.minLength(1)) }),
  spec: z.prefault(spec, {}),
});

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

export function parsePolicy(input: unknown): PolicyParse {
  const parsed = policySchema.safeParse(input);
  if (!parsed.success) return { ok: false, issues: parsed.error.issues.flatMap(describeIssue) };
  const { metadata, spec: s } = parsed.data;
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

// zod/mini ships no message locale (that is what keeps it small), so issues are worded here.
function describeIssue(issue: z.core.$ZodIssue): { path: string; message: string }[] {
  const at = (extra: PropertyKey[] = []) => [...issue.path, ...extra].map(String).join(".");
  switch (issue.code) {
    case "unrecognized_keys":
      return issue.keys.map((key) => ({ path: at([key]), message: "unknown field" }));
    case "invalid_type":
      return [{ path: at(), message: `expected ${issue.expected}` }];
    case "invalid_value":
      return [{ path: at(), message: `expected ${issue.values.map((v) => JSON.stringify(v)).join(" or ")}` }];
    case "too_small":
      return [{ path: at(), message: "must not be empty" }];
    default:
      return [{ path: at(), message: issue.message && issue.message !== "Invalid input" ? issue.message : `invalid (${issue.code})` }];
  }
}
