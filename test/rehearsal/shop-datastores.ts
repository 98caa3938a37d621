/**
 * The datastores a rehearsal runs the shop against. Dev brings its own (components/in-cluster-*), so
 * its build is rehearsed as it is. Prod and home-ops name managed ones (ExternalName Services, hosts
 * in their Secrets): for them the rehearsal runs dev's datastore workloads (the same images, the same
 * settings) in a namespace of their own, standing in for the managed services, PostgreSQL requiring
 * TLS as a managed or PGO-run database does. Pure: the dev build in, objects and credentials out.
 */
import { valueOf, type DatastoreCredentials, type K8s } from "./shop-secrets.ts";

/** The namespace the stand-ins for managed datastores run in. */
export const DATASTORES_NAMESPACE = "rehearsal-datastores";

/** What each datastore workload of dev is for, by the Service in front of it. */
export const DATASTORE_SERVICES = { postgres: "postgres", redis: "redis", meilisearch: "meilisearch", objectStore: "object-store" } as const;
/** The Job that creates the bucket: part of the object store's setup, not of the shop. */
const DATASTORE_JOBS = ["object-store-bucket"];

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`overlays/dev: ${what} is missing, and the rehearsal's datastores are dev's`);
  return value;
}

/** Dev's datastore workloads, Services and the Secrets they read, moved to their own namespace. */
export function datastoreObjects(dev: readonly K8s[], opts: { postgresTls: boolean }): K8s[] {
  const services = new Set<string>(Object.values(DATASTORE_SERVICES));
  const picked = dev.filter(
    (o) =>
      (o.kind === "Service" && services.has(o.metadata.name)) ||
      (o.kind === "StatefulSet" && services.has(o.metadata.name)) ||
      (o.kind === "Job" && DATASTORE_JOBS.includes(o.metadata.name)),
  );
  for (const name of services) need(picked.find((o) => o.kind === "StatefulSet" && o.metadata.name === name), `StatefulSet ${name}`);
  const secretNames = new Set<string>();
  for (const o of picked) {
    for (const c of [...(o.spec?.template?.spec?.initContainers ?? []), ...(o.spec?.template?.spec?.containers ?? [])]) {
      for (const f of c.envFrom ?? []) if (f.secretRef?.name) secretNames.add(f.secretRef.name);
      for (const e of c.env ?? []) if (e.valueFrom?.secretKeyRef?.name) secretNames.add(e.valueFrom.secretKeyRef.name);
    }
  }
  const secrets = dev.filter((o) => o.kind === "Secret" && secretNames.has(o.metadata.name));
  const moved = [...picked, ...secrets].map((o) => {
    const copy: K8s = structuredClone(o);
    copy.metadata.namespace = DATASTORES_NAMESPACE;
    return copy;
  });
  if (opts.postgresTls) {
    for (const c of moved.find((o) => o.kind === "StatefulSet" && o.metadata.name === DATASTORE_SERVICES.postgres)!.spec.template.spec.containers) {
      if (String(c.image).startsWith("postgres:")) c.image = `${c.image}+tls`;
    }
  }
  return moved;
}

/**
 * What the stand-ins accept, read from dev's own Secrets, with the host names a managed service
 * would have: the names each overlay's Secrets or ExternalName Services give are mapped to these
 * pods by the rehearsal's network, whatever they are.
 */
export function datastoreCredentials(dev: readonly K8s[], opts: { postgresTls: boolean }): DatastoreCredentials {
  const secret = (name: string) => need(dev.find((o) => o.kind === "Secret" && o.metadata.name === name), `Secret ${name}`);
  const pg = secret("postgres-credentials");
  const medusa = secret("medusa-secret");
  const value = (s: K8s, key: string) => need(valueOf(s, key), `key ${key} of Secret ${s.metadata.name}`);
  const svc = (name: string) => `${name}.${DATASTORES_NAMESPACE}.svc.cluster.local`;
  return {
    postgres: { user: value(pg, "POSTGRES_USER"), password: value(pg, "POSTGRES_PASSWORD"), database: value(pg, "POSTGRES_DB"), host: svc(DATASTORE_SERVICES.postgres), tls: opts.postgresTls },
    redisUrl: `redis://${svc(DATASTORE_SERVICES.redis)}:6379`,
    meilisearch: { url: `http://${svc(DATASTORE_SERVICES.meilisearch)}:7700`, masterKey: value(medusa, "MEILISEARCH_API_KEY") },
    s3: {
      endpoint: `http://${svc(DATASTORE_SERVICES.objectStore)}:7070`,
      fileUrl: value(medusa, "S3_FILE_URL"),
      bucket: value(medusa, "S3_BUCKET"),
      region: value(medusa, "S3_REGION"),
      accessKeyId: value(medusa, "S3_ACCESS_KEY_ID"),
      secretAccessKey: value(medusa, "S3_SECRET_ACCESS_KEY"),
    },
  };
}

/** Which datastore a URL-valued key of the shop's environment points at. */
export const DATASTORE_OF_KEY: Readonly<Record<string, keyof typeof DATASTORE_SERVICES>> = {
  DATABASE_URL: "postgres",
  REDIS_URL: "redis",
  MEILISEARCH_HOST: "meilisearch",
  S3_ENDPOINT: "objectStore",
};
