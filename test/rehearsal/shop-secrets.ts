/**
 * The Secrets an operator provides before a deploy (docs/secrets.md), made for the rehearsal: the
 * build of dev holds its own fake ones; prod's and home-ops' come from outside git. An ExternalSecret
 * in the build is synced as the External Secrets Operator would, its template rendered over a fake
 * store whose credentials are the rehearsal datastores'; any other Secret a pod names gets the keys
 * scripts/lib/secret-keys.ts lists for it. Pure: objects in, Secret objects out.
 */
import { SECRET_KEYS, type SecretName } from "../../scripts/lib/secret-keys.ts";

export interface K8s {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [k: string]: unknown };
  [k: string]: any;
}

/**
 * A key's value in a Secret or ConfigMap as a container receives it: a Secret's `stringData` over its
 * base64 `data`, as the API server merges them; a ConfigMap's `data` as it is.
 */
export function valueOf(o: K8s, key: string): string | undefined {
  if (o.stringData?.[key] !== undefined) return String(o.stringData[key]);
  if (o.data?.[key] === undefined) return undefined;
  return o.kind === "Secret" ? Buffer.from(String(o.data[key]), "base64").toString("utf8") : String(o.data[key]);
}

/** What the rehearsal datastores accept, and the names they answer to where the build names none. */
export interface DatastoreCredentials {
  postgres: { user: string; password: string; database: string; host: string; tls: boolean };
  redisUrl: string;
  meilisearch: { url: string; masterKey: string };
  s3: { endpoint: string; fileUrl: string; bucket: string; region: string; accessKeyId: string; secretAccessKey: string };
}

/** Keys whose value must point at a rehearsal datastore; everything else gets a value of the right shape. */
function valueFor(key: string, creds: DatastoreCredentials): string {
  const pg = creds.postgres;
  const known: Record<string, string> = {
    // As docs/secrets.md tells an operator: the app's node-postgres reads a bare sslmode=require as
    // verify-full, which a database certificate from a private CA fails.
    DATABASE_URL: `postgresql://${pg.user}:${pg.password}@${pg.host}:5432/${pg.database}?${pg.tls ? "sslmode=require&uselibpqcompat=true" : "sslmode=disable"}`,
    REDIS_URL: creds.redisUrl,
    MEILISEARCH_HOST: creds.meilisearch.url,
    MEILISEARCH_API_KEY: creds.meilisearch.masterKey,
    MEILI_MASTER_KEY: creds.meilisearch.masterKey,
    S3_ENDPOINT: creds.s3.endpoint,
    S3_FILE_URL: creds.s3.fileUrl,
    S3_BUCKET: creds.s3.bucket,
    S3_REGION: creds.s3.region,
    S3_ACCESS_KEY_ID: creds.s3.accessKeyId,
    S3_SECRET_ACCESS_KEY: creds.s3.secretAccessKey,
    S3_FORCE_PATH_STYLE: "true",
    STRIPE_API_KEY: "sk_test_rehearsal",
    STRIPE_WEBHOOK_SECRET: "whsec_rehearsal",
    RESEND_API_KEY: "re_rehearsal",
    RESEND_FROM: "shop@rehearsal.invalid",
    STRAPI_ECOM_URL: "http://strapi.rehearsal.invalid",
  };
  return known[key] ?? `rehearsal-${key.toLowerCase().replaceAll("_", "-")}`;
}

/** The fake store's answer for a property an ExternalSecret template reads, PGO's user Secret included. */
function storeProperty(name: string, creds: DatastoreCredentials): string {
  const pg = creds.postgres;
  // PGO's user Secret names the cluster's Services: PostgresCluster `postgres` in namespace `database`
  // (test/home-ops/owner-facts.yaml). The rehearsal's network maps those names to its PostgreSQL.
  const pgo: Record<string, string> = {
    user: pg.user, password: pg.password, dbname: pg.database, port: "5432", "pgbouncer-port": "5432",
    host: "postgres-primary.database.svc", "pgbouncer-host": "postgres-pgbouncer.database.svc",
  };
  return pgo[name] ?? valueFor(name, creds);
}

