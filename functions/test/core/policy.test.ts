import { describe, expect, test } from "vitest";
import { isPolicyObject, parsePolicy } from "../../src/core/policy.ts";
import { RESOURCES, type ResourceRow } from "../../../test/support/reference.ts";

/** The tests' copy of the deployment reference's table (requests are the minimum, limits the maximum). */
const bounds = (r: ResourceRow) => ({ cpu: { min: r.cpuRequest, max: r.cpuLimit }, memory: { min: r.memoryRequest, max: r.memoryLimit } });
const MEDUSA = bounds(RESOURCES.medusa);
const REFERENCE_BOUNDS = {
  medusa: MEDUSA,
  "medusa-worker": MEDUSA,
  "medusa-migrate": MEDUSA,
  "medusa-seed": MEDUSA,
  storefront: bounds(RESOURCES.storefront),
  postgres: bounds(RESOURCES.postgres),
  redis: bounds(RESOURCES.redis),
};
const INIT_CONTAINER_BOUNDS = { cpu: { min: "10m", max: "100m" }, memory: { min: "16Mi", max: "64Mi" } };

const doc = (spec: unknown, extra: Record<string, unknown> = {}) => ({
  apiVersion: "fn.ecom.ekenheim.dev/v1alpha1",
  kind: "DeployPolicy",
  metadata: { name: "prod", annotations: { "config.kubernetes.io/local-config": "true" } },
  ...(spec === undefined ? {} : { spec }),
  ...extra,
});

function issues(input: unknown) {
  const parsed = parsePolicy(input);
  if (parsed.ok) throw new Error("expected the policy to be rejected");
  return parsed.issues;
}

