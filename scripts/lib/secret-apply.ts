/**
 * Reads and writes Secrets through kubectl without a value ever reaching argv, stdout, stderr or
 * the repository: values go into files in a private temporary directory that is removed afterwards.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CommandError } from "./command.ts";
import { kubectl, toYamlStream } from "./kubectl.ts";
import type { BuiltObject } from "./built-object.ts";

/** Decoded data of a Secret, or undefined when there is none. */
export function readSecret(namespace: string, name: string): Record<string, string> | undefined {
  return secretData(kubectl(["get", "secret", "--namespace", namespace, name, "--ignore-not-found", "-o", "json"]).stdout);
}

/** The decoded data in what `kubectl get secret --ignore-not-found -o json` printed: nothing when there is no such Secret. */
export function secretData(printed: string): Record<string, string> | undefined {
  const out = printed.trim();
  if (!out) return undefined;
  const data = (JSON.parse(out) as { data?: Record<string, string> }).data ?? {};
  return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, "base64").toString("utf8")]));
}

export function applyNamespace(ns: BuiltObject): void {
  process.stdout.write(kubectl(["apply", "-f", "-"], { input: toYamlStream([ns]) }).stdout);
}

/**
 * `kubectl create secret … --dry-run=client -o yaml | kubectl apply -f -`, the create side reading
 * each value from its own file (so values may hold any character) and the manifest passed on in memory.
 */
export function applySecret(
  namespace: string,
  name: string,
  files: Record<string, string>,
  opts: { type?: string; alsoRedact?: readonly string[] } = {},
): void {
  const secrets = [...Object.values(files), ...(opts.alsoRedact ?? [])];
  const createArgs = ["generic", ...(opts.type ? [`--type=${opts.type}`] : [])];
  // mkdtemp creates the directory 0700: no other local user can read the files in it, whatever their mode.
  const dir = mkdtempSync(join(tmpdir(), "ecom-secret-"));
  try {
    const fromFile = Object.entries(files).map(([key, value], i) => {
      const path = join(dir, String(i));
      writeFileSync(path, value);
      return `--from-file=${key}=${path}`;
    });
    const manifest = kubectl(["create", "secret", ...createArgs, name, "--namespace", namespace, ...fromFile, "--dry-run=client", "-o", "yaml"], { secrets }).stdout;
    process.stdout.write(kubectl(["apply", "-f", "-"], { input: manifest, secrets }).stdout);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function requireNoShippedSecrets(objects: readonly BuiltObject[], names: readonly string[], env: string): void {
  const shipped = objects.filter((o) => (o.kind === "Secret" || o.kind === "ExternalSecret") && names.includes(o.metadata.name));
  if (shipped.length > 0) {
    throw new CommandError(
      "secrets-shipped",
      `overlays/${env} already provides ${shipped.map((o) => `${o.kind} ${o.metadata.name}`).join(", ")}; ` +
        "a deploy would overwrite what this command writes. Use it only for overlays that leave these Secrets to the cluster.",
    );
  }
}
