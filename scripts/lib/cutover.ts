/**
 * The cut-over from the app owner's medusa release to overlays/home-ops (docs/operations.md,
 * "Cut-over from the owner's release"), as decisions over what the cluster shows: which step may
 * run now and which actions it takes, in order. scripts/cutover.ts reads the cluster into an
 * `Observed`, asks a plan function, and carries the actions out.
 *
 * What the two releases may never do at once: serve a host with two Ingresses (ingress-nginx
 * would pick one of them per request), and migrate the shared database with two images.
 */
import { CommandError } from "./command.ts";

export interface Ref {
  kind: "Kustomization" | "HelmRelease";
  namespace: string;
  name: string;
}

/** The owner's release, by its names in the owner's repository (test/home-ops/owner-facts.yaml). */
export const OLD = {
  kustomization: { kind: "Kustomization", namespace: "flux-system", name: "medusa" },
  helmRelease: { kind: "HelmRelease", namespace: "development", name: "medusa" },
} as const satisfies Record<string, Ref>;

/** Ours: the Kustomizations of flux/clusters/home-ops/ks.yaml and what overlays/home-ops names (a test compares them). */
export const NEW = {
  preDeploy: { kind: "Kustomization", namespace: "flux-system", name: "ecom-pre-deploy" },
  app: { kind: "Kustomization", namespace: "flux-system", name: "ecom" },
  ingressPhase: { kind: "Kustomization", namespace: "flux-system", name: "ecom-ingress" },
  namespace: "ecom",
  ingress: "ecom-ingress",
  config: "medusa-config",
} as const;

/** Where a switch keeps the old release's Ingresses, so a rollback can put them back as they were. */
export const SAVED = { name: "cutover-previous-ingress", key: "ingresses.json" } as const;

/**
 * Keeps the hosts' DNS records while no Ingress serves them: the owner's external-dns deletes a
 * record as soon as no source wants it (policy sync, reacting to events) and also reads these.
 */
export const DNS_GUARD = { apiVersion: "externaldns.k8s.io/v1alpha1", kind: "DNSEndpoint", name: "ecom-cutover" } as const;

/** kustomize-controller's field manager: the Ingress a switch applies is then Flux's own from the start. */
export const FLUX_FIELD_MANAGER = "kustomize-controller";

export const MEDUSA_IMAGE = "ghcr.io/ekenheim/ecom/medusa";

export interface FluxState {
  suspended: boolean;
  ready: boolean;
}

export interface IngressView {
  namespace: string;
  name: string;
  hosts: string[];
}

export interface Observed {
  oldKustomization?: FluxState;
  oldHelmRelease?: FluxState & { migrationTags: string[] };
  preDeploy?: FluxState;
  app?: FluxState;
  ingressPhase?: FluxState;
  /** the hosts our release serves, from the medusa-config Flux applied; undefined before it did */
  hosts?: string[];
  /** every Ingress in the cluster */
  ingresses: IngressView[];
  /** the old release's Ingresses, saved by a switch */
  saved: boolean;
  dnsGuard: "present" | "absent" | "unsupported";
}

export type Action =
  | { do: "suspend" | "resume"; ref: Ref }
  /** our GitRepository and Kustomizations, the Ingress phase suspended */
  | { do: "apply-flux-entry" }
  | { do: "guard-dns" | "unguard-dns" }
  | { do: "save" | "delete"; ingresses: IngressView[] }
  | { do: "apply-our-ingress" | "restore" | "forget-saved" }
  /** resume the old HelmRelease, then delete it, so that helm-controller uninstalls it */
  | { do: "uninstall-old" }
  /** what else the old Kustomization applied (its ExternalSecrets and ConfigMaps) */
  | { do: "delete-leftovers" }
  /** look again, and stop unless exactly these serve the hosts */
  | { do: "expect"; serving: "none" | "ours" | "old" };

export interface Plan {
  actions: Action[];
  notes: string[];
}

const refText = (r: Ref): string => `${r.kind} ${r.namespace}/${r.name}`;
const ingressText = (i: IngressView): string => `Ingress ${i.namespace}/${i.name}`;

export const isOurs = (i: IngressView): boolean => i.namespace === NEW.namespace && i.name === NEW.ingress;

export type Situation = { state: "old"; old: IngressView[] } | { state: "none" } | { state: "ours"; ours: IngressView };

/**
 * Who serves the hosts. Refuses (cutover-conflict) any host served by two Ingresses, ours and the
 * old release serving at the same time, and an old Ingress that serves other hosts as well:
 * deleting it would take those down too.
 */
