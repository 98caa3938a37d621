/**
 * The day-2 commands answer a user's mistake the way the function does: one
 * `error: <code>:` message (with the usage line where it helps), exit 1,
 * never a stack trace or a Node.js internal.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { RepoCopy } from "../support/repo-copy.ts";
import { REPO_ROOT } from "../support/tools.ts";

const repo = new RepoCopy();
// The commands import their dependencies; the copy borrows the repository's.
symlinkSync(join(REPO_ROOT, "node_modules"), join(repo.root, "node_modules"));
afterAll(() => repo.remove());

function run(script: string, args: string[], env: Record<string, string> = {}) {
  // kubectl is never reached: every case fails before it would be needed.
  return spawnSync(process.execPath, [join(repo.root, "scripts", script), ...args], {
    cwd: repo.root, encoding: "utf8", input: "", env: { ...process.env, KUBECTL: "/nonexistent/kubectl", ...env },
  });
}

const CASES: [string, string, string[], RegExp][] = [
  ["deploy", "deploy.ts", ["--bogus"], /^error: usage: Unknown option '--bogus'\nusage: npm run deploy/],
  ["deploy", "deploy.ts", ["prod", "--timeout"], /^error: usage: Option '--timeout <value>' argument missing\nusage:/],
  ["deploy", "deploy.ts", [], /^error: usage: npm run deploy/],
  ["deploy", "deploy.ts", ["prod", "--timeout", "soon"], /^error: usage: --timeout soon: expected e\.g\. 90s/],
  ["deploy", "deploy.ts", ["no-such-env"], /^error: overlay-missing: no overlay overlays\/no-such-env\/kustomization\.yaml/],
  ["deploy", "deploy.ts", ["../etc"], /^error: overlay-name: '\.\.\/etc' is not an overlay name/],
  ["set-image", "set-image.ts", ["prod", "medusa"], /^error: usage: npm run set-image/],
  ["set-image", "set-image.ts", ["prod", "redis", "0a1b2c3"], /^error: usage: 'redis' is not medusa or storefront/],
  ["set-image", "set-image.ts", ["prod", "medusa", "HEAD"], /^error: sha-invalid: /],
  ["set-image", "set-image.ts", ["unreadable", "medusa", "9496114"], /^error: cannot-read: cannot read overlays\/unreadable\/kustomization\.yaml: EISDIR/],
  ["secrets:bootstrap", "secrets-bootstrap.ts", ["--bogus"], /^error: usage: Unknown option '--bogus'\nusage: npm run secrets:bootstrap/],
  ["secrets:bootstrap", "secrets-bootstrap.ts", ["prod", "--namespace"], /^error: usage: Option '--namespace <value>' argument missing\nusage:/],
  ["secrets:bootstrap", "secrets-bootstrap.ts", ["no-such-env"], /^error: overlay-missing: no overlay/],
  ["secrets:pull", "secrets-pull.ts", ["--x"], /^error: usage: Unknown option '--x'\nusage: GHCR_USERNAME=/],
  ["secrets:pull", "secrets-pull.ts", ["no-such-env"], /^error: (overlay-missing|credentials-invalid): /],
  ["dev:tls", "dev-tls.ts", ["--bogus"], /^error: usage: Unknown option '--bogus'\nusage: npm run dev:tls/],
  ["dev:tls", "dev-tls.ts", ["dev", "--namespace"], /^error: usage: Option '--namespace <value>' argument missing\nusage:/],
  ["secrets:scan", "secrets-scan.ts", ["--bogus"], /^error: usage: Unknown option '--bogus'\nusage: npm run secrets:scan/],
  ["secrets:scan", "secrets-scan.ts", [], /^error: tool-missing: gitleaks not found \(GITLEAKS=\/nonexistent\/gitleaks does not exist\)/],
  ["doctor", "doctor.ts", [], /^error: usage: npm run doctor/],
  ["doctor", "doctor.ts", ["prod", "--bogus"], /^error: usage: Unknown option '--bogus'\nusage: npm run doctor/],
  ["doctor", "doctor.ts", ["no-such-env"], /^error: overlay-missing: no overlay overlays\/no-such-env\/kustomization\.yaml/],
  ["smoke", "smoke.ts", ["prod", "dev"], /^error: usage: npm run smoke/],
  ["smoke", "smoke.ts", ["prod", "--resolve", "shop.example.com"], /^error: usage: --resolve shop\.example\.com: expected HOST=ADDRESS or HOST=ADDRESS:PORT\n/],
  ["smoke", "smoke.ts", ["prod", "--var", "SECRET_DOMAIN"], /^error: usage: --var SECRET_DOMAIN: expected NAME=VALUE\n/],
  ["smoke", "smoke.ts", ["no-such-env"], /^error: overlay-missing: no overlay overlays\/no-such-env\/kustomization\.yaml/],
];

describe("user errors", () => {
  // A kustomization.yaml that exists but cannot be read as a file.
  mkdirSync(join(repo.root, "overlays/unreadable/kustomization.yaml"), { recursive: true });

  for (const [command, script, args, message] of CASES) {
    it(`npm run ${command} -- ${args.join(" ")}`, () => {
      const out = run(script, args, { GHCR_USERNAME: "octocat", GHCR_TOKEN: "x", GITLEAKS: "/nonexistent/gitleaks" });
      expect(out.status, out.stderr).toBe(1);
      expect(out.stderr).toMatch(message);
      expect(out.stderr).not.toMatch(/\n\s+at |node:internal|TypeError|ERR_[A-Z_]+|\^/);
    });
  }
  afterAll(() => rmSync(join(repo.root, "overlays/unreadable"), { recursive: true, force: true }));
});

describe("npm run render's own errors", () => {
  /** render.ts from the copy with a temporary directory of its own, to see what it leaves there. */
  function render(args: string[]) {
    const tmp = mkdtempSync(join(tmpdir(), "ecom-render-tmp-"));
    try {
      const out = spawnSync(process.execPath, [join(repo.root, "scripts", "render.ts"), ...args], { cwd: repo.root, encoding: "utf8", env: { ...process.env, TMPDIR: tmp } });
      return { ...out, leftovers: readdirSync(tmp) };
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }

  it.each([
    ["a target that does not exist", ["no-such-dir"], /^error: usage: no-such-dir is not a directory: name a package \(the repository by default\), or a directory of overlays or one overlay in it\nusage: npm run render/],
    ["a file as the target", ["README.md"], /^error: usage: README\.md is not a directory/],
    ["two targets", [".", "overlays"], /^error: usage: expected at most one directory, got \. overlays\nusage: npm run render/],
    ["an unknown flag", ["--bogus"], /^error: usage: Unknown option '--bogus'\nusage: npm run render/],
  ])("%s: a usage error, exit 1, no stack trace", (_, args, message) => {
    const out = render(args);
    expect(out.status, out.stderr).toBe(1);
    expect(out.stderr).toMatch(message);
    expect(out.stderr).not.toMatch(/\n\s+at |node:internal|ERR_[A-Z_]+/);
  });

  it("a package without an overlay: render-no-overlay naming it, and no staging copy left behind", () => {
    const pkg = join(repo.root, "no-overlay-package");
    mkdirSync(pkg);
    writeFileSync(join(pkg, "broken.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata: [not, a, mapping]\n");
    try {
      const out = render([pkg]);
      expect(out.status, out.stderr).toBe(1);
      expect(out.stderr).toBe("error: render-no-overlay: no overlay in no-overlay-package: no kustomization lists the `derived` component and no directory has a policy/policy.yaml\n");
      expect(out.leftovers).toEqual([]);
    } finally {
      rmSync(pkg, { recursive: true, force: true });
    }
  });
});
