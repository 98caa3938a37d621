/** Runs kubectl for the commands; all decisions live in the pure modules beside this one. */
import { spawn, spawnSync } from "node:child_process";
import { CommandError } from "./command.ts";
import type { BuiltObject } from "./built-object.ts";
import { redact } from "./redact.ts";

export interface Ran {
  status: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs kubectl. Values reach it only through stdin or files, never argv (visible to every local
 * user in `ps`); `secrets` are scrubbed from anything it prints before an error carries it on.
 */
export function kubectl(args: string[], opts: { input?: string; secrets?: readonly string[]; allowFailure?: boolean } = {}): Ran {
  const r = spawnSync(process.env.KUBECTL ?? "kubectl", args, { input: opts.input, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw new CommandError("tool-missing", `cannot run kubectl: ${r.error.message}`);
  const ran = { status: r.status ?? 1, stdout: r.stdout, stderr: redact(r.stderr, opts.secrets ?? []) };
  if (ran.status !== 0 && !opts.allowFailure) {
    throw new CommandError("kubectl-failed", `kubectl ${args[0]} failed (exit ${ran.status}):\n${ran.stderr.trim()}`);
  }
  return ran;
}

/** Resolves when kubectl exits, with its exit code; `signal` kills it. Its output is not read, so none is kept: a pipe nobody drains could stall it. */
export function kubectlAsync(args: string[], signal: AbortSignal): Promise<number> {
  return new Promise((done) => {
    const child = spawn(process.env.KUBECTL ?? "kubectl", args, { stdio: "ignore", signal });
    child.on("error", () => done(1));
    child.on("close", (code) => done(code ?? 1));
  });
}

export function toYamlStream(objects: readonly BuiltObject[]): string {
  // JSON is YAML; kubectl reads a stream of documents either way.
  return objects.map((o) => `---\n${JSON.stringify(o)}\n`).join("");
}