export function situation(hosts: readonly string[], ingresses: readonly IngressView[]): Situation {
  const serving = ingresses.filter((i) => i.hosts.some((h) => hosts.includes(h)));
  const conflicts = hosts
    .map((h) => [h, serving.filter((i) => i.hosts.includes(h))] as const)
    .filter(([, by]) => by.length > 1)
    .map(([h, by]) => `${h} is served by ${by.map(ingressText).join(" and ")}`);
  const ours = serving.find(isOurs);
  const old = serving.filter((i) => !isOurs(i));
  if (conflicts.length === 0 && ours && old.length > 0) {
    conflicts.push(`${ingressText(ours)} and ${old.map(ingressText).join(", ")} serve the shop's hosts at the same time`);
  }
  if (conflicts.length > 0) {
    throw new CommandError("cutover-conflict", `${conflicts.join("; ")}. Delete all but one of them before any cut-over step (docs/operations.md, "Cut-over from the owner's release").`);
  }
  if (ours) return { state: "ours", ours };
  if (old.length === 0) return { state: "none" };
  const wider = old.flatMap((i) => i.hosts.filter((h) => !hosts.includes(h)).map((h) => `${ingressText(i)} also serves ${h}`));
  if (wider.length > 0) {
    throw new CommandError("cutover-conflict", `${wider.join("; ")}: deleting it would take that host down too. Move that host to an Ingress of its own first.`);
  }
  return { state: "old", old };
}

function requireOld(o: Observed, what: string): void {
  const missing = [o.oldKustomization ? undefined : OLD.kustomization, o.oldHelmRelease ? undefined : OLD.helmRelease].filter((r) => r !== undefined);
  if (missing.length > 0) throw new CommandError("cutover-not-ready", `${missing.map(refText).join(" and ")} not found: ${what}.`);
}

function requireHosts(o: Observed): string[] {
  if (o.hosts && o.hosts.length > 0) return o.hosts;
  throw new CommandError(
    "cutover-not-ready",
    `ConfigMap ${NEW.namespace}/${NEW.config} is not in the cluster yet, so the shop's hosts are unknown: run \`npm run cutover -- prepare\` and wait for ${refText(NEW.preDeploy)} to be Ready.`,
  );
}

/** Suspends the old release: no Helm upgrade then runs its migration or recreates its Ingress. */
function suspendOld(o: Observed): Action[] {
  return [
    ...(o.oldKustomization?.suspended === false ? [{ do: "suspend", ref: OLD.kustomization } as const] : []),
    ...(o.oldHelmRelease?.suspended === false ? [{ do: "suspend", ref: OLD.helmRelease } as const] : []),
  ];
}

function resumeOld(o: Observed): Action[] {
  return [
    ...(o.oldHelmRelease?.suspended ? [{ do: "resume", ref: OLD.helmRelease } as const] : []),
    ...(o.oldKustomization?.suspended ? [{ do: "resume", ref: OLD.kustomization } as const] : []),
  ];
}

const guard = (o: Observed): Action[] => (o.dnsGuard === "absent" ? [{ do: "guard-dns" }] : []);
const unguard = (o: Observed): Action[] => (o.dnsGuard === "present" ? [{ do: "unguard-dns" }] : []);
const guardNote = (o: Observed): string[] =>
  o.dnsGuard === "unsupported"
    ? [`the cluster has no ${DNS_GUARD.kind} kind (${DNS_GUARD.apiVersion}): nothing keeps the hosts' DNS records while neither Ingress exists, and external-dns may delete and re-create them`]
    : [];

/**
 * Step 1: suspend the old release (its Kustomization and its HelmRelease) and put ours in place
 * beside it, its Ingress phase suspended. Refused when our medusa image is not the one the old
 * release migrates the database with: ours would migrate the shared database under the old
 * release's running pods, and a rollback would run them on a schema they do not know.
 */
