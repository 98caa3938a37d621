/**
 * The postgres image (postgres:<tag>) from Debian's PostgreSQL: the server and client programs of the
 * host's postgresql package, and an entrypoint of our own that does what the official image's does for
 * the way the manifests run it: on an empty PGDATA, initdb as the database user with POSTGRES_USER,
 * POSTGRES_PASSWORD, POSTGRES_DB and POSTGRES_INITDB_ARGS, listen on every address, password
 * (scram-sha-256) authentication for connections from other hosts; then postgres in the foreground.
 *
 * Debian 12 ships PostgreSQL 15 while the manifests name 17: the server speaks the same protocol and
 * SQL the shop uses, but an on-disk data directory of one cannot be opened by the other.
 *
 * With `tls`, the image behaves like the owner's production database (Crunchy PGO): TLS on, and
 * pg_hba accepts TCP connections only over TLS, so a client that does not ask for it
 * (sslmode=require) is refused. Its certificate is signed by a CA made for the rehearsal, as PGO signs
 * with its own cluster CA that no client trusts by default.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { ImageFs } from "./image.ts";
import { buildLayer, LAYER_AT, requireHostFile, STANDARD_PATH, type LayerEntry } from "./images-layer.ts";
import { rehearsalCertificates } from "./images-tls.ts";

/** uid/gid of the `postgres` account in the official image (Alpine: 70; the manifest runs as it). */
const POSTGRES_ID = 70;

/** The programs the entrypoint and the probes call by name, as the official image has them on PATH. */
const PROGRAMS = ["postgres", "initdb", "pg_ctl", "pg_isready", "psql", "pg_dump", "pg_restore", "createdb", "dropdb", "createuser", "pg_controldata"];

/** Where the TLS variant's certificate and key sit in the layer; the entrypoint copies them into PGDATA. */
const TLS_DIR = "share/postgresql-tls";

export interface PostgresImage extends ImageFs {
  /** The official image's STOPSIGNAL: a fast shutdown, where SIGTERM would wait for every client. */
  stopSignal: NodeJS.Signals;
  /** Host path of the CA certificate that signed the TLS variant's server certificate (for sslrootcert). */
  tlsCaCert?: string;
}

/** Debian's newest installed PostgreSQL major version and its bin directory; throws when none is installed. */
export function debianPostgres(ref: string, root = "/usr/lib/postgresql"): { major: number; bin: string } {
  const majors = existsSync(root)
    ? readdirSync(root).filter((d) => /^\d+$/.test(d) && existsSync(join(root, d, "bin", "postgres"))).map(Number).sort((a, b) => b - a)
    : [];
  const major = majors[0];
  if (major === undefined) throw new Error(`${ref}: no PostgreSQL server under ${root}: install the Debian package postgresql`);
  return { major, bin: join(root, String(major), "bin") };
}

export function postgresImage(ref: string, opts: { tls: boolean; log: (line: string) => void }): PostgresImage {
  const { major, bin } = debianPostgres(ref);
  const wanted = /^(\d+)/.exec(ref.split(":")[1] ?? "")?.[1];
  if (wanted && Number(wanted) !== major) opts.log(`${ref}: using Debian's PostgreSQL ${major} (the image runs ${wanted})`);
  for (const p of ["pg_isready", "psql"]) requireHostFile(ref, join(bin, p), `postgresql-client-${major}`);

  const entries: LayerEntry[] = [
    { path: "bin/docker-entrypoint.sh", content: entrypointScript(), mode: 0o755 },
    ...PROGRAMS.filter((p) => existsSync(join(bin, p))).map((p) => ({ path: `bin/${p}`, symlink: join(bin, p) })),
  ];
  let tlsCaCert: string | undefined;
  if (opts.tls) {
    // The names cover the Service the manifests use and the owner's PgBouncer Service.
    const tls = rehearsalCertificates(ref, "postgres", ["postgres", "postgres-pgbouncer", "localhost"], ["127.0.0.1"]);
    tlsCaCert = tls.ca;
    entries.push(
      { path: `${TLS_DIR}/server.crt`, copyOf: tls.cert, mode: 0o644 },
      // Readable by the server's uid only after the entrypoint copies it into PGDATA with mode 0600.
      { path: `${TLS_DIR}/server.key`, copyOf: tls.key, mode: 0o644 },
      { path: `${TLS_DIR}/ca.crt`, copyOf: tls.ca, mode: 0o644 },
    );
  }
  const layer = buildLayer(opts.tls ? "postgres-tls" : "postgres", entries);

  return {
    ref,
    layers: [{ host: layer, at: LAYER_AT }],
    entrypoint: ["docker-entrypoint.sh"],
    cmd: ["postgres"],
    env: {
      PATH: STANDARD_PATH,
      // The official image sets en_US.utf8; Debian has only C.UTF-8 without the locales package. Both give UTF8 databases.
      LANG: "C.UTF-8",
      PG_MAJOR: String(major),
      PGDATA: "/var/lib/postgresql/data",
      ...(opts.tls ? { REHEARSAL_PG_TLS_DIR: `${LAYER_AT}/${TLS_DIR}` } : {}),
    },
    accounts: [{ name: "postgres", uid: POSTGRES_ID, gid: POSTGRES_ID, home: "/var/lib/postgresql" }],
    stopSignal: "SIGINT",
    ...(tlsCaCert ? { tlsCaCert } : {}),
  };
}

