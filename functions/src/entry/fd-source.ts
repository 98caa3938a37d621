/**
 * How the executable (cli.ts) reads its input. process.stdin is a stream whose creation slowed the
 * start measurably, so stdin's descriptor is read directly. A pipe its writer left non-blocking
 * refuses a read while it is empty (EAGAIN, seen under kpt with Node.js 20): then the rest is read
 * from the stream, which waits for the writer.
 */
export interface Source {
  on(event: "data", listener: (chunk: Buffer) => void): unknown;
  on(event: "end", listener: () => void): unknown;
  on(event: "error", listener: (err: Error) => void): unknown;
}

export function readAll(readSync: (buffer: Buffer) => number, stream: () => Source): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for (;;) {
    const buffer = Buffer.allocUnsafe(65536);
    let read: number;
    try {
      read = readSync(buffer);
    } catch (err) {
      if ((err as { code?: unknown }).code !== "EAGAIN") return Promise.reject(err);
      return new Promise((done, fail) => {
        const rest = stream();
        rest.on("data", (chunk) => chunks.push(chunk));
        rest.on("end", () => done(Buffer.concat(chunks)));
        rest.on("error", fail);
      });
    }
    if (read === 0) return Promise.resolve(Buffer.concat(chunks));
    chunks.push(buffer.subarray(0, read));
  }
}
