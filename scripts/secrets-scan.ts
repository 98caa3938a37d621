// npm run secrets:scan
// The secret guard the test suite runs: gitleaks over the working tree and the git history.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { CommandError, main } from "./lib/command.ts";
import { REPO_ROOT } from "./lib/repo-root.ts";
import { describeFindings, scan } from "./lib/secrets-scan.ts";

const USAGE = "usage: npm run secrets:scan";

await main(() => {
  parseArgs({ options: {}, allowPositionals: false });
  const config = join(REPO_ROOT, ".gitleaks.toml");
  const findings = [...scan(REPO_ROOT, "dir", config), ...(existsSync(join(REPO_ROOT, ".git")) ? scan(REPO_ROOT, "git", config) : [])];
  if (findings.length > 0) {
    throw new CommandError("secrets-found", `gitleaks: ${findings.length} finding(s), values redacted:\n  ${describeFindings(findings).join("\n  ")}`);
  }
  console.log("gitleaks: no secrets found in the working tree or the history");
}, USAGE);
