/**
 * The getmeili/meilisearch image, played by the stand-in server of meilisearch-standin.ts (no
 * Meilisearch server can be installed here; that file says why and what it does not do). It runs
 * with the Node.js that runs the rehearsal, mounted read-only into the container, and keeps the
 * image's settings: MEILI_HTTP_ADDR 0.0.0.0:7700, working directory /meili_data.
 */
import { realpathSync } from "node:fs";
import { basename, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import type { ImageFs } from "./image.ts";
import { buildLayer, LAYER_AT, STANDARD_PATH } from "./images-layer.ts";

const NODE_AT = `${LAYER_AT}/lib/node-runtime`;
const SCRIPT_AT = `${LAYER_AT}/lib/meilisearch-standin/meilisearch-standin.mts`;

/** Where the stand-in appends its request log inside the container unless the caller names another path: the data volume. */
export const DEFAULT_REQUEST_LOG = "/meili_data/standin-requests.jsonl";

export function meilisearchImage(ref: string, opts: { requestLog?: string; log: (line: string) => void }): ImageFs {
  const major = Number(process.versions.node.split(".")[0]);
  // Node runs the stand-in's TypeScript as it is (type stripping, on by default from Node 23.6).
  if (major < 24) throw new Error(`${ref}: the Meilisearch stand-in needs Node.js 24 to run it, this is ${process.version}`);
  const node = realpathSync(process.execPath);
  const layer = buildLayer("meilisearch-standin", [
    { path: "lib/meilisearch-standin/meilisearch-standin.mts", copyOf: fileURLToPath(new URL("./meilisearch-standin.ts", import.meta.url)), mode: 0o644 },
    { path: "lib/node-runtime", dir: true },
    {
      path: "bin/meilisearch",
      mode: 0o755,
      content: `#!/bin/sh\nexec ${NODE_AT}/${basename(node)} --disable-warning=ExperimentalWarning ${SCRIPT_AT} "$@"\n`,
    },
  ]);
  opts.log(`${ref}: played by the Meilisearch stand-in (no Meilisearch server is installable here)`);
  return {
    ref,
    layers: [
      { host: layer, at: LAYER_AT },
      { host: dirname(node), at: NODE_AT },
    ],
    cmd: ["/usr/local/bin/meilisearch"],
    workingDir: "/meili_data",
    env: {
      PATH: STANDARD_PATH,
      MEILI_HTTP_ADDR: "0.0.0.0:7700",
      MEILI_SERVER_PROVIDER: "docker",
      MEILI_STANDIN_REQUEST_LOG: opts.requestLog ?? DEFAULT_REQUEST_LOG,
    },
  };
}
