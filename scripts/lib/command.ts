/** How every command ends on an operator error: one message on stderr, exit 1, no stack. */

export class CommandError extends Error {}

export async function main(fn: () => Promise<void> | void): Promise<void> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof CommandError) {
      console.error(`error: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
}
