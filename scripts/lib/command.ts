/** How every command ends on an operator error: one message with its code on stderr, exit 1, no stack. */
import { relative } from "node:path";
import type { ScriptCode } from "./codes.ts";
import { REPO_ROOT } from "./repo-root.ts";

/** An error the operator can act on, with its stable code (docs/errors.md). */
export class CommandError extends Error {
  readonly code: ScriptCode;
  constructor(code: ScriptCode, message: string) {
    super(message);
    this.code = code;
  }
}

/**
 * Runs a command's body. A bad flag, a missing value or a file that cannot be
 * read is the operator's to fix, and the one line says how; never a stack.
 */
export async function main(fn: () => Promise<void> | void, usage: string): Promise<void> {
  try {
    await fn();
  } catch (err) {
    // A command that checks several things at once (render: every overlay) reports each it refused.
    for (const one of err instanceof AggregateError ? err.errors : [err]) {
      const { code, message } = describeError(one, usage);
      // A bare usage line already starts with its code.
      console.error(`error: ${message.startsWith(`${code}: `) ? message : `${code}: ${message}`}`);
    }
    process.exit(1);
  }
}

export function describeError(err: unknown, usage: string): { code: ScriptCode; message: string } {
  if (err instanceof CommandError) return { code: err.code, message: err.message };
  const e = err as { code?: unknown; path?: unknown; message?: unknown };
  const message = typeof e?.message === "string" ? e.message : String(err);
  // node:util parseArgs: an unknown flag or a flag without its value.
  if (typeof e?.code === "string" && e.code.startsWith("ERR_PARSE_ARGS_")) return { code: "usage", message: `${message.split(". To specify")[0]}\n${usage}` };
  if (typeof e?.code === "string" && typeof e.path === "string") return { code: "cannot-read", message: `cannot read ${relative(REPO_ROOT, e.path) || e.path}: ${e.code}` };
  // A JavaScript fault is ours to fix; a plain Error comes from the pure modules reading the overlay
  // (lib/overlay.ts, lib/deploy.ts) and already says what is wrong with it.
  const fault = err instanceof TypeError || err instanceof RangeError || err instanceof ReferenceError || !(err instanceof Error);
  return { code: fault ? "internal" : "overlay-facts", message };
}
