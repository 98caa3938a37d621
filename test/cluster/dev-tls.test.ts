/**
 * `npm run dev:tls` end to end against the control plane: it stores a kubernetes.io/tls Secret under
 * the name the dev Ingress uses, for every dev host, keeps the certificate (never the key) for the
 * browser to trust, and leaves no key behind in a temporary directory.
 */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tlsTargets } from "../../scripts/lib/dev-tls.ts";
import type { BuiltObject } from "../../scripts/lib/built-object.ts";
import { kustomizeBuild, parseAll, REPO_ROOT } from "../support/tools.ts";
import { kubeconfig, kubectlOk } from "./kube.ts";

const NS = "ecom-dev-tls-e2e";
const keyDirs = () => readdirSync(tmpdir()).filter((d) => d.startsWith("ecom-dev-tls-") && !d.startsWith("ecom-dev-tls-test-"));

describe("npm run dev:tls", () => {
  it("creates the dev Ingress's TLS Secret for all its hosts, and keeps only the certificate", () => {
    const [target] = tlsTargets(parseAll(kustomizeBuild(join(REPO_ROOT, "overlays/dev")), "overlays/dev") as BuiltObject[]);
    kubectlOk(["create", "namespace", NS]);
    const before = keyDirs();
    const out = spawnSync(process.execPath, [join(REPO_ROOT, "scripts", "dev-tls.ts"), "dev", "--namespace", NS], {
      cwd: REPO_ROOT, env: { ...process.env, KUBECONFIG: kubeconfig() }, encoding: "utf8",
    });
    expect(out.status, out.stderr).toBe(0);
    expect(out.stdout).toContain(`Secret ${target!.secretName} in ${NS}`);
    expect(out.stdout + out.stderr).not.toMatch(/PRIVATE KEY/);

    const secret = JSON.parse(kubectlOk(["get", "secret", target!.secretName, "--namespace", NS, "-o", "json"]).stdout) as { type: string; data: Record<string, string> };
    expect(secret.type).toBe("kubernetes.io/tls");
    const cert = Buffer.from(secret.data["tls.crt"]!, "base64").toString();
    const san = spawnSync("openssl", ["x509", "-noout", "-ext", "subjectAltName"], { input: cert, encoding: "utf8" });
    expect(san.stdout.match(/DNS:[^,\s]+/g)?.map((d) => d.slice(4)).sort()).toEqual(target!.hosts);
    expect(readFileSync(join(REPO_ROOT, ".cache", "dev-tls", `${target!.secretName}.crt`), "utf8")).toBe(cert);
    expect(keyDirs()).toEqual(before);
  });
});