export function planPrepare(o: Observed, ourTag: string): Plan {
  requireOld(o, "there is no release to cut over from; on a cluster without one, apply flux/clusters/home-ops as it is");
  const tags = o.oldHelmRelease!.migrationTags;
  if (tags.length === 0) {
    throw new CommandError("cutover-schema", `cannot tell which ${MEDUSA_IMAGE} image ${refText(OLD.helmRelease)} migrates the database with (no db:migrate container of that image in its values).`);
  }
  const others = tags.filter((t) => t !== ourTag);
  if (others.length > 0) {
    throw new CommandError(
      "cutover-schema",
      `${refText(OLD.helmRelease)} migrates with ${MEDUSA_IMAGE}:${others.join(", ")}, overlays/home-ops with :${ourTag}: the cut-over would change the shared database's schema under the running release. ` +
        `Pin the same tag first (npm run set-image -- home-ops medusa ${others[0]}), upgrade after the cut-over.`,
    );
  }
  const ours = o.ingresses.find(isOurs);
  if (ours) throw new CommandError("cutover-not-ready", `${ingressText(ours)} already exists: the switch has been made (npm run cutover -- status).`);
  return {
    actions: [...suspendOld(o), { do: "apply-flux-entry" }],
    notes: [
      `next: wait until ${refText(NEW.preDeploy)} (the migration) and ${refText(NEW.app)} are Ready, then: npm run cutover -- switch`,
    ],
  };
}

/**
 * Step 2: move the hosts. Saves the old Ingresses, deletes them, and only once none serves the
 * hosts applies ours and hands it to Flux. Also completes a switch that stopped half-way.
 */
export function planSwitch(o: Observed): Plan {
  const running = [o.oldKustomization && !o.oldKustomization.suspended ? OLD.kustomization : undefined, o.oldHelmRelease && !o.oldHelmRelease.suspended ? OLD.helmRelease : undefined].filter(
    (r) => r !== undefined,
  );
  if (running.length > 0) throw new CommandError("cutover-not-ready", `${running.map(refText).join(" and ")} not suspended: run \`npm run cutover -- prepare\` first.`);
  const phases = [NEW.preDeploy, NEW.app, NEW.ingressPhase] as const;
  const states = [o.preDeploy, o.app, o.ingressPhase];
  const absent = phases.filter((_, i) => !states[i]);
  if (absent.length > 0) throw new CommandError("cutover-not-ready", `${absent.map(refText).join(", ")} not found: run \`npm run cutover -- prepare\` first.`);
  const notReady = phases.slice(0, 2).filter((_, i) => !states[i]!.ready);
  if (notReady.length > 0) {
    throw new CommandError("cutover-not-ready", `${notReady.map(refText).join(" and ")} not Ready: the shop must run before it gets the traffic (flux get kustomizations, or kubectl describe).`);
  }
  const hosts = requireHosts(o);
  const now = situation(hosts, o.ingresses);
  const handOver: Action[] = o.ingressPhase!.suspended ? [{ do: "resume", ref: NEW.ingressPhase }] : [];
  if (now.state === "ours") return { actions: handOver, notes: [`already switched: ${ingressText(now.ours)} serves ${hosts.join(", ")}`] };
  const take: Action[] = [{ do: "apply-our-ingress" }, ...handOver, { do: "expect", serving: "ours" }];
  if (now.state === "none") {
    return {
      actions: [...guard(o), ...take],
      notes: [...guardNote(o), ...(o.saved ? [] : ["no Ingress serves the hosts and none was saved: a rollback will have nothing to put back"])],
    };
  }
  return {
    actions: [...guard(o), ...(o.saved ? [] : [{ do: "save", ingresses: now.old } as const]), { do: "delete", ingresses: now.old }, { do: "expect", serving: "none" }, ...take],
    notes: [...guardNote(o), "next: check the shop, then remove the old release (npm run cutover -- finish), or go back (npm run cutover -- rollback)"],
  };
}

/** Back to the old release while it still exists: ours stops serving, the saved Ingresses return, the old release resumes. */
export function planRollback(o: Observed): Plan {
  requireOld(o, "the old release is gone; there is nothing to roll back to");
  const now = situation(requireHosts(o), o.ingresses);
  const holdOurs: Action[] = o.ingressPhase && !o.ingressPhase.suspended ? [{ do: "suspend", ref: NEW.ingressPhase }] : [];
  const tidy: Action[] = [...resumeOld(o), ...(o.saved ? [{ do: "forget-saved" } as const] : []), ...unguard(o)];
  if (now.state === "old") return { actions: [...holdOurs, ...tidy], notes: ["the old release serves the hosts"] };
  if (!o.saved) {
    throw new CommandError(
      "cutover-not-ready",
      `no saved Ingress to put back (ConfigMap ${NEW.namespace}/${SAVED.name}); recreate the old release's Ingress with a forced Helm upgrade (flux reconcile helmrelease -n ${OLD.helmRelease.namespace} ${OLD.helmRelease.name} --force) after resuming it.`,
    );
  }
  const release: Action[] = now.state === "ours" ? [{ do: "delete", ingresses: [now.ours] }, { do: "expect", serving: "none" }] : [];
  return {
    actions: [...guard(o), ...holdOurs, ...release, { do: "restore" }, { do: "expect", serving: "old" }, ...tidy],
    notes: [...guardNote(o), `our workloads keep running, suspended from traffic; to remove them: kubectl delete kustomizations -n flux-system ${NEW.ingressPhase.name} ${NEW.app.name} ${NEW.preDeploy.name}`],
  };
}

