/**
 * STAND-IN for the demo-asset host the shop's seed script downloads from (assets.agilo.com): the seed
 * fetches each product, collection and type image over HTTPS and uploads it to the object store, and
 * the rehearsal has no internet. This server answers every `.png` path with a small generated PNG
 * (its colour derived from the path, so images differ), anything else with 404, over HTTPS with the
 * certificate it is given. Each request is appended as a JSON line to ASSETS_REQUEST_LOG if set.
 *
 * Runs on its own with Node 24 (`node images-external-assets-server.ts`): only Node's built-ins.
 * Environment: ASSETS_CERT, ASSETS_KEY (PEM files), ASSETS_PORT (default 443), ASSETS_REQUEST_LOG.
 */
import { createHash } from "node:crypto";
import { appendFileSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import { crc32, deflateSync } from "node:zlib";

/** A `size`×`size` PNG filled with one RGB colour. */
export function solidPng(rgb: readonly [number, number, number], size = 64): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length, 0);
    head.write(type, 4, "ascii");
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
    return Buffer.concat([head, data, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // truecolour
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({ length: size }, () => rgb).flat())]);
  const pixels = Buffer.concat(Array.from({ length: size }, () => row));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(pixels)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

/** The image served for a path: same path, same bytes. */
export function pngFor(path: string): Buffer {
  const h = createHash("sha256").update(path).digest();
  return solidPng([h[0] ?? 0, h[1] ?? 0, h[2] ?? 0]);
}

export function startExternalAssetsServer(options: { cert: string | Buffer; key: string | Buffer; port: number; host?: string; requestLog?: string }): Promise<{ server: Server; port: number }> {
  const server = createServer({ cert: options.cert, key: options.key }, (req, res) => {
    const path = new URL(req.url ?? "/", "https://assets").pathname;
    const found = (req.method === "GET" || req.method === "HEAD") && path.toLowerCase().endsWith(".png");
    if (found) {
      const body = pngFor(path);
      res.writeHead(200, { "content-type": "image/png", "content-length": body.length, "cache-control": "public, max-age=31536000" });
      res.end(req.method === "HEAD" ? undefined : body);
    } else {
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("not found\n");
    }
    const entry = { time: new Date().toISOString(), method: req.method, host: req.headers.host, path, status: found ? 200 : 404 };
    if (options.requestLog) appendFileSync(options.requestLog, `${JSON.stringify(entry)}\n`);
    console.log(`${entry.method} ${entry.host ?? ""}${path} ${entry.status}`);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host ?? "0.0.0.0", () => {
      const a = server.address();
      resolve({ server, port: a && typeof a === "object" ? a.port : options.port });
    });
  });
}

async function main(): Promise<void> {
  const env = process.env;
  try {
    if (!env.ASSETS_CERT || !env.ASSETS_KEY) throw new Error("ASSETS_CERT and ASSETS_KEY must name the certificate and key files");
    const { port } = await startExternalAssetsServer({
      cert: readFileSync(env.ASSETS_CERT),
      key: readFileSync(env.ASSETS_KEY),
      port: Number(env.ASSETS_PORT ?? 443),
      ...(env.ASSETS_REQUEST_LOG ? { requestLog: env.ASSETS_REQUEST_LOG } : {}),
    });
    console.log(`external assets stand-in (generated PNGs, not the real assets) listening on https port ${port}`);
  } catch (err) {
    console.error(`external assets stand-in: ${(err as Error).message}`);
    process.exit(1);
  }
}

if (import.meta.main) void main();
