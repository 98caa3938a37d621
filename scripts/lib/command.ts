/** How every command ends on an operator error: one message on stderr, exit 1, no stack. */
import { relative } from "node:path";
import { REPO_ROOT } from "./repo.ts";

export class CommandError extends Error {}

/**
 * Runs a command's body. A bad flag, a missing value or a file that cannot be
 * read is the operator's to fix, and the one line says how; never a stack.
 */
export async function main(fn: () => Promise<void> | void, usage: string): Promise<void> {
  try {
    await fn();
  } catch (err) {
    console.error(`error: ${messageOf(err, usage)}`);
    process.exit(1);
  }
}

export function messageOf(err: unknown, usage: string): string {
  if (err instanceof CommandError) return err.message;
  const e = err as { code?: unknown; path?: unknown; message?: unknown };
  const message = typeof e?.message === "string" ? e.message : String(err);
  // node:util parseArgs: an unknown flag or a flag without its value.
  if (typeof e?.code === "string" && e.code.startsWith("ERR_PARSE_ARGS_")) return `${message.split(". To specify")[0]}\n${usage}`;
  if (typeof e?.code === "string" && typeof e.path === "string") return `cannot read ${relative(REPO_ROOT, e.path) || e.path}: ${e.code}`;
  return message;
}
