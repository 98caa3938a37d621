// npm run cutover -- <status|prepare|switch|rollback|finish> [--timeout 2m]
// Moves the shop's hosts from the app owner's medusa release to overlays/home-ops, and back while
// the old release exists (docs/operations.md, "Cut-over from the owner's release"). Each step reads
// the cluster, refuses unless it is in the state the step starts from, and looks again after every
// deletion, so that two Ingresses never serve one host. All decisions live in lib/cutover.ts.
import { join } from "node:path";
import { parseArgs } from "node:util";
import { parseAllDocuments } from "yaml";
import { CommandError, main } from "./lib/command.ts";
import {
  buildMigrationTag,
  DNS_GUARD,
  dnsGuard,
  fluxState,
  FLUX_FIELD_MANAGER,
  hostsOf,
  ingressView,
  migrationTags,
  NEW,
  OLD,
  ourIngress,
  planFinish,
  planPrepare,
  planRollback,
  planSwitch,
  SAVED,
  savedConfigMap,
  savedIngresses,
  situation,
  statusLines,
  type Action,
  type IngressObject,
  type Observed,
  type Plan,
  type Ref,
} from "./lib/cutover.ts";
import { kubectl, toYamlStream } from "./lib/kubectl.ts";
import { buildOverlay } from "./lib/overlay.ts";
import type { BuiltObject } from "./lib/built-object.ts";
import { REPO_ROOT } from "./lib/repo-root.ts";

const USAGE = "usage: npm run cutover -- <status|prepare|switch|rollback|finish> [--timeout 2m]";
const STEPS = ["status", "prepare", "switch", "rollback", "finish"] as const;
type Step = (typeof STEPS)[number];

/** This command's own field manager, for what it applies that is not Flux's. */
const FIELD_MANAGER = "ecom-cutover";
const RESOURCE: Record<Ref["kind"], string> = {
  Kustomization: "kustomizations.kustomize.toolkit.fluxcd.io",
  HelmRelease: "helmreleases.helm.toolkit.fluxcd.io",
};
const DNS_RESOURCE = `${DNS_GUARD.kind.toLowerCase()}s.${DNS_GUARD.apiVersion.split("/")[0]}`;
/** What the old Kustomization applies besides its HelmRelease (kubernetes/apps/development/medusa/app). */
const LEFTOVER_KINDS = ["externalsecrets.external-secrets.io", "configmaps"];

/** One object as JSON, or undefined when it does not exist. */
function getOne(resource: string, namespace: string, name: string): any {
  const out = kubectl(["get", resource, "--namespace", namespace, name, "--ignore-not-found", "-o", "json"]).stdout.trim();
  return out ? JSON.parse(out) : undefined;
}

function allIngresses(): IngressObject[] {
  return (JSON.parse(kubectl(["get", "ingresses.networking.k8s.io", "--all-namespaces", "-o", "json"]).stdout) as { items: IngressObject[] }).items;
}

function observe(): Observed {
  const flux = (ref: Ref) => {
    const obj = getOne(RESOURCE[ref.kind], ref.namespace, ref.name);
    return obj ? fluxState(obj) : undefined;
  };
  const helmRelease = getOne(RESOURCE.HelmRelease, OLD.helmRelease.namespace, OLD.helmRelease.name);
  const guardServed = kubectl(["api-resources", `--api-group=${DNS_GUARD.apiVersion.split("/")[0]}`, "-o", "name"]).stdout.split("\n").includes(DNS_RESOURCE);
  return {
    oldKustomization: flux(OLD.kustomization),
    oldHelmRelease: helmRelease ? { ...fluxState(helmRelease), migrationTags: migrationTags(helmRelease) } : undefined,
    preDeploy: flux(NEW.preDeploy),
    app: flux(NEW.app),
    ingressPhase: flux(NEW.ingressPhase),
    hosts: hostsOf(getOne("configmaps", NEW.namespace, NEW.config)?.data),
    ingresses: allIngresses().map(ingressView),
    saved: getOne("configmaps", NEW.namespace, SAVED.name) !== undefined,
    dnsGuard: !guardServed ? "unsupported" : getOne(DNS_RESOURCE, NEW.namespace, DNS_GUARD.name) ? "present" : "absent",
  };
}

const applyObjects = (objects: readonly object[], manager: string) =>
  kubectl(["apply", "--server-side", "--force-conflicts", `--field-manager=${manager}`, "-f", "-"], { input: toYamlStream(objects as BuiltObject[]) });

function setSuspended(ref: Ref, suspend: boolean): void {
  // What `flux suspend` / `flux resume` do: the field, and on resume a request to reconcile now.
  const patch = suspend ? { spec: { suspend: true } } : { spec: { suspend: false }, metadata: { annotations: { "reconcile.fluxcd.io/requestedAt": new Date().toISOString() } } };
  kubectl(["patch", RESOURCE[ref.kind], "--namespace", ref.namespace, ref.name, "--type=merge", "-p", JSON.stringify(patch)]);
}

