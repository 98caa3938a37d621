import { PassThrough } from "node:stream";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { promptHidden } from "../../scripts/lib/prompt.ts";

/** A terminal: keys typed into stdin, what is shown on stderr, and whether echo is off (raw mode). */
class Terminal {
  readonly stdin = Object.assign(new PassThrough(), {
    isRaw: false,
    setRawMode: (raw: boolean) => {
      this.stdin.isRaw = raw;
      return this.stdin;
    },
  });
  readonly stderr = new PassThrough();
  shown = "";
  constructor() {
    this.stderr.setEncoding("utf8");
    this.stderr.on("data", (s: string) => void (this.shown += s));
  }
  type(keys: string): void {
    this.stdin.write(keys);
  }
}

let term: Terminal;
beforeEach(() => {
  term = new Terminal();
  vi.spyOn(process, "stdin", "get").mockReturnValue(term.stdin as unknown as typeof process.stdin);
  vi.spyOn(process, "stderr", "get").mockReturnValue(term.stderr as unknown as typeof process.stderr);
});
afterEach(() => {
  vi.restoreAllMocks();
});

const settled = () => new Promise((ok) => setImmediate(ok));

describe("promptHidden", () => {
  it("asks, reads up to Enter without echoing the value, then gives the terminal back", async () => {
    const answer = promptHidden("JWT_SECRET: ");
    await settled();
    expect(term.shown).toBe("JWT_SECRET: ");
    expect(term.stdin.isRaw).toBe(true);
    term.type("s3cr3t-");
    term.type("value\rignored");
    expect(await answer).toBe("s3cr3t-value");
    await settled();
    expect(term.shown).toBe("JWT_SECRET: \n");
    expect(term.stdin.isRaw).toBe(false);
    expect(term.stdin.isPaused()).toBe(true);
  });

  it("ends at a newline too, and backspace or delete removes the last character", async () => {
    const answer = promptHidden("? ");
    term.type("\u007fabx\bcy\u007f\u007fd\n");
    expect(await answer).toBe("abd");
  });

  it("rejects on Ctrl-C and still restores the terminal", async () => {
    const answer = promptHidden("? ");
    term.type("half\u0003more\r");
    await expect(answer).rejects.toThrow("interrupted");
    expect(term.stdin.isRaw).toBe(false);
    expect(term.shown).toBe("? \n");
  });

  it("leaves a finished prompt out of the next one: echo stays off while the second value is typed", async () => {
    const first = promptHidden("first: ");
    term.type("one\r");
    expect(await first).toBe("one");
    const second = promptHidden("second: ");
    term.type("tw");
    await settled();
    expect(term.stdin.isRaw).toBe(true);
    term.type("o\r");
    expect(await second).toBe("two");
    await settled();
    expect(term.shown).toBe("first: \nsecond: \n");
  });
});
