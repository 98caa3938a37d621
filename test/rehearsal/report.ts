/**
 * What the rehearsal prints: one line per check (`ok` or `FAIL`, its name, what was seen) and per
 * measurement, and at the end the plain `N passed, N failed` line CI reads. A failed check never
 * stops the others that do not depend on it; a step whose failure leaves nothing to check throws.
 */
export class Report {
  readonly lines: string[] = [];
  passed = 0;
  failed = 0;
  private readonly started = Date.now();
  private readonly prefix: string;
  private readonly out: (line: string) => void;

  constructor(prefix: string, out: (line: string) => void = (l) => console.log(l)) {
    this.prefix = prefix;
    this.out = out;
  }

  private emit(line: string): void {
    this.lines.push(line);
    this.out(`${this.prefix} ${line}`);
  }

  /** Set when a rehearsal only has to show that something fails: the first failure ends it. */
  stopAtFirstFailure = false;

  /** The failed checks' lines, prefix included: repeated at the end, where a log's tail shows them. */
  readonly failures: string[] = [];

  check(name: string, ok: boolean, seen: string): boolean {
    if (ok) this.passed++;
    else this.failed++;
    this.emit(`${ok ? "ok  " : "FAIL"} ${name}: ${seen}`);
    if (!ok) this.failures.push(`${this.prefix} ${this.lines.at(-1)}`);
    if (!ok && this.stopAtFirstFailure) throw new StopRehearsal();
    return ok;
  }

  /** A check whose body throws is a failed check with the thrown message. */
  async attempt(name: string, body: () => Promise<string>): Promise<boolean> {
    let seen: string;
    try {
      seen = await body();
    } catch (err) {
      if (err instanceof StopRehearsal) throw err;
      return this.check(name, false, err instanceof Error ? err.message : String(err));
    }
    return this.check(name, true, seen);
  }

  measure(name: string, value: string): void {
    this.emit(`time ${name}: ${value}`);
  }

  note(text: string): void {
    this.emit(`note ${text}`);
  }

  summary(): string {
    return `${this.passed} passed, ${this.failed} failed`;
  }

  elapsed(): string {
    return seconds(Date.now() - this.started);
  }
}

/** Thrown by a failed check when the report stops at the first failure. */
export class StopRehearsal extends Error {
  constructor() {
    super("stopped at the first failed check");
  }
}

export const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
export const mib = (bytes: number | undefined): string => (bytes === undefined ? "unknown" : `${Math.round(bytes / 2 ** 20)} MiB`);

/** Throws with the message unless the condition holds: for steps the rest of the rehearsal builds on. */
export function must(ok: boolean, message: string): asserts ok {
  if (!ok) throw new Error(message);
}
