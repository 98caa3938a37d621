/**
 * The third-party images the overlays name, made from Debian packages and Go modules instead of a
 * registry: postgres, redis, the versitygw object store, aws-cli, busybox, and a stand-in for
 * meilisearch (the one image no package provides; meilisearch-standin.ts). Each module says where it
 * differs from the real image. The shop's own images (medusa, storefront) are images-apps.ts's.
 *
 * PostgreSQL with TLS: the owner's production database (Crunchy PGO) accepts only TLS connections
 * (sslmode=require). A caller asks for that variant with `postgresTls: true`, or the environment
 * with ECOM_REHEARSAL_PG_TLS=1; a ref may also say it, `postgres:<tag>+tls`, for a rehearsal that
 * runs both.
 */
import type { ImageFs } from "./image.ts";
import { meilisearchImage } from "./images-meilisearch.ts";
import { objectStoreImage } from "./images-object-store.ts";
import { postgresImage, type PostgresImage } from "./images-postgres.ts";
import { redisImage } from "./images-redis.ts";
import { awsCliImage, busyboxImage } from "./images-tools.ts";

export { externalAssets, EXTERNAL_ASSET_HOSTS, type ExternalAssets } from "./images-external-assets.ts";
export type { PostgresImage } from "./images-postgres.ts";

export interface DatastoreImageOptions {
  log: (line: string) => void;
  /** PostgreSQL accepts TLS connections only (default: ECOM_REHEARSAL_PG_TLS=1 in the environment). */
  postgresTls?: boolean;
  /** Path inside the meilisearch container of the stand-in's request log (default: on its data volume). */
  meilisearchRequestLog?: string;
}

/** The image's repository without registry host or tag: `ghcr.io/versity/versitygw:v1.8.0` → `versity/versitygw`. */
export function repositoryOf(ref: string): { repository: string; tag: string } {
  const at = ref.indexOf("@");
  const withoutDigest = at >= 0 ? ref.slice(0, at) : ref;
  const colon = withoutDigest.lastIndexOf(":");
  const hasTag = colon > withoutDigest.lastIndexOf("/");
  let repository = hasTag ? withoutDigest.slice(0, colon) : withoutDigest;
  const tag = hasTag ? withoutDigest.slice(colon + 1) : "latest";
  const first = repository.split("/")[0] ?? "";
  if (repository.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost")) repository = repository.slice(first.length + 1);
  if (repository.startsWith("library/")) repository = repository.slice("library/".length);
  return { repository, tag };
}

/** An image and, for TLS PostgreSQL, the CA that signed its certificate. */
export type DatastoreImage = ImageFs & Partial<Pick<PostgresImage, "tlsCaCert">>;

/** Makes the image `ref` names; throws one message naming the image when it is not one of these or cannot be made. */
export async function datastoreImage(ref: string, opts: DatastoreImageOptions): Promise<DatastoreImage> {
  const tlsSuffix = ref.endsWith("+tls");
  const plainRef = tlsSuffix ? ref.slice(0, -"+tls".length) : ref;
  const { repository } = repositoryOf(plainRef);
  switch (repository) {
    case "postgres": {
      const tls = tlsSuffix || (opts.postgresTls ?? process.env.ECOM_REHEARSAL_PG_TLS === "1");
      return { ...postgresImage(plainRef, { tls, log: opts.log }), ref };
    }
    case "redis":
      return redisImage(ref);
    case "getmeili/meilisearch":
      return meilisearchImage(ref, { ...(opts.meilisearchRequestLog ? { requestLog: opts.meilisearchRequestLog } : {}), log: opts.log });
    case "versity/versitygw":
      return objectStoreImage(ref, { log: opts.log });
    case "amazon/aws-cli":
      return awsCliImage(ref);
    case "busybox":
      return busyboxImage(ref);
    default:
      throw new Error(`${ref}: not a third-party image the rehearsal can make (known: postgres, redis, getmeili/meilisearch, versity/versitygw, amazon/aws-cli, busybox)`);
  }
}
