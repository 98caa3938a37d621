import { CommandError } from "../../scripts/lib/command.ts";

/** The CommandError `fn` throws: what the operator would read. Any other outcome fails the test. */
export function commandError(fn: () => unknown): CommandError {
  try {
    fn();
  } catch (err) {
    if (err instanceof CommandError) return err;
    throw err;
  }
  throw new Error("expected a CommandError, but nothing was thrown");
}
