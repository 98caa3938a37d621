/**
 * The one-line-per-check report of `npm run doctor` and `npm run smoke`: what was checked, what was
 * seen and, where it is not ok, what to do about it.
 */
import { CommandError } from "./command.ts";
import type { ScriptCode } from "./codes.ts";

export type CheckState = "ok" | "warn" | "skip" | "fail";

export interface Check {
  /** stable name of the check, as docs/operations.md lists it */
  check: string;
  state: CheckState;
  /** what was seen; never a secret's value */
  seen: string;
  fix?: string;
}

export function formatCheck(c: Check): string {
  return `[${c.state}] ${c.check}: ${c.seen}${c.fix ? `; fix: ${c.fix}` : ""}`;
}

/** Ends a report: a failed check fails the command, with `code` and what would go wrong. */
export function verdict(checks: readonly Check[], code: ScriptCode, consequence: string): void {
  const failed = checks.filter((c) => c.state === "fail").map((c) => c.check);
  if (failed.length > 0) throw new CommandError(code, `${failed.length} of ${checks.length} checks failed (${[...new Set(failed)].join(", ")}): ${consequence}`);
}
