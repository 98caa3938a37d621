/**
 * What every pod of every build must be (docs/security.md), as pure checks over built objects that
 * return one line per problem: the invariants assert they return nothing, the mutation tests that
 * they catch a broken object.
 */
import { containersOf, imageRepo, podSpec, workloads, type PodSpec } from "./k8s.ts";
import { MEDUSA_IMAGE } from "./reference.ts";
import { objectId } from "./tools.ts";
import type { BuiltObject } from "../../scripts/lib/built-object.ts";

interface SecurityContext {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  privileged?: boolean;
  allowPrivilegeEscalation?: boolean;
  readOnlyRootFilesystem?: boolean;
  capabilities?: { add?: string[]; drop?: string[] };
  seccompProfile?: { type?: string };
}

const RESOURCE_FIELDS = ["requests", "limits"] as const;

/**
 * The containers whose root filesystem is writable, by the workload name they run under (a name
 * prefix: the migration Job is renamed per tag) and container name. Only where the app itself
 * writes inside its image (docs/security.md, "What each container writes").
 */
export const WRITABLE_ROOT: Readonly<Record<string, string>> = {
  // `medusa db:migrate` creates a migrations directory inside each module under /app.
  "medusa-migrate": "migrate",
};

const writableRootAllowed = (workload: string, container: string) =>
  Object.entries(WRITABLE_ROOT).some(([name, c]) => (workload === name || workload.startsWith(`${name}-`)) && c === container);

/** The restricted Pod Security Standard plus what this repo adds: no token, read-only root, bounded disk. */
export function hardeningProblems(objects: BuiltObject[]): string[] {
  return workloads(objects).flatMap((o) => {
    const id = objectId(o);
    const ps = podSpec(o);
    const pod = (ps.securityContext ?? {}) as SecurityContext;
    const problems: string[] = [];
    if (ps.automountServiceAccountToken !== false) problems.push(`${id}: automountServiceAccountToken is not false`);
    if (pod.seccompProfile?.type !== "RuntimeDefault" && pod.seccompProfile?.type !== "Localhost") {
      problems.push(`${id}: pod seccompProfile is not RuntimeDefault`);
    }
    for (const flag of ["hostNetwork", "hostPID", "hostIPC"]) if (ps[flag]) problems.push(`${id}: ${flag}`);
    for (const v of (ps.volumes ?? []) as Array<Record<string, any>>) {
      if (v.hostPath) problems.push(`${id}: volume ${v.name} is a hostPath`);
      if (v.emptyDir && v.emptyDir.sizeLimit === undefined) problems.push(`${id}: emptyDir ${v.name} has no sizeLimit`);
    }
    for (const { where, container } of containersOf(o)) {
      const sc = (container.securityContext ?? {}) as SecurityContext;
      if ((sc.runAsNonRoot ?? pod.runAsNonRoot) !== true) problems.push(`${where}: runAsNonRoot is not true`);
      if ((sc.runAsUser ?? pod.runAsUser) === 0) problems.push(`${where}: runs as uid 0`);
      if (sc.privileged) problems.push(`${where}: privileged`);
      if (sc.allowPrivilegeEscalation !== false) problems.push(`${where}: allowPrivilegeEscalation is not false`);
      if (sc.readOnlyRootFilesystem !== true && !writableRootAllowed(o.metadata.name, container.name)) problems.push(`${where}: readOnlyRootFilesystem is not true`);
      if (!(sc.capabilities?.drop ?? []).includes("ALL")) problems.push(`${where}: capabilities do not drop ALL`);
      if ((sc.capabilities?.add ?? []).length > 0) problems.push(`${where}: adds capabilities ${sc.capabilities!.add!.join(", ")}`);
      for (const field of RESOURCE_FIELDS) {
        if (container.resources?.[field]?.["ephemeral-storage"] === undefined) problems.push(`${where}: no ephemeral-storage ${field}`);
      }
    }
    return problems;
  });
}

/**
 * Init containers a medusa-image pod may run instead of the server's full list: the server's that it
 * keeps (unchanged, in order) and waits of its own. The Jobs need only PostgreSQL of the server's (a
 * migration or a seed touches nothing else before it starts); dev's seed also waits for the object
 * store it uploads to, Meilisearch and the finished migration (overlays/dev/seed-waits.yaml).
 */
export const MEDUSA_INIT_SUBSETS: Readonly<Record<string, { fromServer: readonly string[]; own: readonly string[] }>> = {
  "medusa-migrate": { fromServer: ["wait-for-postgres"], own: [] },
  "medusa-seed": { fromServer: ["wait-for-postgres"], own: ["wait-for-object-store", "wait-for-meilisearch", "wait-for-migration"] },
};

/** The medusa Deployment's name: the pod every other medusa-image pod must match. */
const SERVER = "medusa";

const runsMedusa = (ps: PodSpec) => ps.containers.find((c) => c.image !== undefined && imageRepo(c.image) === MEDUSA_IMAGE);
const subsetKey = (name: string) => Object.keys(MEDUSA_INIT_SUBSETS).find((k) => name === k || name.startsWith(`${k}-`));
const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/**
 * Every pod running the medusa image (server, worker, migration and seed Jobs) shares the server's
 * pod security context, volumes, pull secret, token setting, and its container's security context,
 * mounts and env sources; init containers are the server's or a listed subset of them, unchanged.
 */
export function medusaDrift(objects: BuiltObject[]): string[] {
  const server = workloads(objects).find((o) => o.kind === "Deployment" && o.metadata.name === SERVER);
  if (!server) return [`no Deployment ${SERVER} to compare the medusa pods with`];
  const ref = podSpec(server);
  const refMain = runsMedusa(ref);
  if (!refMain) return [`Deployment ${SERVER} runs no ${MEDUSA_IMAGE} container`];
  const problems: string[] = [];
  for (const o of workloads(objects)) {
    if (o === server) continue;
    const ps = podSpec(o);
    const main = runsMedusa(ps);
    if (!main) continue;
    const id = objectId(o);
    const podFields = ["securityContext", "volumes", "imagePullSecrets", "automountServiceAccountToken"] as const;
    for (const f of podFields) if (!same(ps[f], ref[f])) problems.push(`${id}: pod ${f} differs from Deployment ${SERVER}'s`);
    for (const f of ["securityContext", "volumeMounts", "envFrom"] as const) {
      const theirs = f === "securityContext" && writableRootAllowed(o.metadata.name, main.name) ? { ...main[f], readOnlyRootFilesystem: true } : main[f];
      if (!same(theirs, refMain[f])) {
        problems.push(`${id}: container ${main.name} ${f} differs from Deployment ${SERVER}'s`);
      }
    }
    const key = subsetKey(o.metadata.name);
    const { fromServer, own } = key ? MEDUSA_INIT_SUBSETS[key]! : { fromServer: (ref.initContainers ?? []).map((c) => c.name), own: [] };
    const expected = (ref.initContainers ?? []).filter((c) => fromServer.includes(c.name));
    const inits = ps.initContainers ?? [];
    const shared = inits.filter((c) => !own.includes(c.name));
    if (!same(shared, expected)) {
      problems.push(`${id}: init containers ${JSON.stringify(inits.map((c) => c.name))} are not the server's ${JSON.stringify(fromServer)}, unchanged${own.length ? `, plus its own ${JSON.stringify(own)}` : ""}`);
    }
  }
  return problems;
}