/**
 * Step 3, once the owner's repository no longer has the old Kustomization: uninstall the old
 * HelmRelease (a suspended one is deleted without uninstalling, so it is resumed first) and delete
 * what else the old Kustomization left, then drop the rollback copy and the DNS guard.
 */
export function planFinish(o: Observed): Plan {
  const now = situation(requireHosts(o), o.ingresses);
  if (now.state !== "ours" || !o.ingressPhase || o.ingressPhase.suspended) {
    throw new CommandError("cutover-not-ready", "the shop's hosts are not yet served by overlays/home-ops alone: run `npm run cutover -- switch` first.");
  }
  if (o.oldKustomization) {
    throw new CommandError(
      "cutover-not-ready",
      `${refText(OLD.kustomization)} still exists. Remove it in the owner's repository (its entry in kubernetes/apps/development/kustomization.yaml) and let Flux prune it; while it exists, resuming it would bring the old Ingress back.`,
    );
  }
  return {
    actions: [...(o.oldHelmRelease ? [{ do: "uninstall-old" } as const] : []), { do: "delete-leftovers" }, { do: "expect", serving: "ours" }, ...(o.saved ? [{ do: "forget-saved" } as const] : []), ...unguard(o)],
    notes: ["the cut-over is complete"],
  };
}

/** What `status` prints: each release's state, who serves each host, and the step to run next. */
export function statusLines(o: Observed): string[] {
  const flux = (ref: Ref, s: FluxState | undefined) => `${refText(ref)}: ${s ? `${s.suspended ? "suspended" : "active"}, ${s.ready ? "Ready" : "not Ready"}` : "absent"}`;
  const lines = [
    "old release:",
    `  ${flux(OLD.kustomization, o.oldKustomization)}`,
    `  ${flux(OLD.helmRelease, o.oldHelmRelease)}${o.oldHelmRelease ? `, migrates with :${o.oldHelmRelease.migrationTags.join(", :") || "?"}` : ""}`,
    "overlays/home-ops:",
    ...[NEW.preDeploy, NEW.app, NEW.ingressPhase].map((r, i) => `  ${flux(r, [o.preDeploy, o.app, o.ingressPhase][i])}`),
    "hosts:",
    ...(o.hosts ?? []).map((h) => `  ${h}: ${o.ingresses.filter((i) => i.hosts.includes(h)).map(ingressText).join(", ") || "no Ingress"}`),
    ...(o.hosts ? [] : ["  unknown until the pre-deploy phase has applied ConfigMap " + `${NEW.namespace}/${NEW.config}`]),
    `saved old Ingresses: ${o.saved ? "yes" : "no"}; DNS guard: ${o.dnsGuard}`,
  ];
  return [...lines, `next: ${nextStep(o)}`];
}

export function nextStep(o: Observed): string {
  if (!o.hosts) return o.preDeploy ? `wait for ${refText(NEW.preDeploy)} to apply ConfigMap ${NEW.namespace}/${NEW.config}` : "npm run cutover -- prepare";
  let now: Situation;
  try {
    now = situation(o.hosts, o.ingresses);
  } catch (err) {
    return `resolve the conflict: ${(err as Error).message}`;
  }
  if (now.state === "ours") {
    if (o.oldKustomization) return "remove the old Kustomization in the owner's repository, then: npm run cutover -- finish";
    if (o.oldHelmRelease || o.saved || o.dnsGuard === "present") return "npm run cutover -- finish";
    return "nothing: the cut-over is complete";
  }
  if (!o.preDeploy || !o.app || !o.ingressPhase) return "npm run cutover -- prepare";
  if (!o.preDeploy.ready || !o.app.ready) return `wait for ${refText(NEW.preDeploy)} and ${refText(NEW.app)} to be Ready`;
  return "npm run cutover -- switch";
}

// --- reading what kubectl returns ----------------------------------------------------------

interface FluxObject {
  spec?: { suspend?: boolean };
  status?: { conditions?: Array<{ type?: string; status?: string }> };
}

