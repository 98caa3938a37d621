/** The facts the day-2 commands read from an overlay (scripts/lib/overlay.ts), and the errors they stop on. */
import { describe, expect, it } from "vitest";
import { buildOverlay, namespaceOf, providedSecrets, provisionedSecretsOf, pullSecretName, referencedSecrets,  } from "../../scripts/lib/overlay.ts";
import type { BuiltObject } from "../../scripts/lib/built-object.ts";
import { allBuilds } from "../support/builds.ts";
import { parseAll } from "../support/tools.ts";

const obj = (kind: string, name: string, extra: Record<string, unknown> = {}): BuiltObject => ({ apiVersion: "v1", kind, metadata: { name }, ...extra });
const pod = (name: string, spec: Record<string, unknown>) => obj("Deployment", name, { spec: { template: { spec: { containers: [{ name }], ...spec } } } });

describe("buildOverlay", () => {
  it("builds the overlay as Flux does, with kubectl's kustomize", () => {
    expect(buildOverlay("prod")).toEqual(parseAll(allBuilds()["overlays/prod"]!.kubectl.text));
  });
});

describe("namespaceOf", () => {
  it("is the overlay's one Namespace", () => {
    expect(namespaceOf([obj("ConfigMap", "c"), obj("Namespace", "shop")])).toBe("shop");
  });

  it("refuses none or several, naming them", () => {
    expect(() => namespaceOf([obj("ConfigMap", "c")])).toThrow("expected exactly one Namespace in the overlay, found 0 ()");
    expect(() => namespaceOf([obj("Namespace", "a"), obj("Namespace", "b")])).toThrow("expected exactly one Namespace in the overlay, found 2 (a, b)");
  });
});

describe("pullSecretName", () => {
  it("is the one image pull secret every pod spec names; other Secrets do not count", () => {
    const env = { containers: [{ name: "c", envFrom: [{ secretRef: { name: "app-secret" } }] }] };
    expect(pullSecretName([pod("a", { imagePullSecrets: [{ name: "ghcr" }], ...env }), pod("b", { imagePullSecrets: [{ name: "ghcr" }] })])).toBe("ghcr");
  });

  it("refuses pod specs that name none or disagree, naming what it found", () => {
    expect(() => pullSecretName([pod("a", {})])).toThrow("expected one image pull secret name across the overlay's pod specs, found 0: ");
    expect(() => pullSecretName([pod("a", { imagePullSecrets: [{ name: "x" }, { name: "y" }] })])).toThrow(
      "expected one image pull secret name across the overlay's pod specs, found 2: x, y",
    );
  });
});

describe("secrets", () => {
  it("referenced: every Secret a pod reads, pull secrets included, ConfigMaps not", () => {
    const objects = [
      pod("a", {
        imagePullSecrets: [{ name: "pull" }],
        volumes: [{ name: "v", secret: { secretName: "mounted" } }, { name: "w", configMap: { name: "cfg" } }],
        containers: [{ name: "a", envFrom: [{ secretRef: { name: "env" } }] }],
      }),
      obj("Secret", "unused"),
    ];
    expect(referencedSecrets(objects)).toEqual(new Set(["pull", "mounted", "env"]));
  });

  it("provided: Secret objects and the targets of ExternalSecrets (their own name without one)", () => {
    const objects = [
      obj("Secret", "plain"),
      obj("ExternalSecret", "synced", { spec: { target: { name: "target" } } }),
      obj("ExternalSecret", "self", { spec: {} }),
      obj("ExternalSecret", "bare"),
      obj("ConfigMap", "cfg"),
    ];
    expect(providedSecrets(objects)).toEqual(new Set(["plain", "target", "self", "bare"]));
  });
});

describe("provisionedSecretsOf", () => {
  const file = "overlays/x/policy/policy.yaml";
  const policy = (spec: string) => `apiVersion: fn.ecom.ekenheim.dev/v1alpha1\nkind: DeployPolicy\nmetadata:\n  name: x\nspec:\n${spec}`;

  it("is the policy's list of Secrets created outside git, empty when it declares none", () => {
    expect(provisionedSecretsOf(policy("  provisionedSecrets: [medusa-secret, ghcr-credentials]\n"), file)).toEqual(["medusa-secret", "ghcr-credentials"]);
    expect(provisionedSecretsOf(policy("  maxReplicas: 3\n"), file)).toEqual([]);
  });

  it("refuses a file that is no DeployPolicy, naming it", () => {
    expect(() => provisionedSecretsOf("", file)).toThrow(`${file}: not a DeployPolicy`);
    expect(() => provisionedSecretsOf("kind: ConfigMap\n", file)).toThrow(`${file}: not a DeployPolicy`);
  });

  it("refuses a provisionedSecrets that is not a list of names", () => {
    for (const bad of ["  provisionedSecrets: medusa-secret\n", "  provisionedSecrets: [medusa-secret, 3]\n", "  provisionedSecrets:\n    name: x\n"]) {
      expect(() => provisionedSecretsOf(policy(bad), file), bad).toThrow(`${file}: spec.provisionedSecrets must be a list of Secret names`);
    }
  });
});
