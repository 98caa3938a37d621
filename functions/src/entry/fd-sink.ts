/**
 * Where the executable (cli.ts) writes its answer. process.stdout is a stream whose creation slowed
 * the start measurably, so the answer is written to the descriptor directly. A pipe its reader left
 * non-blocking refuses a write it cannot take whole at once (EAGAIN): from then on everything goes to
 * the stream, which waits for the reader, so no byte is lost and none is written out of order.
 */
export interface Sink {
  write(text: string): unknown;
}

export function fdSink(writeSync: (bytes: Uint8Array, offset: number) => number, stream: () => { write(bytes: Uint8Array): unknown }): Sink {
  let fallback: { write(bytes: Uint8Array): unknown } | undefined;
  return {
    write(text: string) {
      const bytes = Buffer.from(text, "utf8");
      let done = 0;
      while (fallback === undefined && done < bytes.length) {
        try {
          done += writeSync(bytes, done);
        } catch (err) {
          if ((err as { code?: unknown }).code !== "EAGAIN") throw err;
          fallback = stream();
        }
      }
      if (done < bytes.length) fallback!.write(bytes.subarray(done));
    },
  };
}
