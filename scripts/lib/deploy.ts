/**
 * The reference's rollout order for a plain-kubectl deploy: namespace and config, the datastores
 * the migration waits for, the migration Job (which must complete), the workloads, then the Ingress
 * that sends traffic to them.
 */
import { isMigrationJob, MIGRATION_JOB_BASE } from "../../functions/src/core/shop-objects.ts";
import type { BuiltObject } from "./built-object.ts";

export type PhaseName = "namespace and config" | "datastores" | "migration" | "workloads" | "ingress";

export interface Phase {
  name: PhaseName;
  objects: BuiltObject[];
  /** the migration Job to wait for after applying this phase */
  waitForJob?: string;
}

/**
 * Kinds the deploy knows, in the order they are applied within their phase. A kind missing here
 * stops the deploy: guessing its phase could start a workload before its migration.
 */
const KIND_PHASE: ReadonlyArray<[kind: string, phase: PhaseName]> = [
  ["Namespace", "namespace and config"],
  ["ServiceAccount", "namespace and config"],
  ["Role", "namespace and config"],
  ["RoleBinding", "namespace and config"],
  ["NetworkPolicy", "namespace and config"],
  ["ConfigMap", "namespace and config"],
  ["Secret", "namespace and config"],
  ["ExternalSecret", "namespace and config"],
  ["PersistentVolumeClaim", "namespace and config"],
  // A Service without ready endpoints harms nothing; having it early lets every pod resolve it.
  ["Service", "namespace and config"],
  ["StatefulSet", "datastores"],
  ["Deployment", "workloads"],
  ["Job", "workloads"],
  ["CronJob", "workloads"],
  ["PodDisruptionBudget", "workloads"],
  ["HorizontalPodAutoscaler", "workloads"],
  ["Ingress", "ingress"],
];

const ORDER: readonly PhaseName[] = ["namespace and config", "datastores", "migration", "workloads", "ingress"];

const id = (o: BuiltObject): string => `${o.kind}/${o.metadata.name}`;

export function planDeploy(objects: readonly BuiltObject[]): Phase[] {
  const unknown = objects.filter((o) => !KIND_PHASE.some(([k]) => k === o.kind)).map(id);
  if (unknown.length > 0) throw new Error(`the deploy does not know which phase these belong to: ${unknown.join(", ")}`);
  const migrations = objects.filter(isMigrationJob);
  if (migrations.length !== 1) throw new Error(`expected exactly one ${MIGRATION_JOB_BASE} Job, found ${migrations.length}: ${migrations.map(id).join(", ")}`);
  const migration = migrations[0]!;

  const rank = (o: BuiltObject): number => KIND_PHASE.findIndex(([k]) => k === o.kind);
  const phaseOf = (o: BuiltObject): PhaseName => (o === migration ? "migration" : KIND_PHASE[rank(o)]![1]);
  return ORDER.map((name): Phase => {
    // Array.prototype.sort is stable: objects of one kind keep the build's order.
    const members = objects.filter((o) => phaseOf(o) === name).sort((a, b) => rank(a) - rank(b));
    return name === "migration" ? { name, objects: members, waitForJob: migration.metadata.name } : { name, objects: members };
  }).filter((p) => p.objects.length > 0);
}

/** Objects still holding a `${VAR}` that only Flux's postBuild substitution would fill in. */
export function unsubstituted(objects: readonly BuiltObject[]): string[] {
  return objects.filter((o) => /\$\{[A-Za-z_][A-Za-z0-9_]*\}/.test(JSON.stringify(o))).map(id);
}

export function describePhases(phases: readonly Phase[]): string[] {
  return phases.map((p, i) => `${i + 1}. ${p.name}: ${p.objects.map(id).join(", ")}${p.waitForJob ? ` (then wait for Job ${p.waitForJob})` : ""}`);
}

export type JobOutcome = { state: "complete" } | { state: "failed"; reason: string } | { state: "running" };

interface JobStatus {
  conditions?: Array<{ type?: string; status?: string; reason?: string; message?: string }>;
  [field: string]: unknown;
}

/** Reads a Job's status conditions; Failed wins (a Job never holds both as True). */
export function jobOutcome(job: { status?: JobStatus }): JobOutcome {
  const conditions = job.status?.conditions ?? [];
  const failed = conditions.find((c) => c.type === "Failed" && c.status === "True");
  if (failed) return { state: "failed", reason: [failed.reason, failed.message].filter(Boolean).join(": ") || "Failed" };
  if (conditions.some((c) => c.type === "Complete" && c.status === "True")) return { state: "complete" };
  return { state: "running" };
}

/** The smoke run after a deploy, with the options the deploy passes on to it. */
export function smokeArgs(env: string, publishableKey: string | undefined, resolve: readonly string[]): string[] {
  return [env, ...(publishableKey ? ["--publishable-key", publishableKey] : []), ...resolve.flatMap((r) => ["--resolve", r])];
}