/** Runs one action; `o` is what the step was planned from. */
function run(action: Action, o: Observed, timeout: string): void {
  const ours = () => ourIngress(buildOverlay("home-ops"), getOne("configmaps", NEW.namespace, NEW.config)?.data ?? {});
  switch (action.do) {
    case "suspend":
    case "resume":
      return setSuspended(action.ref, action.do === "suspend");
    case "apply-flux-entry": {
      const items = parseAllDocuments(kubectl(["kustomize", join(REPO_ROOT, "flux", "clusters", "home-ops")]).stdout).map((d) => d.toJS() as BuiltObject);
      for (const o of items) if (o.kind === "Kustomization" && o.metadata.name === NEW.ingressPhase.name) (o.spec as { suspend?: boolean }).suspend = true;
      return void applyObjects(items, FIELD_MANAGER);
    }
    case "guard-dns": {
      const target = ours().metadata.annotations?.["external-dns.alpha.kubernetes.io/target"];
      if (!target) throw new CommandError("overlay-facts", `Ingress ${NEW.ingress} has no external-dns.alpha.kubernetes.io/target annotation to keep the records pointing at`);
      return void applyObjects([dnsGuard(o.hosts ?? [], target)], FIELD_MANAGER);
    }
    case "unguard-dns":
      return void kubectl(["delete", DNS_RESOURCE, "--namespace", NEW.namespace, DNS_GUARD.name, "--ignore-not-found"]);
    case "save": {
      // One that went away since the step looked has nothing left to save.
      const full = action.ingresses.flatMap((i) => getOne("ingresses.networking.k8s.io", i.namespace, i.name) ?? []) as IngressObject[];
      return void kubectl(["create", "-f", "-"], { input: toYamlStream([savedConfigMap(full) as BuiltObject]) });
    }
    case "delete":
      for (const i of action.ingresses) kubectl(["delete", "ingresses.networking.k8s.io", "--namespace", i.namespace, i.name, "--ignore-not-found", "--wait=true", `--timeout=${timeout}`]);
      return;
    case "apply-our-ingress":
      // Flux's field manager: the object is Flux's as soon as the Ingress phase resumes.
      return void applyObjects([ours()], FLUX_FIELD_MANAGER);
    case "restore":
      return void kubectl(["create", "-f", "-"], { input: toYamlStream(savedIngresses(getOne("configmaps", NEW.namespace, SAVED.name) ?? {}) as unknown as BuiltObject[]) });
    case "forget-saved":
      return void kubectl(["delete", "configmaps", "--namespace", NEW.namespace, SAVED.name, "--ignore-not-found"]);
    case "uninstall-old":
      // helm-controller deletes a suspended HelmRelease without uninstalling it.
      setSuspended(OLD.helmRelease, false);
      return void kubectl(["delete", RESOURCE.HelmRelease, "--namespace", OLD.helmRelease.namespace, OLD.helmRelease.name, "--ignore-not-found", "--wait=true", `--timeout=${timeout}`]);
    case "delete-leftovers": {
      const selector = `kustomize.toolkit.fluxcd.io/name=${OLD.kustomization.name},kustomize.toolkit.fluxcd.io/namespace=${OLD.kustomization.namespace}`;
      for (const kind of LEFTOVER_KINDS) kubectl(["delete", kind, "--namespace", OLD.helmRelease.namespace, "--selector", selector, "--ignore-not-found", "--wait=true", `--timeout=${timeout}`]);
      return;
    }
    case "expect": {
      const now = situation(o.hosts ?? [], allIngresses().map(ingressView));
      if (now.state !== action.serving) {
        throw new CommandError("cutover-not-ready", `expected ${action.serving === "none" ? "no Ingress" : `the ${action.serving} release's Ingress`} to serve ${(o.hosts ?? []).join(", ")}, found ${now.state === "none" ? "none" : `the ${now.state} release's`}; stopped here (npm run cutover -- status)`);
      }
      return;
    }
  }
}

function describeAction(a: Action): string {
  if ("ref" in a) return `${a.do} ${a.ref.kind} ${a.ref.namespace}/${a.ref.name}`;
  if ("ingresses" in a) return `${a.do} ${a.ingresses.map((i) => `Ingress ${i.namespace}/${i.name}`).join(", ")}`;
  if (a.do === "expect") return `check: ${a.serving === "none" ? "no Ingress serves" : `only the ${a.serving} release's Ingress serves`} the hosts`;
  return a.do;
}

function plan(step: Exclude<Step, "status">, o: Observed): Plan {
  if (step === "prepare") return planPrepare(o, buildMigrationTag(buildOverlay("home-ops")));
  if (step === "switch") return planSwitch(o);
  if (step === "rollback") return planRollback(o);
  return planFinish(o);
}

await main(() => {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { timeout: { type: "string", default: "2m" } } });
  const step = positionals[0] as Step;
  if (positionals.length !== 1 || !STEPS.includes(step)) throw new CommandError("usage", USAGE);
  if (!/^\d+(s|m|h)$/.test(values.timeout)) throw new CommandError("usage", `--timeout ${values.timeout}: expected e.g. 90s, 2m`);
  const observed = observe();
  if (step === "status") return void console.log(statusLines(observed).join("\n"));
  const { actions, notes } = plan(step, observed);
  for (const action of actions) {
    console.log(`→ ${describeAction(action)}`);
    run(action, observed, values.timeout);
  }
  for (const note of notes) console.log(note);
}, USAGE);
