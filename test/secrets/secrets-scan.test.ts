/**
 * The secret guard: gitleaks over the repository (working tree and history) must find nothing,
 * and no build may carry plaintext credentials except dev's labelled fake ones. Each check is
 * shown to fail on a planted secret, so a silent scanner cannot pass for a clean repository.
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { describeFindings, pathPattern, scan } from "../../scripts/lib/secrets-scan.ts";
import { allBuilds, built } from "../support/builds.ts";
import { fakeGithubToken, fakeStripeKey } from "../support/fake-credentials.ts";
import { objectId, REPO_ROOT } from "../support/tools.ts";
import type { BuiltObject } from "../../scripts/lib/built-object.ts";

const CONFIG = join(REPO_ROOT, ".gitleaks.toml");
const DEV_ONLY_LABEL = "ecom.ekenheim.dev/dev-only-credentials";

const dirs: string[] = [];
function tempTree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "ecom-leak-"));
  dirs.push(dir);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, ".."), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe("secret scanner (gitleaks)", () => {
  it("finds nothing in the working tree", () => {
    const findings = scan(REPO_ROOT, "dir", CONFIG);
    expect(describeFindings(findings), "gitleaks findings (values redacted)").toEqual([]);
  });

  it.runIf(existsSync(join(REPO_ROOT, ".git")))("finds nothing in the git history", () => {
    const findings = scan(REPO_ROOT, "git", CONFIG);
    expect(describeFindings(findings), "gitleaks findings in history (values redacted)").toEqual([]);
  });

  it("flags a planted token, and reports it without its value", () => {
    const token = fakeGithubToken();
    const dir = tempTree({ "overlays/prod/secret.yaml": `apiVersion: v1\nkind: Secret\nmetadata:\n  name: leak\nstringData:\n  GITHUB_TOKEN: "${token}"\n` });
    copyFileSync(CONFIG, join(dir, ".gitleaks.toml"));
    const findings = scan(dir, "dir", CONFIG);
    expect(findings.map((f) => `${f.File} ${f.RuleID}`)).toContain("overlays/prod/secret.yaml github-pat");
    expect(JSON.stringify(findings)).not.toContain(token);
  });

  it("skips what git ignores (build output, generated test keys), nothing else", () => {
    const dir = tempTree({ ".gitignore": ".cache/\nlocal.env\n", ".cache/run/token": `${fakeGithubToken()}\n`, "local.env": `T=${fakeGithubToken()}\n`, "notes.txt": `T=${fakeGithubToken()}\n` });
    execFileSync("git", ["init", "-q"], { cwd: dir });
    expect(scan(dir, "dir", CONFIG).map((f) => f.File)).toEqual(["notes.txt"]);
    expect(pathPattern(".cache/")).toBe("^\\.cache/");
    expect(pathPattern("a+b.env")).toBe("^a\\+b\\.env$");
  });

  it("exempts the mutation state file alone, not the folder it is in", () => {
    const leak = `{"source": "const t = '${fakeGithubToken()}';"}\n`;
    const dir = tempTree({ "test/mutation/stryker-incremental.json": leak, "test/mutation/other.json": leak, "stryker-incremental.json": leak });
    expect(scan(dir, "dir", CONFIG).map((f) => f.File).sort()).toEqual(["stryker-incremental.json", "test/mutation/other.json"]);
  });

  it("exempts only dev-only-marked lines of the dev overlay", () => {
    const line = `      - STRIPE_API_KEY=${fakeStripeKey()} # dev-only-fake\n`;
    const unmarked = `      - STRIPE_API_KEY=${fakeStripeKey()}\n`;
    const dir = tempTree({ "overlays/dev/kustomization.yaml": line + unmarked, "overlays/prod/kustomization.yaml": line });
    const found = scan(dir, "dir", CONFIG).map((f) => `${f.File}:${f.StartLine}`).sort();
    expect(found).toEqual(["overlays/dev/kustomization.yaml:2", "overlays/prod/kustomization.yaml:1"]);
  });
});

/** Secret objects with any data, by build target. */
function plaintextSecrets(objects: BuiltObject[]): BuiltObject[] {
  return objects.filter((o) => o.kind === "Secret" && Object.keys({ ...(o.data ?? {}), ...(o.stringData ?? {}) } as object).length > 0);
}

describe("no build carries plaintext credentials", () => {
  for (const [target, b] of Object.entries(allBuilds())) {
    it(`${b.label}: ${target === "overlays/dev" ? "only Secrets labelled as dev-only fakes" : "no Secret with data"}`, () => {
      const secrets = plaintextSecrets(built(target).objects);
      if (target !== "overlays/dev") return expect(secrets.map(objectId)).toEqual([]);
      expect(secrets.filter((s) => s.metadata.labels?.[DEV_ONLY_LABEL] !== "true").map(objectId)).toEqual([]);
    });
  }

  it("the check fails on a Secret with data", () => {
    const leak = { apiVersion: "v1", kind: "Secret", metadata: { name: "x" }, data: { K: Buffer.from("v").toString("base64") } } as BuiltObject;
    expect(plaintextSecrets([leak])).toHaveLength(1);
    expect(plaintextSecrets([{ ...leak, data: {} }])).toHaveLength(0);
  });
});
