/** The pinned tool versions from tools/versions.env, the list tools/setup.sh, CI and the workflows share. */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const VERSIONS_FILE = fileURLToPath(new URL("../../tools/versions.env", import.meta.url));

export type ToolVersion =
  | "KUSTOMIZE_VERSION" | "GITLEAKS_VERSION" | "KUBE_SCORE_VERSION" | "CHECKOV_VERSION" | "KUBECTL_VERSION" | "KPT_VERSION"
  | "FN_BUILD_IMAGE" | "FN_RUNTIME_IMAGE" | "NODE_UNSUPPORTED_VERSION";

/** `KEY=VALUE` lines; comments and blank lines are skipped, anything else is refused. */
export function parseVersions(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  text.split("\n").forEach((line, i) => {
    const trimmed = line.trim();
    if (trimmed === "" || trimmed.startsWith("#")) return;
    const m = /^([A-Z][A-Z0-9_]*)=([^\s"'$`]+)$/.exec(trimmed);
    if (!m) throw new Error(`tools/versions.env:${i + 1}: expected KEY=VALUE with a plain value, got ${JSON.stringify(line)}`);
    out[m[1]!] = m[2]!;
  });
  return out;
}

export function toolVersion(key: ToolVersion): string {
  const version = parseVersions(readFileSync(VERSIONS_FILE, "utf8"))[key];
  if (!version) throw new Error(`tools/versions.env has no ${key}`);
  return version;
}
