import { describe, expect, it } from "vitest";
import { fdSink } from "../../src/entry/fd-sink.ts";

const eagain = () => Object.assign(new Error("EAGAIN: resource temporarily unavailable, write"), { code: "EAGAIN" });

/** A descriptor that takes at most `accepts[i]` bytes on its i-th write, and refuses with EAGAIN where that is null. */
function descriptor(accepts: (number | null)[]) {
  const written: number[] = [];
  let call = 0;
  const writeSync = (bytes: Uint8Array, offset: number) => {
    const take = accepts[call++];
    if (take === undefined) throw new Error("written to after the stream took over");
    if (take === null) throw eagain();
    const part = bytes.subarray(offset, offset + take);
    written.push(...part);
    return part.length;
  };
  const streamed: number[] = [];
  let streams = 0;
  const stream = () => {
    streams++;
    return { write: (bytes: Uint8Array) => streamed.push(...bytes) };
  };
  return { sink: fdSink(writeSync, stream), text: () => Buffer.from(written).toString(), streamed: () => Buffer.from(streamed).toString(), streams: () => streams };
}

describe("fdSink", () => {
  it("writes the text's UTF-8 bytes to the descriptor, however many writes it takes, and never creates the stream", () => {
    const fd = descriptor([3, 100, 100]);
    fd.sink.write("items: é\n");
    fd.sink.write("more");
    expect([fd.text(), fd.streamed(), fd.streams()]).toEqual(["items: é\nmore", "", 0]);
  });

  it("hands the rest to the stream once the descriptor refuses with EAGAIN, and everything after it too, in order", () => {
    const fd = descriptor([4, null]);
    fd.sink.write("apiVersion: v1\n");
    fd.sink.write("kind: List\n");
    expect([fd.text(), fd.streamed(), fd.streams()]).toEqual(["apiV", "ersion: v1\nkind: List\n", 1]);
  });

  it("writes nothing for an empty text", () => {
    const fd = descriptor([]);
    fd.sink.write("");
    expect([fd.text(), fd.streamed(), fd.streams()]).toEqual(["", "", 0]);
  });

  it("lets any other failure through", () => {
    const epipe = Object.assign(new Error("EPIPE: broken pipe, write"), { code: "EPIPE" });
    const sink = fdSink(() => {
      throw epipe;
    }, () => ({ write: () => undefined }));
    expect(() => sink.write("x")).toThrow(epipe);
  });
});
