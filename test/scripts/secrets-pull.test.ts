import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { credentialProblem, dockerConfigJson } from "../../scripts/lib/secrets-pull.ts";
import { namespaceOf, pullSecretName } from "../../scripts/lib/overlay.ts";
import { built } from "../support/builds.ts";
import { REPO_ROOT } from "../support/tools.ts";

describe("image pull secret", () => {
  it("builds the .dockerconfigjson kubectl would", () => {
    const cfg = JSON.parse(dockerConfigJson("octocat", "ghp_token"));
    expect(cfg).toEqual({ auths: { "ghcr.io": { username: "octocat", password: "ghp_token", auth: Buffer.from("octocat:ghp_token").toString("base64") } } });
  });

  it("refuses empty or pasted-with-whitespace credentials", () => {
    expect(credentialProblem("octocat", "ghp_x")).toBeUndefined();
    expect(credentialProblem("", "ghp_x")).toBe("GHCR_USERNAME is empty");
    expect(credentialProblem("octo cat", "ghp_x")).toBe("GHCR_USERNAME is not a GitHub user name");
    expect(credentialProblem("octocat", "")).toMatch(/GHCR_TOKEN is empty/);
    expect(credentialProblem("octocat", "ghp_x\n")).toMatch(/whitespace/);
  });

  it("takes its name from the overlay's one setting (prod: the JSON 6902 patch over every Deployment and Job)", () => {
    const k = parse(readFileSync(join(REPO_ROOT, "overlays/prod/kustomization.yaml"), "utf8")) as { patches: Array<{ target?: { kind?: string }; patch?: string }> };
    const setting = k.patches.find((p) => p.target?.kind === "Deployment|Job" && p.patch);
    const ops = parse(setting!.patch!) as Array<{ op: string; value: string }>;
    const configured = ops.find((o) => o.op === "replace")!.value;
    expect(pullSecretName(built("overlays/prod").objects)).toBe(configured);
    expect(namespaceOf(built("overlays/prod").objects)).toBe("ecom-prod");
  });

  it("fails when pod specs disagree on the pull secret", () => {
    const pod = (name: string, secret: string) => ({ apiVersion: "v1", kind: "Pod", metadata: { name }, spec: { imagePullSecrets: [{ name: secret }] } });
    expect(() => pullSecretName([pod("a", "ghcr-pull"), pod("b", "ghcr-credentials")])).toThrow(/found 2/);
  });
});