export function fluxState(obj: FluxObject): FluxState {
  return {
    suspended: obj.spec?.suspend === true,
    ready: (obj.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True"),
  };
}

/**
 * The tags of the medusa image the HelmRelease runs `db:migrate` with, read from its values the
 * way the owner's chart (bjw-s app-template) lays them out: controllers → (init)containers → image.
 */
export function migrationTags(helmRelease: { spec?: { values?: unknown } }): string[] {
  const controllers = ((helmRelease.spec?.values ?? {}) as { controllers?: Record<string, unknown> }).controllers ?? {};
  const tags = new Set<string>();
  for (const controller of Object.values(controllers)) {
    const c = (controller ?? {}) as { containers?: Record<string, unknown>; initContainers?: Record<string, unknown> };
    for (const container of [...Object.values(c.initContainers ?? {}), ...Object.values(c.containers ?? {})]) {
      const { image, command, args } = (container ?? {}) as { image?: { repository?: unknown; tag?: unknown }; command?: unknown; args?: unknown };
      const argv = [command, args].flat().filter((a) => typeof a === "string");
      if (image?.repository === MEDUSA_IMAGE && argv.some((a) => a.includes("db:migrate")) && image.tag !== undefined) tags.add(String(image.tag));
    }
  }
  return [...tags].sort();
}

export interface IngressObject {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>; [k: string]: unknown };
  spec?: { rules?: Array<{ host?: string }>; [k: string]: unknown };
  [k: string]: unknown;
}

export function ingressView(obj: IngressObject): IngressView {
  return {
    namespace: obj.metadata.namespace ?? "default",
    name: obj.metadata.name,
    hosts: [...new Set((obj.spec?.rules ?? []).flatMap((r) => (r.host ? [r.host] : [])))],
  };
}

/** The hosts our medusa-config points at (BACKEND_URL, STOREFRONT_URL), as Flux substituted them. */
export function hostsOf(data: Record<string, string> | undefined): string[] | undefined {
  const urls = [data?.BACKEND_URL, data?.STOREFRONT_URL];
  if (urls.some((u) => !u)) return undefined;
  return urls.map((u) => new URL(u!).hostname);
}

/** An Ingress as it can be created again: what the API server added is left out. */
export function restorable(obj: IngressObject): IngressObject {
  const { name, namespace, labels, annotations } = obj.metadata;
  const kept = Object.fromEntries(Object.entries(annotations ?? {}).filter(([k]) => k !== "kubectl.kubernetes.io/last-applied-configuration"));
  return {
    apiVersion: obj.apiVersion ?? "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: { name, namespace, ...(labels ? { labels } : {}), ...(Object.keys(kept).length ? { annotations: kept } : {}) },
    spec: obj.spec,
  };
}

/** The ConfigMap that keeps the old Ingresses for a rollback. */
export function savedConfigMap(ingresses: readonly IngressObject[]): Record<string, unknown> {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: SAVED.name, namespace: NEW.namespace, labels: { "app.kubernetes.io/part-of": "ecom", "app.kubernetes.io/managed-by": "ecom-cutover" } },
    data: { [SAVED.key]: JSON.stringify(ingresses.map(restorable), null, 2) },
  };
}

/** The Ingresses a saved ConfigMap holds. */
export function savedIngresses(configMap: { data?: Record<string, string> }): IngressObject[] {
  const text = configMap.data?.[SAVED.key];
  let parsed: unknown;
  try {
    parsed = JSON.parse(String(text));
  } catch {
    throw new CommandError("cutover-not-ready", `ConfigMap ${NEW.namespace}/${SAVED.name} has no readable ${SAVED.key}: put the old Ingress back by hand or with a forced Helm upgrade.`);
  }
  const list = Array.isArray(parsed) ? (parsed as IngressObject[]) : [];
  if (list.length === 0 || list.some((i) => i?.kind !== "Ingress" || typeof i.metadata?.name !== "string")) {
    throw new CommandError("cutover-not-ready", `ConfigMap ${NEW.namespace}/${SAVED.name}: ${SAVED.key} is not a list of Ingresses.`);
  }
  return list;
}

/** A DNSEndpoint that wants the records our Ingress wants: the hosts as CNAMEs of the Ingress's external-dns target. */
export function dnsGuard(hosts: readonly string[], target: string): Record<string, unknown> {
  return {
    apiVersion: DNS_GUARD.apiVersion,
    kind: DNS_GUARD.kind,
    metadata: { name: DNS_GUARD.name, namespace: NEW.namespace, labels: { "app.kubernetes.io/part-of": "ecom", "app.kubernetes.io/managed-by": "ecom-cutover" } },
    spec: { endpoints: hosts.map((h) => ({ dnsName: h, recordType: "CNAME", targets: [target] })) },
  };
}