/** ESO's template engine for what our templates use: `{{ .name }}` and `{{ index . "name" }}`. */
export function renderTemplate(text: string, lookup: (name: string) => string, where: string): string {
  return text.replace(/\{\{\s*(.*?)\s*\}\}/g, (_, expr: string) => {
    const dot = /^\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(expr);
    const index = /^index \. "([^"]+)"$/.exec(expr);
    const name = dot?.[1] ?? index?.[1];
    if (name === undefined) throw new Error(`${where}: template expression {{ ${expr} }} is beyond what the rehearsal's secret sync renders`);
    return lookup(name);
  });
}

const secret = (name: string, namespace: string, data: Record<string, string>): K8s => ({
  apiVersion: "v1",
  kind: "Secret",
  metadata: { name, namespace, labels: { "ecom.ekenheim.dev/rehearsal": "true" } },
  type: "Opaque",
  stringData: data,
});

/** The Secrets pods of the build name but the build does not hold, as an operator or ESO would create them. */
export function provisionedSecrets(objects: readonly K8s[], creds: DatastoreCredentials): K8s[] {
  const have = new Set(objects.filter((o) => o.kind === "Secret").map((o) => `${o.metadata.namespace}/${o.metadata.name}`));
  const out: K8s[] = [];
  for (const es of objects.filter((o) => o.kind === "ExternalSecret")) {
    const ns = es.metadata.namespace ?? "default";
    const target: string = es.spec?.target?.name ?? es.metadata.name;
    const where = `ExternalSecret ${ns}/${es.metadata.name}`;
    const template: Record<string, string> | undefined = es.spec?.target?.template?.data;
    const data: Record<string, string> = {};
    if (template) {
      for (const [key, text] of Object.entries(template)) {
        // A key that takes one store property whole gets the value the shop needs under that key: the
        // fake store holds, under the owner's property names, what the rehearsal datastores accept.
        const whole = /^\{\{\s*(?:\.([A-Za-z_][A-Za-z0-9_]*)|index \. "([^"]+)")\s*\}\}$/.exec(String(text).trim());
        const pgo = whole && ["user", "password", "dbname", "host", "port", "pgbouncer-host", "pgbouncer-port"].includes(whole[1] ?? whole[2]!);
        data[key] = whole && !pgo ? valueFor(key, creds) : renderTemplate(String(text), (p) => storeProperty(p, creds), `${where} template key ${key}`);
      }
    }
    for (const d of es.spec?.data ?? []) data[d.secretKey] = storeProperty(d.remoteRef?.property ?? d.secretKey, creds);
    if (Object.keys(data).length === 0) throw new Error(`${where}: neither template.data nor data lists its keys, so the rehearsal cannot know what the synced Secret holds`);
    out.push(secret(target, ns, data));
    have.add(`${ns}/${target}`);
  }
  for (const [ns, name] of referencedSecrets(objects)) {
    if (have.has(`${ns}/${name}`)) continue;
    const spec = SECRET_KEYS[name as SecretName];
    if (!spec) continue;
    out.push(secret(name, ns, Object.fromEntries(spec.map((k) => [k.key, valueFor(k.key, creds)]))));
    have.add(`${ns}/${name}`);
  }
  return out;
}

/** Secrets that a pod template reads through env or envFrom, as namespace and name. */
function referencedSecrets(objects: readonly K8s[]): Array<[string, string]> {
  const refs = new Map<string, [string, string]>();
  for (const o of objects) {
    const spec = o.kind === "Job" || o.kind === "Deployment" || o.kind === "StatefulSet" ? o.spec?.template?.spec : undefined;
    if (!spec) continue;
    const ns = o.metadata.namespace ?? "default";
    for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
      for (const f of c.envFrom ?? []) if (f.secretRef?.name) refs.set(`${ns}/${f.secretRef.name}`, [ns, f.secretRef.name]);
      for (const e of c.env ?? []) if (e.valueFrom?.secretKeyRef?.name) refs.set(`${ns}/${e.valueFrom.secretKeyRef.name}`, [ns, e.valueFrom.secretKeyRef.name]);
    }
  }
  return [...refs.values()];
}
