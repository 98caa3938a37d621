/** The day-2 commands as the tests run them: in a copy of the repository, on overlays made from overlays/prod. */
import { spawn } from "node:child_process";
import { cpSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import type { BuiltObject } from "../../scripts/lib/built-object.ts";
import { parseAll, run, tool } from "./tools.ts";

export interface Ran {
  status: number;
  stdout: string;
  stderr: string;
}

export interface Running {
  /** what it printed so far */
  output: () => Ran;
  exited: () => boolean;
  done: Promise<Ran>;
}

/**
 * Starts `scripts/<script>` of `root` without blocking this process, for a test that acts while it
 * runs: a server of its own that the command talks to, a Job it completes.
 */
export function startCommand(root: string, script: string, args: string[], env: NodeJS.ProcessEnv): Running {
  const child = spawn(process.execPath, [join(root, "scripts", script), ...args], { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  let exited = false;
  child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const done = new Promise<Ran>((resolve) =>
    child.on("close", (code) => {
      exited = true;
      resolve({ status: code ?? 1, stdout, stderr });
    }),
  );
  return { output: () => ({ status: -1, stdout, stderr }), exited: () => exited, done };
}

/**
 * overlays/<env> in the copy at `root`: overlays/prod moved into namespace `ns`, with prod's policy
 * (the same Secrets provisioned outside git) and `extra` fields of its kustomization. Returns its build.
 */
export function prodOverlayIn(root: string, env: string, ns: string, extra: Record<string, unknown> = {}): BuiltObject[] {
  const dir = join(root, "overlays", env);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "kustomization.yaml"), stringify({ apiVersion: "kustomize.config.k8s.io/v1beta1", kind: "Kustomization", namespace: ns, resources: ["../prod"], ...extra }));
  cpSync(join(root, "overlays", "prod", "policy"), join(dir, "policy"), { recursive: true });
  return parseAll(run(tool("kustomize"), ["build", dir]), `overlays/${env}`);
}
