/**
 * The host the seed script downloads its demo images from, played by the stand-in server of
 * images-external-assets-server.ts. The seed (medusa/src/scripts/seed.ts) fetches 54 PNGs from
 * https://assets.agilo.com/fashion-starter/... and uploads them to the object store; without an answer
 * it stops halfway and leaves half a catalogue. It is no image of the manifests: the rehearsal runs it
 * like one, maps the names in `hostnames` to its address in every pod's /etc/hosts, and gives the
 * seed container NODE_EXTRA_CA_CERTS pointing at `caCert` (mounted read-only), since the seed fetches
 * over HTTPS and Node trusts only its own CA list.
 */
import { realpathSync } from "node:fs";
import { basename, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import type { ImageFs } from "./image.ts";
import { buildLayer, LAYER_AT, STANDARD_PATH } from "./images-layer.ts";
import { rehearsalCertificates } from "./images-tls.ts";

/** The hosts the seed downloads from. */
export const EXTERNAL_ASSET_HOSTS = ["assets.agilo.com"] as const;

export interface ExternalAssets {
  image: ImageFs;
  /** Names to resolve to the stand-in's address. */
  hostnames: string[];
  /** Port it listens on inside its own network namespace (HTTPS); needs root or CAP_NET_BIND_SERVICE. */
  port: number;
  /** Host path of the CA certificate clients must trust (NODE_EXTRA_CA_CERTS for Node.js). */
  caCert: string;
}

export function externalAssets(opts: { log: (line: string) => void }): ExternalAssets {
  const ref = "external-assets";
  const major = Number(process.versions.node.split(".")[0]);
  if (major < 24) throw new Error(`${ref}: the stand-in needs Node.js 24 to run it, this is ${process.version}`);
  const tls = rehearsalCertificates(ref, "external-assets", EXTERNAL_ASSET_HOSTS);
  const node = realpathSync(process.execPath);
  const nodeAt = `${LAYER_AT}/lib/node-runtime`;
  const script = `${LAYER_AT}/lib/external-assets/server.mts`;
  const layer = buildLayer("external-assets", [
    { path: "lib/external-assets/server.mts", copyOf: fileURLToPath(new URL("./images-external-assets-server.ts", import.meta.url)), mode: 0o644 },
    { path: "share/external-assets/server.crt", copyOf: tls.cert, mode: 0o644 },
    { path: "share/external-assets/server.key", copyOf: tls.key, mode: 0o644 },
    { path: "lib/node-runtime", dir: true },
    { path: "bin/external-assets", mode: 0o755, content: `#!/bin/sh\nexec ${nodeAt}/${basename(node)} --disable-warning=ExperimentalWarning ${script} "$@"\n` },
  ]);
  opts.log(`${ref}: serves generated PNGs for ${EXTERNAL_ASSET_HOSTS.join(", ")} over HTTPS`);
  return {
    image: {
      ref,
      layers: [
        { host: layer, at: LAYER_AT },
        { host: dirname(node), at: nodeAt },
      ],
      cmd: ["/usr/local/bin/external-assets"],
      env: {
        PATH: STANDARD_PATH,
        ASSETS_CERT: `${LAYER_AT}/share/external-assets/server.crt`,
        ASSETS_KEY: `${LAYER_AT}/share/external-assets/server.key`,
        ASSETS_PORT: "443",
      },
      user: { uid: 0, gid: 0 },
    },
    hostnames: [...EXTERNAL_ASSET_HOSTS],
    port: 443,
    caCert: tls.ca,
  };
}