describe("parsePolicy", () => {
  test("an empty spec gets every default", () => {
    for (const input of [doc(undefined), doc({})]) {
      const parsed = parsePolicy(input);
      expect(parsed.ok).toBe(true);
      if (!parsed.ok) return;
      expect(parsed.policy).toEqual({
        name: "prod",
        requirePinnedSha: false,
        tlsBeforeIngress: false,
        provisionedSecrets: [],
        bakedUrls: {},
        cors: { extraStoreOrigins: [], extraAdminOrigins: [], extraAuthOrigins: [] },
        workloadBounds: REFERENCE_BOUNDS,
        initContainerBounds: INIT_CONTAINER_BOUNDS,
      });
    }
  });

  test("a workload entry replaces that workload's default and keeps the others", () => {
    const parsed = parsePolicy(doc({ resources: { workloads: { storefront: { memory: { max: "1Gi" } }, api: { cpu: { max: 2 } } } } }));
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.policy.workloadBounds.storefront).toEqual({ memory: { max: "1Gi" } });
    expect(parsed.policy.workloadBounds.api).toEqual({ cpu: { max: 2 } });
    expect(parsed.policy.workloadBounds.medusa).toEqual(MEDUSA);
  });

  test("bakedUrls takes origins per image and refuses other keys and values", () => {
    const baked = { medusa: { BACKEND_URL: "https://medusa.${SECRET_DOMAIN}" }, storefront: { NEXT_PUBLIC_BASE_URL: "https://shop.example.com" } };
    const parsed = parsePolicy(doc({ bakedUrls: baked }));
    expect(parsed.ok && parsed.policy.bakedUrls).toEqual(baked);
    expect(issues(doc({ bakedUrls: { medusa: { BACKEND_URL: "https://medusa.example.com/app" } } }))).toContainEqual({
      path: "spec.bakedUrls.medusa.BACKEND_URL",
      message: "must be an origin: scheme://host[:port], no path, no comma",
    });
    expect(issues(doc({ bakedUrls: { worker: {} } }))).toContainEqual({ path: "spec.bakedUrls.worker", message: "unknown field" });
    expect(issues(doc({ bakedUrls: { storefront: { MEDUSA_BACKEND_URL: "http://medusa:9000" } } }))).toContainEqual({
      path: "spec.bakedUrls.storefront.MEDUSA_BACKEND_URL", message: "unknown field",
    });
  });

  test("provisionedSecrets lists Secret names and refuses anything else", () => {
    const parsed = parsePolicy(doc({ provisionedSecrets: ["medusa-secret", "ghcr-pull"] }));
    expect(parsed.ok && parsed.policy.provisionedSecrets).toEqual(["medusa-secret", "ghcr-pull"]);
    expect(issues(doc({ provisionedSecrets: ["Medusa_Secret"] }))).toContainEqual({
      path: "spec.provisionedSecrets.0",
      message: "must be a Secret name (DNS subdomain)",
    });
    expect(issues(doc({ provisionedSecrets: "medusa-secret" }))).toContainEqual({ path: "spec.provisionedSecrets", message: "expected array" });
  });

  test("initContainers bounds replace the default", () => {
    const parsed = parsePolicy(doc({ resources: { initContainers: { cpu: { max: "200m" } } } }));
    expect(parsed.ok && parsed.policy.initContainerBounds).toEqual({ cpu: { max: "200m" } });
  });

  test.each([
    [{ surprise: true }, "surprise"],
    [doc({}, { status: {} }), "status"],
    [doc({ requirePinnedSHA: true }), "spec.requirePinnedSHA"],
    [doc({ cors: { extraOrigins: [] } }), "spec.cors.extraOrigins"],
    [doc({ resources: { limits: {} } }), "spec.resources.limits"],
    [doc({ resources: { workloads: { medusa: { gpu: {} } } } }), "spec.resources.workloads.medusa.gpu"],
    [doc({ resources: { workloads: { medusa: { cpu: { maximum: "1" } } } } }), "spec.resources.workloads.medusa.cpu.maximum"],
    [doc({ resources: { initContainers: { memory: { mn: "1Mi" } } } }), "spec.resources.initContainers.memory.mn"],
  ])("an unknown field is rejected at its own path (%#)", (input, path) => {
    const found = issues(input);
    expect(found).toContainEqual({ path, message: "unknown field" });
  });

  test("an unknown-field issue names the unknown key", () => {
    const found = issues(doc({ cors: { extraOrigins: [] } }));
    expect(found.map((i) => `${i.path} ${i.message}`).join("\n")).toContain("extraOrigins");
  });

  test.each([
    ["1Gb", "spec.resources.workloads.medusa.memory.max"],
    ["-1", "spec.resources.workloads.medusa.memory.max"],
    [-1, "spec.resources.workloads.medusa.memory.max"],
    ["500mi", "spec.resources.workloads.medusa.memory.max"],
  ])("the quantity %j is rejected at %s", (q, path) => {
    const found = issues(doc({ resources: { workloads: { medusa: { memory: { max: q } } } } }));
    expect(found).toEqual([{ path, message: "not a valid Kubernetes quantity" }]);
  });

  test.each([
    "shop.example.com",
    "https://shop.example.com/",
    "https://shop.example.com/path",
    "https://a.example.com,https://b.example.com",
    "ftp://shop.example.com",
    "https://",
  ])("the origin %j is rejected with its index", (origin) => {
    const found = issues(doc({ cors: { extraAdminOrigins: ["http://localhost:9000", origin] } }));
    expect(found).toHaveLength(1);
    expect(found[0]!.path).toBe("spec.cors.extraAdminOrigins.1");
    expect(found[0]!.message).toMatch(/must be an origin/);
  });

  test.each(["http://localhost:9000", "https://shop.example.com", "https://shop.${SECRET_DOMAIN}"])("the origin %j is accepted", (origin) => {
    expect(parsePolicy(doc({ cors: { extraStoreOrigins: [origin] } })).ok).toBe(true);
  });

  test("wrong types, a missing name, and another kind or version are rejected", () => {
    expect(issues(doc({ requirePinnedSha: "yes" })).map((i) => i.path)).toEqual(["spec.requirePinnedSha"]);
    expect(issues({ ...doc({}), metadata: {} }).map((i) => i.path)).toEqual(["metadata.name"]);
    expect(issues({ ...doc({}), metadata: { name: "" } }).map((i) => i.path)).toEqual(["metadata.name"]);
    expect(issues({ ...doc({}), apiVersion: "fn.ecom.ekenheim.dev/v1" }).map((i) => i.path)).toEqual(["apiVersion"]);
    expect(issues(null).length).toBeGreaterThan(0);
  });

  test.each<[unknown, { path: string; message: string }]>([
    [{ ...doc({}), kind: "Policy" }, { path: "kind", message: 'expected "DeployPolicy"' }],
    [{ ...doc({}), metadata: { name: "" } }, { path: "metadata.name", message: "must not be empty" }],
    [doc({ requirePinnedSha: "yes" }), { path: "spec.requirePinnedSha", message: "expected boolean" }],
    [doc({ cors: { extraStoreOrigins: [7] } }), { path: "spec.cors.extraStoreOrigins.0", message: "expected string" }],
    [doc({ resources: { workloads: [] } }), { path: "spec.resources.workloads", message: "expected object" }],
    [doc({ resources: { workloads: { medusa: { memory: { max: true } } } } }), { path: "spec.resources.workloads.medusa.memory.max", message: "expected a string or a number" }],
  ])("a wrong value is reported at its path with what was expected (%#)", (input, issue) => {
    expect(issues(input)).toEqual([issue]);
  });

  test("every problem is reported, each field's in order and unknown fields after them", () => {
    const input = { ...doc({ tlsBeforeIngress: "no", colour: "red", provisionedSecrets: ["ok", "Not_OK", 3] }), kind: "Policy", extra: 1 };
    expect(issues(input)).toEqual([
      { path: "kind", message: 'expected "DeployPolicy"' },
      { path: "spec.provisionedSecrets.1", message: "must be a Secret name (DNS subdomain)" },
      { path: "spec.provisionedSecrets.2", message: "expected string" },
      { path: "spec.tlsBeforeIngress", message: "expected boolean" },
      { path: "spec.colour", message: "unknown field" },
      { path: "extra", message: "unknown field" },
    ]);
  });

  test("a field given as null is a wrong value, not an absent one", () => {
    expect(issues(doc(null))).toEqual([{ path: "spec", message: "expected object" }]);
    expect(issues(doc({ cors: { extraStoreOrigins: null } }))).toEqual([{ path: "spec.cors.extraStoreOrigins", message: "expected array" }]);
    expect(issues(doc({ resources: { initContainers: { cpu: null } } }))).toEqual([{ path: "spec.resources.initContainers.cpu", message: "expected object" }]);
  });

  test("a cors that lists one kind of origin gets the others empty", () => {
    const parsed = parsePolicy(doc({ cors: { extraAdminOrigins: ["https://ops.example.com"] } }));
    expect(parsed.ok && parsed.policy.cors).toEqual({ extraStoreOrigins: [], extraAdminOrigins: ["https://ops.example.com"], extraAuthOrigins: [] });
  });

  test("each parse gets defaults of its own", () => {
    const first = parsePolicy(doc({}));
    const second = parsePolicy(doc({}));
    if (!first.ok || !second.ok) throw new Error("expected both to parse");
    first.policy.provisionedSecrets.push("changed");
    first.policy.cors.extraStoreOrigins.push("https://changed.example.com");
    expect(second.policy.provisionedSecrets).toEqual([]);
    expect(second.policy.cors.extraStoreOrigins).toEqual([]);
  });

  test("a name must be a string of at least one character, any character", () => {
    expect(parsePolicy({ ...doc({}), metadata: { name: "\n" } }).ok).toBe(true);
    expect(issues({ ...doc({}), metadata: { name: 7 } })).toEqual([{ path: "metadata.name", message: "expected string" }]);
  });

  test("isPolicyObject needs both the kind and the API version", () => {
    expect(isPolicyObject(doc({}))).toBe(true);
    expect(isPolicyObject({ ...doc({}), apiVersion: "v1" })).toBe(false);
    expect(isPolicyObject({ kind: "ConfigMap" })).toBe(false);
    expect(isPolicyObject(undefined)).toBe(false);
    expect(isPolicyObject(null)).toBe(false);
    expect(isPolicyObject({ apiVersion: "fn.ecom.ekenheim.dev/v1alpha1", kind: "ConfigMap" })).toBe(false);
    expect(isPolicyObject({ apiVersion: "fn.ecom.ekenheim.dev/v1alpha1", kind: "DeployPolicy" })).toBe(true);
  });
});
