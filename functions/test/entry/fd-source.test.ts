import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import { readAll } from "../../src/entry/fd-source.ts";

const failure = (code: string) => Object.assign(new Error(`${code}: read`), { code });

/** A descriptor that gives `pieces` one read at a time: a string is read, null is EAGAIN, and after the last piece, end of file. */
function descriptor(pieces: (string | null)[]) {
  let call = 0;
  return (buffer: Buffer) => {
    if (call >= pieces.length) return 0;
    const piece = pieces[call++];
    if (piece === null) throw failure("EAGAIN");
    return buffer.write(piece!);
  };
}

describe("readAll", () => {
  it("reads the descriptor to its end, read by read, without the stream", async () => {
    let streams = 0;
    const input = await readAll(descriptor(["apiVersion: v1\n", "kind: Lé", "st\n"]), () => {
      streams++;
      return new EventEmitter();
    });
    expect([input.toString(), streams]).toEqual(["apiVersion: v1\nkind: Lést\n", 0]);
  });

  it("reads more than one buffer's worth", async () => {
    const big = "x".repeat(65536);
    const input = await readAll(descriptor([big, big, "y"]), () => new EventEmitter());
    expect(input.length).toBe(2 * 65536 + 1);
    expect(input.subarray(-2).toString()).toBe("xy");
  });

  it("reads an empty input as empty", async () => {
    expect((await readAll(descriptor([]), () => new EventEmitter())).length).toBe(0);
  });

  it("reads the rest from the stream once the descriptor refuses with EAGAIN, after what it read already", async () => {
    const rest = new EventEmitter();
    const reading = readAll(descriptor(["items:\n", null]), () => rest);
    rest.emit("data", Buffer.from("- a\n"));
    rest.emit("data", Buffer.from("- b\n"));
    rest.emit("end");
    expect((await reading).toString()).toBe("items:\n- a\n- b\n");
  });

  it("fails with the stream's error, or with any other failure of the descriptor", async () => {
    const rest = new EventEmitter();
    const reading = readAll(descriptor([null]), () => rest);
    const broken = new Error("stream broke");
    rest.emit("error", broken);
    await expect(reading).rejects.toBe(broken);
    const ebadf = failure("EBADF");
    await expect(readAll(() => {
      throw ebadf;
    }, () => new EventEmitter())).rejects.toBe(ebadf);
  });
});
