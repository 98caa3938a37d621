/** kubectl against the control plane that global-setup.ts started, with stderr kept even on success. */
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { inject } from "vitest";
import { stringify } from "yaml";
import { kustomizeBuild, parseAll, REPO_ROOT, tool } from "../support/tools.ts";
import type { BuiltObject } from "../../scripts/lib/built-object.ts";

export const FIELD_MANAGER = "ecom-deploy-tests";

export const toYaml = (objects: BuiltObject[]) => objects.map((o) => stringify(o)).join("---\n");

export interface KubectlResult {
  status: number;
  stdout: string;
  stderr: string;
  /** the command line, for failure messages */
  command: string;
}

export function kubeconfig(): string {
  const path = inject("clusterKubeconfig");
  if (!path) throw new Error("no control plane: test/cluster/global-setup.ts did not provide a kubeconfig");
  return path;
}

export function kubectl(args: string[], input?: string, env: Record<string, string> = {}): KubectlResult {
  const all = ["--kubeconfig", kubeconfig(), ...args];
  const out = spawnSync(tool("kubectl"), all, {
    cwd: REPO_ROOT,
    input,
    env: { ...process.env, ...env },
    encoding: "utf8",
    maxBuffer: 64 << 20,
    timeout: 120_000,
  });
  if (out.error) throw new Error(`kubectl ${args.join(" ")}: ${out.error.message}`);
  return { status: out.status ?? 1, stdout: out.stdout, stderr: out.stderr, command: `kubectl ${args.join(" ")}` };
}

/** Fails with kubectl's own words when it exits non-zero. */
export function kubectlOk(args: string[], input?: string): KubectlResult {
  const out = kubectl(args, input);
  if (out.status !== 0) throw new Error(`\`${out.command}\` failed (exit ${out.status}):\n${out.stderr.trim()}`);
  return out;
}

/** What `kubectl get -o yaml` returns for a List, as objects. */
export function getObjects(args: string[]): BuiltObject[] {
  const list = parseAll(kubectlOk(["get", ...args, "-o", "yaml"]).stdout, `kubectl get ${args.join(" ")}`)[0] as
    | { items?: BuiltObject[] }
    | undefined;
  return list?.items ?? [];
}

export async function eventually<T>(what: string, probe: () => T | undefined, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * A server-side dry run persists nothing, not even a Namespace, so every namespaced object of a
 * fresh build would be refused with "namespace not found": the Namespaces are created for real first.
 */
export function ensureNamespaces(objects: BuiltObject[]): void {
  const namespaces = objects.filter((o) => o.kind === "Namespace");
  if (namespaces.length > 0) kubectlOk(["apply", "--server-side", `--field-manager=${FIELD_MANAGER}`, "-f", "-"], toYaml(namespaces));
}

export function serverSideApply(yamlText: string, extra: string[] = []): KubectlResult {
  return kubectl(["apply", "--server-side", "--validate=strict", `--field-manager=${FIELD_MANAGER}`, ...extra, "-f", "-"], yamlText);
}

/**
 * Builds a kustomization moved into namespace `ns` by a wrapper kustomization in `scratch`, so test
 * files sharing the control plane never touch each other's objects. kustomize renames the build's one
 * Namespace along; a build without one gets it added.
 */
export function buildInNamespace(dir: string, ns: string, scratch: string): string {
  const hasNamespace = parseAll(kustomizeBuild(dir), dir).some((o) => o.kind === "Namespace");
  const wrapper = join(scratch, ns);
  mkdirSync(wrapper, { recursive: true });
  const resources = [relative(wrapper, dir)];
  if (!hasNamespace) {
    writeFileSync(join(wrapper, "namespace.yaml"), stringify({ apiVersion: "v1", kind: "Namespace", metadata: { name: ns } }));
    resources.push("namespace.yaml");
  }
  writeFileSync(
    join(wrapper, "kustomization.yaml"),
    stringify({ apiVersion: "kustomize.config.k8s.io/v1beta1", kind: "Kustomization", namespace: ns, resources }),
  );
  return kustomizeBuild(wrapper);
}

/**
 * The Flux Kustomizations of `file` (relative to the repository) with targetNamespace moved to `ns`,
 * written into `scratch`, so test files sharing the control plane never touch each other's objects.
 */
export function retargetFluxKustomizations(file: string, ns: string, scratch: string): string {
  const path = join(scratch, `${ns}.yaml`);
  const docs = parseAll(readFileSync(join(REPO_ROOT, file), "utf8"), file).map((o) => {
    const spec = o.spec as { targetNamespace?: string };
    if (!spec.targetNamespace) throw new Error(`${file} ${o.metadata.name}: no targetNamespace to move`);
    return { ...o, spec: { ...spec, targetNamespace: ns } };
  });
  writeFileSync(path, docs.map((d) => stringify(d)).join("---\n"));
  return path;
}
