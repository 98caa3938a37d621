/**
 * The redis image (redis:<tag>) from Debian's redis-server. The entrypoint is our own and does what the
 * official one does: options alone run through redis-server, root drops to the redis user, and the
 * umask tightens to 0077. It also turns protected mode off unless the arguments set it: the official
 * image compiles that default out, while Debian's build keeps it, and with it a server without a
 * password refuses every client that is not on loopback.
 *
 * Debian 12 ships Redis 7.0; redis:7-alpine follows the newest 7.x. The commands Medusa sends (event
 * bus, workflow engine, cache, locks) are all in 7.0.
 */
import type { ImageFs } from "./image.ts";
import { buildLayer, LAYER_AT, requireHostFile, STANDARD_PATH } from "./images-layer.ts";

/** The alpine image's `redis` user: uid 999 in group 1000 (the manifest runs as them). */
const REDIS_UID = 999;
const REDIS_GID = 1000;

export function redisImage(ref: string): ImageFs {
  const server = requireHostFile(ref, "/usr/bin/redis-server", "redis-server");
  const cli = requireHostFile(ref, "/usr/bin/redis-cli", "redis-tools");
  const layer = buildLayer("redis", [
    { path: "bin/docker-entrypoint.sh", content: entrypointScript(), mode: 0o755 },
    { path: "bin/redis-server", symlink: server },
    { path: "bin/redis-cli", symlink: cli },
  ]);
  return {
    ref,
    layers: [{ host: layer, at: LAYER_AT }],
    entrypoint: ["docker-entrypoint.sh"],
    cmd: ["redis-server"],
    workingDir: "/data",
    env: { PATH: STANDARD_PATH },
    accounts: [{ name: "redis", uid: REDIS_UID, gid: REDIS_GID, home: "/data" }],
  };
}

function entrypointScript(): string {
  return `#!/bin/sh
set -e

# Options or a config file alone: run them through redis-server.
if [ "\${1#-}" != "$1" ] || [ "\${1%.conf}" != "$1" ]; then set -- redis-server "$@"; fi

if [ "$1" = redis-server ]; then
  protected=
  for arg in "$@"; do
    case "$arg" in --protected-mode|*.conf) protected=set ;; esac
  done
  [ -n "$protected" ] || set -- "$@" --protected-mode no

  if [ "$(id -u)" = 0 ]; then
    find . ! -user ${REDIS_UID} -exec chown ${REDIS_UID}:${REDIS_GID} {} + 2>/dev/null || :
    exec setpriv --reuid=${REDIS_UID} --regid=${REDIS_GID} --clear-groups "$0" "$@"
  fi
fi

if [ "$(umask)" = 0022 ]; then umask 0077; fi
exec "$@"
`;
}
