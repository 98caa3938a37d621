/**
 * `npm run dev:tls`: the certificate it makes names every host the dev Ingress serves over TLS, is
 * stored under the Secret name the Ingress uses (which the dev policy declares as provisioned), and
 * is one kubectl accepts as a kubernetes.io/tls Secret.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { opensslArgs, tlsTargets } from "../../scripts/lib/dev-tls.ts";
import { provisionedSecretsOf } from "../../scripts/lib/overlay.ts";
import type { BuiltObject } from "../../scripts/lib/built-object.ts";
import { built } from "../support/builds.ts";
import { ingressRules, find } from "../support/k8s.ts";
import { REPO_ROOT, tool } from "../support/tools.ts";

const dir = mkdtempSync(join(tmpdir(), "ecom-dev-tls-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("dev TLS", () => {
  const objects = () => built("overlays/dev").objects as BuiltObject[];

  it("one Secret for every host of the dev Ingress, declared provisioned by the dev policy", () => {
    const targets = tlsTargets(objects());
    const hosts = ingressRules(find(built("overlays/dev").objects, "Ingress", "ecom-ingress")).map((r) => r.host!).sort();
    expect(targets).toEqual([{ secretName: "ecom-dev-tls", hosts }]);
    const policy = "overlays/dev/policy/policy.yaml";
    expect(provisionedSecretsOf(readFileSync(join(REPO_ROOT, policy), "utf8"), policy)).toContain("ecom-dev-tls");
  });

  it("openssl makes a certificate naming those hosts that kubectl takes as a TLS Secret", () => {
    const [{ hosts, secretName }] = tlsTargets(objects()) as [{ hosts: string[]; secretName: string }];
    const key = join(dir, "tls.key");
    const cert = join(dir, "tls.crt");
    const made = spawnSync("openssl", opensslArgs(hosts, key, cert), { encoding: "utf8" });
    expect(made.status, made.stderr).toBe(0);
    const san = spawnSync("openssl", ["x509", "-in", cert, "-noout", "-ext", "subjectAltName"], { encoding: "utf8" });
    expect(san.stdout.match(/DNS:[^,\s]+/g)?.map((d) => d.slice(4)).sort()).toEqual(hosts);
    const secret = spawnSync(tool("kubectl"), ["create", "secret", "tls", secretName, "--cert", cert, "--key", key, "--dry-run=client", "-o", "json"], { encoding: "utf8" });
    expect(secret.status, secret.stderr).toBe(0);
    expect(JSON.parse(secret.stdout).type).toBe("kubernetes.io/tls");
  });

  it("refuses a TLS entry without a Secret name, and a host a certificate cannot name", () => {
    const ing = { apiVersion: "networking.k8s.io/v1", kind: "Ingress", metadata: { name: "i" }, spec: { tls: [{ hosts: ["a.test"] }] } };
    expect(() => tlsTargets([ing])).toThrow("Ingress i: spec.tls[0] has no secretName to create");
    expect(() => opensslArgs(["shop.${SECRET_DOMAIN}"], "k", "c")).toThrow(/not a host name/);
    expect(() => opensslArgs([], "k", "c")).toThrow(/no hosts/);
    for (const bad of ["-shop.test", "shop.test-", "Shop.test", "shop.test/x"]) {
      expect(() => opensslArgs(["ok.test", bad], "k", "c")).toThrow(new Error(`'${bad}' is not a host name a certificate can name`));
    }
    expect(opensslArgs(["x", "*.shop.test"], "k", "c")).toContain("subjectAltName=DNS:x,DNS:*.shop.test");
  });

  it("takes TLS entries from Ingresses only, merging the hosts of one Secret name", () => {
    const ingress = (name: string, tls: unknown[]) => ({ apiVersion: "networking.k8s.io/v1", kind: "Ingress", metadata: { name }, spec: { tls } });
    const objects = [
      ingress("a", [{ secretName: "shop-tls", hosts: ["www.shop.test", "api.shop.test"] }, { secretName: "bare-tls" }]),
      { apiVersion: "example.test/v1", kind: "Gateway", metadata: { name: "g" }, spec: { tls: [{ secretName: "gateway-tls", hosts: ["g.test"] }] } },
      ingress("b", [{ secretName: "shop-tls", hosts: ["api.shop.test", "admin.shop.test"] }]),
      { apiVersion: "networking.k8s.io/v1", kind: "Ingress", metadata: { name: "plain" }, spec: {} },
    ];
    expect(tlsTargets(objects)).toEqual([
      { secretName: "shop-tls", hosts: ["admin.shop.test", "api.shop.test", "www.shop.test"] },
      { secretName: "bare-tls", hosts: [] },
    ]);
  });
});
