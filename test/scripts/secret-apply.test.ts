import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { BuiltObject } from "../../scripts/lib/built-object.ts";
import { REDACTED } from "../../scripts/lib/redact.ts";
import { applyNamespace, applySecret, readSecret, requireNoShippedSecrets, secretData } from "../../scripts/lib/secret-apply.ts";
import { UNREACHABLE_SERVER, useUnreachableCluster } from "../support/unreachable-cluster.ts";
import { commandError } from "../support/command-error.ts";

useUnreachableCluster();

const REFUSED = `dial tcp ${UNREACHABLE_SERVER}: connect: connection refused`;

describe("secretData", () => {
  it("decodes every key of the Secret kubectl printed", () => {
    const printed = JSON.stringify({ kind: "Secret", data: { USER: "c2hvcA==", PASSWORD: Buffer.from("pä$$ wörd\n").toString("base64") } });
    expect(secretData(`${printed}\n`)).toEqual({ USER: "shop", PASSWORD: "pä$$ wörd\n" });
  });

  it("is undefined when kubectl printed nothing (no such Secret) and empty for a Secret without data", () => {
    expect(secretData("")).toBeUndefined();
    expect(secretData("\n")).toBeUndefined();
    expect(secretData('{"kind":"Secret","metadata":{"name":"s"}}')).toEqual({});
  });
});

describe("against a cluster kubectl cannot reach", () => {
  it("readSecret reports kubectl get's failure", () => {
    const err = commandError(() => readSecret("ecom", "medusa-secret"));
    expect(err.code).toBe("kubectl-failed");
    expect(err.message).toMatch(/^kubectl get failed \(exit 1\):/);
    expect(err.message).toContain(`The connection to the server ${UNREACHABLE_SERVER} was refused`);
  });

  it("applyNamespace sends the Namespace to kubectl apply", () => {
    const err = commandError(() => applyNamespace({ apiVersion: "v1", kind: "Namespace", metadata: { name: "ecom" } }));
    expect(err.code).toBe("kubectl-failed");
    expect(err.message).toMatch(/^kubectl apply failed \(exit 1\):/);
    // kubectl got the object: it went on to validate it against the server.
    expect(err.message).toContain(REFUSED);
  });

  describe("applySecret", () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), "ecom-secret-apply-test-"));
      vi.stubEnv("TMPDIR", dir);
    });
    afterEach(() => {
      vi.stubEnv("TMPDIR", undefined);
      rmSync(dir, { recursive: true, force: true });
    });

    it("builds the Secret locally, fails only where it must reach the cluster, and leaves no value file behind", () => {
      const err = commandError(() => applySecret("ecom", "medusa-secret", { JWT_SECRET: "not-a-real-value", COOKIE_SECRET: "another-value" }));
      expect(err.code).toBe("kubectl-failed");
      expect(err.message).toMatch(/^kubectl apply failed \(exit 1\):/);
      expect(err.message).toContain(REFUSED);
      expect(readdirSync(dir)).toEqual([]);
    });

    it("takes a Secret type", () => {
      const err = commandError(() => applySecret("ecom", "pull", { ".dockerconfigjson": "{}" }, { type: "kubernetes.io/dockerconfigjson" }));
      expect(err.message).toMatch(/^kubectl apply failed \(exit 1\):/);
      expect(readdirSync(dir)).toEqual([]);
    });

    it("scrubs the values, and what alsoRedact names, from the error", () => {
      const asValue = commandError(() => applySecret("ecom", "s", { k: UNREACHABLE_SERVER }));
      const asExtra = commandError(() => applySecret("ecom", "s", { k: "v" }, { alsoRedact: [UNREACHABLE_SERVER] }));
      for (const err of [asValue, asExtra]) {
        expect(err.message).not.toContain(UNREACHABLE_SERVER);
        expect(err.message).toContain(`dial tcp ${REDACTED}: connect: connection refused`);
      }
    });

    it("reports a key kubectl refuses and still removes the files", () => {
      const err = commandError(() => applySecret("ecom", "s", { "not a key": "v" }));
      expect(err.message).toMatch(/^kubectl create failed \(exit 1\):\n.*"not a key" is not valid key name/);
      expect(readdirSync(dir)).toEqual([]);
    });
  });
});

describe("requireNoShippedSecrets", () => {
  const obj = (kind: string, name: string): BuiltObject => ({ apiVersion: "v1", kind, metadata: { name } });
  const names = ["medusa-secret", "storefront-secret"];

  it("names each Secret or ExternalSecret the overlay already provides", () => {
    const objects = [obj("Secret", "medusa-secret"), obj("ConfigMap", "storefront-secret"), obj("ExternalSecret", "storefront-secret"), obj("Secret", "other")];
    const err = commandError(() => requireNoShippedSecrets(objects, names, "dev"));
    expect(err.code).toBe("secrets-shipped");
    expect(err.message).toBe(
      "overlays/dev already provides Secret medusa-secret, ExternalSecret storefront-secret; a deploy would overwrite what this command writes. " +
        "Use it only for overlays that leave these Secrets to the cluster.",
    );
  });

  it("passes an overlay that leaves them to the cluster", () => {
    expect(() => requireNoShippedSecrets([obj("ConfigMap", "medusa-secret"), obj("Secret", "other"), obj("ExternalSecret", "other")], names, "prod")).not.toThrow();
    expect(() => requireNoShippedSecrets([], names, "prod")).not.toThrow();
  });
});
