// npm run secrets:scan
// The secret guard the test suite runs: gitleaks over the working tree and the git history.
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { ScriptCode } from "./lib/codes.ts";
import { describeFindings, scan } from "./lib/secrets-scan.ts";
import { REPO_ROOT } from "./lib/repo-root.ts";

const config = join(REPO_ROOT, ".gitleaks.toml");
const findings = [...scan(REPO_ROOT, "dir", config), ...(existsSync(join(REPO_ROOT, ".git")) ? scan(REPO_ROOT, "git", config) : [])];
if (findings.length > 0) {
  const code: ScriptCode = "secrets-found";
  console.error(`error: ${code}: gitleaks: ${findings.length} finding(s), values redacted:\n  ${describeFindings(findings).join("\n  ")}`);
  process.exit(1);
}
console.log("gitleaks: no secrets found in the working tree or the history");