/**
 * The entrypoint, our own: the official image's behaviour for `postgres` with an empty PGDATA, minus
 * what the manifests never use (/docker-entrypoint-initdb.d, POSTGRES_INITDB_WALDIR, Docker secrets
 * files). The database is created in single-user mode instead of through a temporary server; either
 * way nothing listens on TCP until initialisation is over. Started as root, it drops to the postgres
 * user with setpriv (util-linux) where the official image has su-exec.
 */
function entrypointScript(): string {
  return `#!/bin/sh
set -eu

# Options only: run them through postgres, as the official image does.
if [ "\${1#-}" != "$1" ]; then set -- postgres "$@"; fi
if [ "$1" != postgres ]; then exec "$@"; fi

: "\${PGDATA:?PGDATA is not set}"

if [ "$(id -u)" = 0 ]; then
  mkdir -p "$PGDATA" /var/run/postgresql
  chown -R ${POSTGRES_ID}:${POSTGRES_ID} "$PGDATA" /var/run/postgresql
  chmod 700 "$PGDATA"
  exec setpriv --reuid=${POSTGRES_ID} --regid=${POSTGRES_ID} --clear-groups "$0" "$@"
fi

mkdir -p "$PGDATA"
chmod 700 "$PGDATA" 2>/dev/null || :
mkdir -p /var/run/postgresql 2>/dev/null || :
chmod 3775 /var/run/postgresql 2>/dev/null || :

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  user="\${POSTGRES_USER:-postgres}"
  db="\${POSTGRES_DB:-$user}"
  auth="\${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}"
  if [ -z "\${POSTGRES_PASSWORD:-}" ] && [ "$auth" != trust ]; then
    echo "error: the database is uninitialized and POSTGRES_PASSWORD is not set (set it, or POSTGRES_HOST_AUTH_METHOD=trust)" >&2
    exit 1
  fi

  # The password reaches initdb through a pipe, never a file.
  set -f
  if [ -n "\${POSTGRES_PASSWORD:-}" ]; then
    printf '%s\\n' "$POSTGRES_PASSWORD" | initdb --username="$user" --pwfile=/dev/stdin \${POSTGRES_INITDB_ARGS:-}
  else
    initdb --username="$user" \${POSTGRES_INITDB_ARGS:-}
  fi
  set +f

  printf "\\nlisten_addresses = '*'\\n" >> "$PGDATA/postgresql.conf"

  if [ -n "\${REHEARSAL_PG_TLS_DIR:-}" ]; then
    # As PGO does: TLS on, and TCP clients that do not use it are refused by pg_hba.
    cp "$REHEARSAL_PG_TLS_DIR/server.crt" "$REHEARSAL_PG_TLS_DIR/server.key" "$REHEARSAL_PG_TLS_DIR/ca.crt" "$PGDATA/"
    chmod 600 "$PGDATA/server.key"
    printf "ssl = on\\nssl_cert_file = 'server.crt'\\nssl_key_file = 'server.key'\\nssl_ca_file = 'ca.crt'\\n" >> "$PGDATA/postgresql.conf"
    printf 'local all all trust\\nlocal replication all trust\\nhostnossl all all all reject\\nhostssl all all all %s\\n' "$auth" > "$PGDATA/pg_hba.conf"
  else
    # initdb's own lines trust local and loopback connections; every other host needs the password.
    printf '\\nhost all all all %s\\n' "$auth" >> "$PGDATA/pg_hba.conf"
  fi

  if [ "$db" != postgres ]; then
    quoted=$(printf '%s' "$db" | sed 's/"/""/g')
    printf 'CREATE DATABASE "%s";\\n' "$quoted" | postgres --single -D "$PGDATA" -c listen_addresses= postgres > /dev/null
  fi
  echo "PostgreSQL init process complete; ready for start up."
fi

exec "$@"
`;
}