/**
 * The values of the `${NAME}` variables in `template` that make it `value`, or undefined when no
 * assignment does (or one name would need two values).
 */
export function solveVariables(template: string, value: string): Record<string, string> | undefined {
  const names: string[] = [];
  const pattern = template
    .split(/(\$\{[A-Za-z_][A-Za-z0-9_]*\})/)
    .map((part) => {
      const v = /^\$\{(.+)\}$/.exec(part);
      if (!v) return part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      names.push(v[1]!);
      return "(.+?)";
    })
    .join("");
  const m = new RegExp(`^${pattern}$`).exec(value);
  if (!m) return undefined;
  const vars: Record<string, string> = {};
  for (const [i, name] of names.entries()) {
    const got = m[i + 1]!;
    if (name in vars && vars[name] !== got) return undefined;
    vars[name] = got;
  }
  return vars;
}

/** Flux's postBuild substitution of `${NAME}`, strict: a variable without a value is an error; `$${NAME}` stays literal. */
export function substitute(text: string, vars: Readonly<Record<string, string>>): string {
  return text.replace(/\$?\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (whole, name: string) => {
    if (whole.startsWith("$$")) return whole.slice(1);
    const v = vars[name];
    if (v === undefined) throw new CommandError("overlay-facts", `the build needs the variable ${name}, which the cluster's medusa-config does not tell`);
    return v;
  });
}

// --- our side, from the overlay's build ----------------------------------------------------------

interface BuiltObject {
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  data?: Record<string, string>;
  [k: string]: unknown;
}

/** The medusa tag overlays/home-ops migrates with: its migration Job's image. */
export function buildMigrationTag(objects: readonly BuiltObject[]): string {
  const images = objects
    .filter((o) => o.kind === "Job" && o.metadata.name.startsWith("medusa-migrate"))
    .flatMap((o) => ((o.spec as any)?.template?.spec?.containers ?? []) as Array<{ image?: string }>)
    .flatMap((c) => (c.image?.startsWith(`${MEDUSA_IMAGE}:`) ? [c.image] : []));
  if (images.length !== 1) throw new CommandError("overlay-facts", `expected one migration Job running ${MEDUSA_IMAGE} in overlays/home-ops, found ${images.length}`);
  return images[0]!.slice(MEDUSA_IMAGE.length + 1);
}

/**
 * Our Ingress as Flux would apply it: the overlay's, with the cluster variables it needs solved
 * from the medusa-config Flux applied (its URLs carry the same hosts), and Flux's ownership
 * labels, so that Flux adopts it when its Kustomization resumes.
 */
export function ourIngress(objects: readonly BuiltObject[], live: Record<string, string>): IngressObject {
  const ingress = objects.find((o) => o.kind === "Ingress" && o.metadata.name === NEW.ingress);
  const config = objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === NEW.config);
  if (!ingress || !config) throw new CommandError("overlay-facts", `overlays/home-ops has no Ingress ${NEW.ingress} or ConfigMap ${NEW.config}`);
  const vars: Record<string, string> = {};
  for (const key of ["BACKEND_URL", "STOREFRONT_URL"]) {
    const solved = solveVariables(config.data?.[key] ?? "", live[key] ?? "");
    if (!solved) throw new CommandError("overlay-facts", `${NEW.namespace}/${NEW.config} ${key} is ${JSON.stringify(live[key])}, which overlays/home-ops' ${JSON.stringify(config.data?.[key])} cannot become: is the cluster running another revision?`);
    for (const [name, value] of Object.entries(solved)) {
      if (vars[name] !== undefined && vars[name] !== value) {
        throw new CommandError("overlay-facts", `${NEW.namespace}/${NEW.config} gives ${name} two values (${vars[name]}, ${value}): its URLs do not come from one build`);
      }
      vars[name] = value;
    }
  }
  const out = JSON.parse(substitute(JSON.stringify(ingress), vars)) as IngressObject;
  out.metadata.namespace = NEW.namespace;
  out.metadata.labels = { ...out.metadata.labels, "kustomize.toolkit.fluxcd.io/name": NEW.ingressPhase.name, "kustomize.toolkit.fluxcd.io/namespace": NEW.ingressPhase.namespace };
  return out;
}
