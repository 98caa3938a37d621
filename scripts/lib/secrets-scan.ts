/** Runs the gitleaks secret scanner with the repository's configuration and reads its findings. */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CommandError } from "./command.ts";
import { goInstalledTool, SETUP_HINT } from "./find-tool.ts";

export interface Finding {
  RuleID: string;
  File: string;
  StartLine: number;
  Commit?: string;
}

export function gitleaksBinary(): string {
  const found = goInstalledTool("gitleaks", "GITLEAKS");
  if ("path" in found) return found.path;
  throw new CommandError("tool-missing", `gitleaks not found (${found.missing}); ${SETUP_HINT}, or set GITLEAKS=/path/to/gitleaks`);
}

/** A gitleaks path regex matching exactly a `git ls-files --directory` entry (`dir/` covers what is under it). */
export function pathPattern(entry: string): string {
  const escaped = entry.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return `^${escaped}${entry.endsWith("/") ? "" : "$"}`;
}

/**
 * The config plus a global allowlist of the paths git ignores: `gitleaks dir` walks everything,
 * and ignored files (build output, the test control plane's generated keys) are not the repository.
 */
export function withIgnoredPaths(configText: string, ignored: readonly string[]): string {
  if (ignored.length === 0) return configText;
  const paths = ignored.map((p) => `'''${pathPattern(p)}'''`).join(", ");
  return `${configText}\n[[allowlists]]\ndescription = "ignored by git"\npaths = [${paths}]\n`;
}

function gitIgnored(root: string): string[] {
  if (!existsSync(join(root, ".git"))) return [];
  const out = execFileSync("git", ["ls-files", "--others", "--ignored", "--exclude-standard", "--directory"], { cwd: root, encoding: "utf8" });
  return out.split("\n").filter(Boolean);
}

/**
 * `mode` dir scans the files as they are (committed or not, git-ignored ones left out), git scans
 * every commit's patch. The scan runs from `root` with target `.`, so the config's path allowlist
 * sees repo-relative paths; --redact keeps matched values out of the report.
 */
export function scan(root: string, mode: "dir" | "git", config: string): Finding[] {
  const dir = mkdtempSync(join(tmpdir(), "ecom-gitleaks-"));
  try {
    const effective = join(dir, "gitleaks.toml");
    const text = readFileSync(config, "utf8");
    writeFileSync(effective, mode === "dir" ? withIgnoredPaths(text, gitIgnored(root)) : text);
    const r = spawnSync(
      gitleaksBinary(),
      [mode, ".", "--config", effective, "--redact", "--no-banner", "--log-level", "error", "--report-format", "json", "--report-path", "-", "--exit-code", "0"],
      { cwd: root, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
    );
    if (r.error || r.status !== 0) throw new CommandError("internal", `gitleaks ${mode} failed (exit ${r.status}): ${r.error?.message ?? r.stderr}`);
    return JSON.parse(r.stdout || "[]") as Finding[];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function describeFindings(findings: readonly Finding[]): string[] {
  return findings.map((f) => `${f.File}:${f.StartLine} ${f.RuleID}${f.Commit ? ` (commit ${f.Commit.slice(0, 7)})` : ""}`);
}
