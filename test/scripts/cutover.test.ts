/**
 * The cut-over's decisions (scripts/lib/cutover.ts) over observed cluster states: which step may
 * run, what it does in which order, and what it refuses. test/cluster/cutover.test.ts runs the
 * command against the test control plane.
 */
import { describe, expect, it } from "vitest";
import { CommandError } from "../../scripts/lib/command.ts";
import {
  buildMigrationTag,
  dnsGuard,
  fluxState,
  hostsOf,
  ingressView,
  isOurs,
  migrationTags,
  NEW,
  nextStep,
  OLD,
  ourIngress,
  planFinish,
  planPrepare,
  planRollback,
  planSwitch,
  restorable,
  savedConfigMap,
  savedIngresses,
  situation,
  solveVariables,
  statusLines,
  substitute,
  type IngressView,
  type Observed,
} from "../../scripts/lib/cutover.ts";

const HOSTS = ["medusa.example.net", "storefront.example.net"];
const OLD_INGRESS: IngressView = { namespace: "development", name: "medusa", hosts: [...HOSTS] };
const OUR_INGRESS: IngressView = { namespace: "ecom", name: "ecom-ingress", hosts: [...HOSTS] };
const OTHER: IngressView = { namespace: "default", name: "blog", hosts: ["blog.example.net"] };
const up = { suspended: false, ready: true };
const held = { suspended: true, ready: true };

/** After `prepare`: the old release suspended, ours Ready with its Ingress phase suspended, the old Ingress serving. */
const prepared = (over: Partial<Observed> = {}): Observed => ({
  oldKustomization: held,
  oldHelmRelease: { ...held, migrationTags: ["9496114"] },
  preDeploy: up,
  app: up,
  ingressPhase: held,
  hosts: [...HOSTS],
  ingresses: [OLD_INGRESS, OTHER],
  saved: false,
  dnsGuard: "absent",
  ...over,
});
/** Before `prepare`: only the old release. */
const before = (over: Partial<Observed> = {}): Observed => ({
  oldKustomization: up,
  oldHelmRelease: { ...up, migrationTags: ["9496114"] },
  ingresses: [OLD_INGRESS, OTHER],
  saved: false,
  dnsGuard: "absent",
  ...over,
});
/** After `switch`. */
const switched = (over: Partial<Observed> = {}): Observed => prepared({ ingressPhase: up, ingresses: [OUR_INGRESS, OTHER], saved: true, dnsGuard: "present", ...over });

function refusal(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (err) {
    if (err instanceof CommandError) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error("expected a refusal");
}

describe("who serves the hosts", () => {
  it("nobody, the old release or ours", () => {
    expect(situation(HOSTS, [OTHER])).toEqual({ state: "none" });
    expect(situation(HOSTS, [OLD_INGRESS, OTHER])).toEqual({ state: "old", old: [OLD_INGRESS] });
    expect(situation(HOSTS, [OTHER, OUR_INGRESS])).toEqual({ state: "ours", ours: OUR_INGRESS });
    const split = [{ ...OLD_INGRESS, hosts: [HOSTS[0]!] }, { namespace: "development", name: "shop", hosts: [HOSTS[1]!] }];
    expect(situation(HOSTS, split)).toEqual({ state: "old", old: split });
  });

  it("refuses a host served by two Ingresses, naming both", () => {
    expect(refusal(() => situation(HOSTS, [OLD_INGRESS, OUR_INGRESS]))).toEqual({
      code: "cutover-conflict",
      message:
        "medusa.example.net is served by Ingress development/medusa and Ingress ecom/ecom-ingress; storefront.example.net is served by Ingress development/medusa and Ingress ecom/ecom-ingress. " +
        'Delete all but one of them before any cut-over step (docs/operations.md, "Cut-over from the owner\'s release").',
    });
  });

  it("refuses ours and the old release serving at once, even on different hosts", () => {
    const ours = { ...OUR_INGRESS, hosts: [HOSTS[0]!] };
    const old = { ...OLD_INGRESS, hosts: [HOSTS[1]!] };
    expect(refusal(() => situation(HOSTS, [ours, old])).message).toBe(
      "Ingress ecom/ecom-ingress and Ingress development/medusa serve the shop's hosts at the same time. " +
        'Delete all but one of them before any cut-over step (docs/operations.md, "Cut-over from the owner\'s release").',
    );
  });

  it("names every old Ingress serving beside ours", () => {
    const a = { namespace: "development", name: "a", hosts: [HOSTS[1]!] };
    const ours = { ...OUR_INGRESS, hosts: [HOSTS[0]!] };
    expect(refusal(() => situation(HOSTS, [ours, a])).message).toMatch(/^Ingress ecom\/ecom-ingress and Ingress development\/a serve /);
    const two = [{ namespace: "development", name: "b", hosts: ["medusa.example.net"] }, { namespace: "development", name: "c", hosts: ["storefront.example.net"] }];
    expect(refusal(() => situation(["medusa.example.net", "storefront.example.net", "x.example.net"], [...two, { ...OUR_INGRESS, hosts: ["x.example.net"] }])).message).toMatch(
      /^Ingress ecom\/ecom-ingress and Ingress development\/b, Ingress development\/c serve the shop's hosts at the same time\. /,
    );
  });

  it("refuses an old Ingress that also serves another host", () => {
    expect(refusal(() => situation(HOSTS, [{ ...OLD_INGRESS, hosts: [...HOSTS, "blog.example.net"] }]))).toEqual({
      code: "cutover-conflict",
      message: "Ingress development/medusa also serves blog.example.net: deleting it would take that host down too. Move that host to an Ingress of its own first.",
    });
    expect(refusal(() => situation(HOSTS, [{ ...OLD_INGRESS, hosts: [...HOSTS, "a.example.net", "b.example.net"] }])).message).toMatch(
      /^Ingress development\/medusa also serves a\.example\.net; Ingress development\/medusa also serves b\.example\.net: deleting it/,
    );
  });

  it("knows our Ingress by namespace and name", () => {
    expect(isOurs(OUR_INGRESS)).toBe(true);
    expect(isOurs({ ...OUR_INGRESS, namespace: "development" })).toBe(false);
    expect(isOurs({ ...OUR_INGRESS, name: "medusa" })).toBe(false);
  });
});

describe("prepare", () => {
  it("suspends the old Kustomization and HelmRelease, then puts ours in place", () => {
    expect(planPrepare(before(), "9496114")).toEqual({
      actions: [{ do: "suspend", ref: OLD.kustomization }, { do: "suspend", ref: OLD.helmRelease }, { do: "apply-flux-entry" }],
      notes: ["next: wait until Kustomization flux-system/ecom-pre-deploy (the migration) and Kustomization flux-system/ecom are Ready, then: npm run cutover -- switch"],
    });
  });

  it("leaves what is already suspended alone, so it can run again", () => {
    expect(planPrepare(before({ oldKustomization: held }), "9496114").actions).toEqual([{ do: "suspend", ref: OLD.helmRelease }, { do: "apply-flux-entry" }]);
    expect(planPrepare(before({ oldHelmRelease: { ...held, migrationTags: ["9496114"] } }), "9496114").actions).toEqual([{ do: "suspend", ref: OLD.kustomization }, { do: "apply-flux-entry" }]);
    expect(planPrepare(prepared(), "9496114").actions).toEqual([{ do: "apply-flux-entry" }]);
  });

  it("needs the old release", () => {
    expect(refusal(() => planPrepare(before({ oldKustomization: undefined, oldHelmRelease: undefined }), "9496114"))).toEqual({
      code: "cutover-not-ready",
      message:
        "Kustomization flux-system/medusa and HelmRelease development/medusa not found: there is no release to cut over from; on a cluster without one, apply flux/clusters/home-ops as it is.",
    });
    expect(refusal(() => planPrepare(before({ oldHelmRelease: undefined }), "9496114")).message).toMatch(/^HelmRelease development\/medusa not found: /);
    expect(refusal(() => planPrepare(before({ oldKustomization: undefined }), "9496114")).message).toMatch(/^Kustomization flux-system\/medusa not found: /);
  });

  it("refuses to migrate the shared database to another schema than the old release's", () => {
    expect(refusal(() => planPrepare(before({ oldHelmRelease: { ...up, migrationTags: ["91076e7", "9496114"] } }), "9496114"))).toEqual({
      code: "cutover-schema",
      message:
        "HelmRelease development/medusa migrates with ghcr.io/ekenheim/ecom/medusa:91076e7, overlays/home-ops with :9496114: the cut-over would change the shared database's schema under the running release. " +
        "Pin the same tag first (npm run set-image -- home-ops medusa 91076e7), upgrade after the cut-over.",
    });
    expect(refusal(() => planPrepare(before({ oldHelmRelease: { ...up, migrationTags: ["1111111", "2222222"] } }), "9496114")).message).toMatch(
      /^HelmRelease development\/medusa migrates with ghcr\.io\/ekenheim\/ecom\/medusa:1111111, 2222222, overlays\/home-ops with :9496114: .*set-image -- home-ops medusa 1111111\)/,
    );
    expect(refusal(() => planPrepare(before({ oldHelmRelease: { ...up, migrationTags: [] } }), "9496114"))).toEqual({
      code: "cutover-schema",
      message: "cannot tell which ghcr.io/ekenheim/ecom/medusa image HelmRelease development/medusa migrates the database with (no db:migrate container of that image in its values).",
    });
  });

  it("refuses once our Ingress exists", () => {
    expect(refusal(() => planPrepare(before({ ingresses: [OUR_INGRESS] }), "9496114"))).toEqual({
      code: "cutover-not-ready",
      message: "Ingress ecom/ecom-ingress already exists: the switch has been made (npm run cutover -- status).",
    });
  });
});

describe("switch", () => {
  it("guards DNS, saves and deletes the old Ingress, checks none serves, applies ours and hands it to Flux", () => {
    expect(planSwitch(prepared())).toEqual({
      actions: [
        { do: "guard-dns" },
        { do: "save", ingresses: [OLD_INGRESS] },
        { do: "delete", ingresses: [OLD_INGRESS] },
        { do: "expect", serving: "none" },
        { do: "apply-our-ingress" },
        { do: "resume", ref: NEW.ingressPhase },
        { do: "expect", serving: "ours" },
      ],
      notes: ["next: check the shop, then remove the old release (npm run cutover -- finish), or go back (npm run cutover -- rollback)"],
    });
  });

  it("keeps a copy saved earlier (the original), and a guard already in place", () => {
    expect(planSwitch(prepared({ saved: true, dnsGuard: "present" })).actions.map((a) => a.do)).toEqual(["delete", "expect", "apply-our-ingress", "resume", "expect"]);
  });

  it("says so when the cluster cannot keep DNS records by itself", () => {
    const plan = planSwitch(prepared({ dnsGuard: "unsupported" }));
    expect(plan.actions.map((a) => a.do)).toEqual(["save", "delete", "expect", "apply-our-ingress", "resume", "expect"]);
    expect(plan.notes[0]).toBe(
      "the cluster has no DNSEndpoint kind (externaldns.k8s.io/v1alpha1): nothing keeps the hosts' DNS records while neither Ingress exists, and external-dns may delete and re-create them",
    );
  });

  it("completes a switch that stopped after deleting the old Ingress", () => {
    expect(planSwitch(prepared({ ingresses: [OTHER], saved: true, dnsGuard: "present" }))).toEqual({
      actions: [{ do: "apply-our-ingress" }, { do: "resume", ref: NEW.ingressPhase }, { do: "expect", serving: "ours" }],
      notes: [],
    });
    expect(planSwitch(prepared({ ingresses: [], ingressPhase: up })).actions).toEqual([{ do: "guard-dns" }, { do: "apply-our-ingress" }, { do: "expect", serving: "ours" }]);
    expect(planSwitch(prepared({ ingresses: [] })).notes).toEqual(["no Ingress serves the hosts and none was saved: a rollback will have nothing to put back"]);
  });

  it("does nothing but hand over when ours already serves", () => {
    expect(planSwitch(switched())).toEqual({ actions: [], notes: ["already switched: Ingress ecom/ecom-ingress serves medusa.example.net, storefront.example.net"] });
    expect(planSwitch(switched({ ingressPhase: held })).actions).toEqual([{ do: "resume", ref: NEW.ingressPhase }]);
  });

  it("needs the old release suspended", () => {
    expect(refusal(() => planSwitch(prepared({ oldKustomization: up, oldHelmRelease: { ...up, migrationTags: [] } })))).toEqual({
      code: "cutover-not-ready",
      message: "Kustomization flux-system/medusa and HelmRelease development/medusa not suspended: run `npm run cutover -- prepare` first.",
    });
    expect(refusal(() => planSwitch(prepared({ oldHelmRelease: { ...up, migrationTags: [] } }))).message).toMatch(/^HelmRelease development\/medusa not suspended/);
    expect(refusal(() => planSwitch(prepared({ oldKustomization: up }))).message).toMatch(/^Kustomization flux-system\/medusa not suspended/);
    // The old release already removed is no obstacle.
    expect(planSwitch(prepared({ oldKustomization: undefined, oldHelmRelease: undefined })).actions).toHaveLength(7);
  });

  it("needs our three Kustomizations, the first two Ready", () => {
    expect(refusal(() => planSwitch(prepared({ preDeploy: undefined, ingressPhase: undefined })))).toEqual({
      code: "cutover-not-ready",
      message: "Kustomization flux-system/ecom-pre-deploy, Kustomization flux-system/ecom-ingress not found: run `npm run cutover -- prepare` first.",
    });
    expect(refusal(() => planSwitch(prepared({ app: undefined }))).message).toMatch(/^Kustomization flux-system\/ecom not found/);
    expect(refusal(() => planSwitch(prepared({ preDeploy: { suspended: false, ready: false }, app: { suspended: false, ready: false } })))).toEqual({
      code: "cutover-not-ready",
      message:
        "Kustomization flux-system/ecom-pre-deploy and Kustomization flux-system/ecom not Ready: the shop must run before it gets the traffic (flux get kustomizations, or kubectl describe).",
    });
    expect(refusal(() => planSwitch(prepared({ app: { suspended: false, ready: false } }))).message).toMatch(/^Kustomization flux-system\/ecom not Ready/);
    // The Ingress phase is suspended, so it is never Ready before the switch.
    expect(() => planSwitch(prepared({ ingressPhase: { suspended: true, ready: false } }))).not.toThrow();
  });

  it("needs the hosts, from the medusa-config Flux applied", () => {
    const message =
      "ConfigMap ecom/medusa-config is not in the cluster yet, so the shop's hosts are unknown: run `npm run cutover -- prepare` and wait for Kustomization flux-system/ecom-pre-deploy to be Ready.";
    expect(refusal(() => planSwitch(prepared({ hosts: undefined })))).toEqual({ code: "cutover-not-ready", message });
    expect(refusal(() => planSwitch(prepared({ hosts: [] }))).message).toBe(message);
  });

  it("refuses two Ingresses for one host", () => {
    expect(refusal(() => planSwitch(prepared({ ingresses: [OLD_INGRESS, OUR_INGRESS] }))).code).toBe("cutover-conflict");
  });
});

describe("rollback", () => {
  it("stops ours serving, puts the saved Ingress back, resumes the old release, tidies up", () => {
    expect(planRollback(switched())).toEqual({
      actions: [
        { do: "suspend", ref: NEW.ingressPhase },
        { do: "delete", ingresses: [OUR_INGRESS] },
        { do: "expect", serving: "none" },
        { do: "restore" },
        { do: "expect", serving: "old" },
        { do: "resume", ref: OLD.helmRelease },
        { do: "resume", ref: OLD.kustomization },
        { do: "forget-saved" },
        { do: "unguard-dns" },
      ],
      notes: ["our workloads keep running, suspended from traffic; to remove them: kubectl delete kustomizations -n flux-system ecom-ingress ecom ecom-pre-deploy"],
    });
  });

  it("guards DNS first when the guard is gone, and completes a rollback that stopped half-way", () => {
    expect(planRollback(switched({ dnsGuard: "absent", ingressPhase: held })).actions.map((a) => a.do)).toEqual([
      "guard-dns", "delete", "expect", "restore", "expect", "resume", "resume", "forget-saved",
    ]);
    expect(planRollback(switched({ ingresses: [], ingressPhase: held, oldHelmRelease: { ...up, migrationTags: [] } })).actions).toEqual([
      { do: "restore" },
      { do: "expect", serving: "old" },
      { do: "resume", ref: OLD.kustomization },
      { do: "forget-saved" },
      { do: "unguard-dns" },
    ]);
  });

  it("with the old Ingress serving, only makes sure the old release runs and ours does not serve", () => {
    expect(planRollback(prepared({ ingressPhase: up }))).toEqual({
      actions: [{ do: "suspend", ref: NEW.ingressPhase }, { do: "resume", ref: OLD.helmRelease }, { do: "resume", ref: OLD.kustomization }],
      notes: ["the old release serves the hosts"],
    });
    expect(planRollback(before({ hosts: HOSTS, saved: true, dnsGuard: "present" })).actions).toEqual([{ do: "forget-saved" }, { do: "unguard-dns" }]);
  });

  it("needs the old release and, to put its Ingress back, the saved copy", () => {
    expect(refusal(() => planRollback(switched({ oldKustomization: undefined })))).toEqual({
      code: "cutover-not-ready",
      message: "Kustomization flux-system/medusa not found: the old release is gone; there is nothing to roll back to.",
    });
    expect(refusal(() => planRollback(switched({ saved: false })))).toEqual({
      code: "cutover-not-ready",
      message:
        "no saved Ingress to put back (ConfigMap ecom/cutover-previous-ingress); recreate the old release's Ingress with a forced Helm upgrade (flux reconcile helmrelease -n development medusa --force) after resuming it.",
    });
    expect(refusal(() => planRollback(switched({ hosts: undefined }))).code).toBe("cutover-not-ready");
  });
});

describe("finish", () => {
  const done = (over: Partial<Observed> = {}) => switched({ oldKustomization: undefined, ...over });

  it("uninstalls the old HelmRelease, deletes what else the old Kustomization left, checks, drops the copy and the guard", () => {
    expect(planFinish(done())).toEqual({
      actions: [{ do: "uninstall-old" }, { do: "delete-leftovers" }, { do: "expect", serving: "ours" }, { do: "forget-saved" }, { do: "unguard-dns" }],
      notes: ["the cut-over is complete"],
    });
    expect(planFinish(done({ oldHelmRelease: undefined, saved: false, dnsGuard: "absent" })).actions).toEqual([{ do: "delete-leftovers" }, { do: "expect", serving: "ours" }]);
  });

  it("waits for the owner's repository to drop the old Kustomization", () => {
    expect(refusal(() => planFinish(switched()))).toEqual({
      code: "cutover-not-ready",
      message:
        "Kustomization flux-system/medusa still exists. Remove it in the owner's repository (its entry in kubernetes/apps/development/kustomization.yaml) and let Flux prune it; while it exists, resuming it would bring the old Ingress back.",
    });
  });

  it("needs ours to serve the hosts alone, handed to Flux", () => {
    const message = "the shop's hosts are not yet served by overlays/home-ops alone: run `npm run cutover -- switch` first.";
    expect(refusal(() => planFinish(done({ ingresses: [OLD_INGRESS] })))).toEqual({ code: "cutover-not-ready", message });
    expect(refusal(() => planFinish(done({ ingresses: [] }))).message).toBe(message);
    expect(refusal(() => planFinish(done({ ingressPhase: held }))).message).toBe(message);
    expect(refusal(() => planFinish(done({ ingressPhase: undefined }))).message).toBe(message);
  });
});

describe("status", () => {
  it("shows both releases, who serves each host and the next step", () => {
    expect(statusLines(prepared({ ingresses: [OLD_INGRESS], preDeploy: { suspended: false, ready: false } }))).toEqual([
      "old release:",
      "  Kustomization flux-system/medusa: suspended, Ready",
      "  HelmRelease development/medusa: suspended, Ready, migrates with :9496114",
      "overlays/home-ops:",
      "  Kustomization flux-system/ecom-pre-deploy: active, not Ready",
      "  Kustomization flux-system/ecom: active, Ready",
      "  Kustomization flux-system/ecom-ingress: suspended, Ready",
      "hosts:",
      "  medusa.example.net: Ingress development/medusa",
      "  storefront.example.net: Ingress development/medusa",
      "saved old Ingresses: no; DNS guard: absent",
      "next: wait for Kustomization flux-system/ecom-pre-deploy and Kustomization flux-system/ecom to be Ready",
    ]);
  });

  it("before anything of ours exists", () => {
    expect(statusLines(before({ oldHelmRelease: { ...up, migrationTags: [] }, saved: true }))).toEqual([
      "old release:",
      "  Kustomization flux-system/medusa: active, Ready",
      "  HelmRelease development/medusa: active, Ready, migrates with :?",
      "overlays/home-ops:",
      "  Kustomization flux-system/ecom-pre-deploy: absent",
      "  Kustomization flux-system/ecom: absent",
      "  Kustomization flux-system/ecom-ingress: absent",
      "hosts:",
      "  unknown until the pre-deploy phase has applied ConfigMap ecom/medusa-config",
      "saved old Ingresses: yes; DNS guard: absent",
      "next: npm run cutover -- prepare",
    ]);
    expect(statusLines(before({ oldKustomization: undefined, oldHelmRelease: undefined, hosts: HOSTS, ingresses: [] })).slice(1, 3)).toEqual([
      "  Kustomization flux-system/medusa: absent",
      "  HelmRelease development/medusa: absent",
    ]);
    expect(statusLines(switched({ ingresses: [] }))[8]).toBe("  medusa.example.net: no Ingress");
  });

  it("lists every tag, and every Ingress serving a host", () => {
    const lines = statusLines(prepared({ oldHelmRelease: { ...held, migrationTags: ["1111111", "9496114"] }, ingresses: [OTHER, OLD_INGRESS, OUR_INGRESS] }));
    expect(lines[2]).toBe("  HelmRelease development/medusa: suspended, Ready, migrates with :1111111, :9496114");
    expect(lines[8]).toBe("  medusa.example.net: Ingress development/medusa, Ingress ecom/ecom-ingress");
  });

  it("names the step to run next in every state", () => {
    expect(nextStep(before())).toBe("npm run cutover -- prepare");
    expect(nextStep(before({ preDeploy: { suspended: false, ready: false } }))).toBe("wait for Kustomization flux-system/ecom-pre-deploy to apply ConfigMap ecom/medusa-config");
    expect(nextStep(prepared({ app: undefined }))).toBe("npm run cutover -- prepare");
    expect(nextStep(prepared({ preDeploy: undefined }))).toBe("npm run cutover -- prepare");
    expect(nextStep(prepared({ ingressPhase: undefined }))).toBe("npm run cutover -- prepare");
    expect(nextStep(prepared({ app: { suspended: false, ready: false } }))).toMatch(/^wait for /);
    expect(nextStep(prepared())).toBe("npm run cutover -- switch");
    expect(nextStep(prepared({ ingresses: [] }))).toBe("npm run cutover -- switch");
    expect(nextStep(switched())).toBe("remove the old Kustomization in the owner's repository, then: npm run cutover -- finish");
    expect(nextStep(switched({ oldKustomization: undefined }))).toBe("npm run cutover -- finish");
    expect(nextStep(switched({ oldKustomization: undefined, oldHelmRelease: undefined }))).toBe("npm run cutover -- finish");
    expect(nextStep(switched({ oldKustomization: undefined, oldHelmRelease: undefined, saved: false }))).toBe("npm run cutover -- finish");
    expect(nextStep(switched({ oldKustomization: undefined, saved: false, dnsGuard: "absent" }))).toBe("npm run cutover -- finish");
    expect(nextStep(switched({ oldKustomization: undefined, oldHelmRelease: undefined, dnsGuard: "absent" }))).toBe("npm run cutover -- finish");
    expect(nextStep(switched({ oldKustomization: undefined, oldHelmRelease: undefined, saved: false, dnsGuard: "absent" }))).toBe("nothing: the cut-over is complete");
    expect(nextStep(prepared({ ingresses: [OLD_INGRESS, OUR_INGRESS] }))).toMatch(/^resolve the conflict: medusa.example.net is served by /);
  });
});

describe("reading the cluster", () => {
  it("a Flux object: suspended, and Ready only by its Ready condition", () => {
    expect(fluxState({})).toEqual({ suspended: false, ready: false });
    expect(fluxState({ spec: { suspend: true }, status: { conditions: [{ type: "Ready", status: "True" }] } })).toEqual({ suspended: true, ready: true });
    expect(fluxState({ status: { conditions: [{ type: "Ready", status: "False" }, { type: "Healthy", status: "True" }] } }).ready).toBe(false);
  });

  it("the medusa tag a HelmRelease migrates with, from the app-template values", () => {
    const hr = (controllers: unknown) => ({ spec: { values: { controllers } } });
    const migrate = (tag: unknown, command: unknown = ["node_modules/.bin/medusa", "db:migrate"], repository = "ghcr.io/ekenheim/ecom/medusa") => ({ image: { repository, tag }, command });
    expect(
      migrationTags(
        hr({
          server: { initContainers: { migrate: migrate("9496114") }, containers: { main: migrate("91076e7", ["node_modules/.bin/medusa", "start"]) } },
          worker: { containers: { main: { image: { repository: "ghcr.io/ekenheim/ecom/medusa", tag: "1111111" }, args: ["db:migrate"] } } },
          storefront: { containers: { main: migrate("2222222", ["db:migrate"], "ghcr.io/ekenheim/ecom/storefront") } },
          job: { containers: { main: migrate("3333333", "medusa db:migrate") } },
          untagged: { containers: { main: migrate(undefined) } },
          empty: null,
        }),
      ),
    ).toEqual(["1111111", "3333333", "9496114"]);
    expect(migrationTags(hr({ a: { containers: { m: migrate(9496114) } }, b: { containers: { m: migrate("9496114"), n: null } } }))).toEqual(["9496114"]);
    expect(migrationTags({})).toEqual([]);
    expect(migrationTags({ spec: {} })).toEqual([]);
  });

  it("an Ingress's hosts, each once", () => {
    expect(ingressView({ metadata: { name: "a", namespace: "n" }, spec: { rules: [{ host: "x" }, {}, { host: "x" }, { host: "y" }] } })).toEqual({ namespace: "n", name: "a", hosts: ["x", "y"] });
    expect(ingressView({ metadata: { name: "a" } })).toEqual({ namespace: "default", name: "a", hosts: [] });
  });

  it("our hosts from the medusa-config Flux applied", () => {
    expect(hostsOf({ BACKEND_URL: "https://medusa.example.net", STOREFRONT_URL: "https://storefront.example.net/" })).toEqual(HOSTS);
    expect(hostsOf({ BACKEND_URL: "https://medusa.example.net" })).toBeUndefined();
    expect(hostsOf({ STOREFRONT_URL: "https://storefront.example.net" })).toBeUndefined();
    expect(hostsOf(undefined)).toBeUndefined();
  });
});

describe("keeping and restoring the old Ingress", () => {
  const live = {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: {
      name: "medusa",
      namespace: "development",
      uid: "u",
      resourceVersion: "7",
      creationTimestamp: "t",
      managedFields: [{}],
      labels: { "app.kubernetes.io/managed-by": "Helm" },
      annotations: { "meta.helm.sh/release-name": "medusa", "kubectl.kubernetes.io/last-applied-configuration": "{}" },
    },
    spec: { ingressClassName: "external", rules: [{ host: "medusa.example.net" }] },
    status: { loadBalancer: {} },
  };

  it("leaves out what the API server added, keeps labels, annotations (Helm's ownership) and spec", () => {
    expect(restorable(live)).toEqual({
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      metadata: { name: "medusa", namespace: "development", labels: { "app.kubernetes.io/managed-by": "Helm" }, annotations: { "meta.helm.sh/release-name": "medusa" } },
      spec: live.spec,
    });
    expect(restorable({ metadata: { name: "a", namespace: "n", annotations: { "kubectl.kubernetes.io/last-applied-configuration": "{}" } }, spec: {} })).toEqual({
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      metadata: { name: "a", namespace: "n" },
      spec: {},
    });
  });

  it("round-trips through the saved ConfigMap in our namespace", () => {
    const cm = savedConfigMap([live]) as { metadata: unknown; data: Record<string, string> };
    expect(cm).toMatchObject({ apiVersion: "v1", kind: "ConfigMap" });
    expect(cm.metadata).toEqual({ name: "cutover-previous-ingress", namespace: "ecom", labels: { "app.kubernetes.io/part-of": "ecom", "app.kubernetes.io/managed-by": "ecom-cutover" } });
    expect(Object.keys(cm.data)).toEqual(["ingresses.json"]);
    expect(savedIngresses(cm)).toEqual([restorable(live)]);
  });

  it("refuses a saved copy it cannot read", () => {
    expect(refusal(() => savedIngresses({}))).toEqual({
      code: "cutover-not-ready",
      message: "ConfigMap ecom/cutover-previous-ingress has no readable ingresses.json: put the old Ingress back by hand or with a forced Helm upgrade.",
    });
    const listError = "ConfigMap ecom/cutover-previous-ingress: ingresses.json is not a list of Ingresses.";
    const good = '{"kind":"Ingress","metadata":{"name":"x"}}';
    for (const text of ["{}", "[]", '[{"kind":"Service","metadata":{"name":"x"}}]', '[{"kind":"Ingress","metadata":{}}]', '[{"kind":"Ingress"}]', "[null]", `[${good},{"kind":"Service","metadata":{"name":"y"}}]`]) {
      expect(refusal(() => savedIngresses({ data: { "ingresses.json": text } })).message, text).toBe(listError);
    }
  });

  it("a DNSEndpoint that wants the Ingress's records", () => {
    expect(dnsGuard(HOSTS, "external.example.net")).toEqual({
      apiVersion: "externaldns.k8s.io/v1alpha1",
      kind: "DNSEndpoint",
      metadata: { name: "ecom-cutover", namespace: "ecom", labels: { "app.kubernetes.io/part-of": "ecom", "app.kubernetes.io/managed-by": "ecom-cutover" } },
      spec: {
        endpoints: [
          { dnsName: "medusa.example.net", recordType: "CNAME", targets: ["external.example.net"] },
          { dnsName: "storefront.example.net", recordType: "CNAME", targets: ["external.example.net"] },
        ],
      },
    });
  });
});

describe("cluster variables", () => {
  it("solves a template against the value Flux made of it", () => {
    expect(solveVariables("https://medusa.${SECRET_DOMAIN}", "https://medusa.example.net")).toEqual({ SECRET_DOMAIN: "example.net" });
    expect(solveVariables("${A}.x.${B}", "one.x.two.three")).toEqual({ A: "one", B: "two.three" });
    expect(solveVariables("${A}-${A}", "k-k")).toEqual({ A: "k" });
    expect(solveVariables("${A}-${A}", "k-l")).toBeUndefined();
    expect(solveVariables("https://medusa.${D}", "https://medusaXexample.net")).toBeUndefined();
    expect(solveVariables("https://medusa.${D}", "xhttps://medusa.example.net")).toBeUndefined();
    expect(solveVariables("https://medusa.${D}", "https://medusa.example.net/")).toEqual({ D: "example.net/" });
    expect(solveVariables("plain", "plain")).toEqual({});
    expect(solveVariables("a(b)+[c]", "a(b)+[c]")).toEqual({});
    // Not a variable name: literal text, as for Flux.
    expect(solveVariables("x${1}", "x${1}")).toEqual({});
    expect(solveVariables("${1}x", "${1}x")).toEqual({});
  });

  it("substitutes strictly, keeping $${...} literal", () => {
    expect(substitute("a ${X} b ${X} $${Y}", { X: "1" })).toBe("a 1 b 1 ${Y}");
    expect(refusal(() => substitute("${MISSING}", {}))).toEqual({ code: "overlay-facts", message: "the build needs the variable MISSING, which the cluster's medusa-config does not tell" });
  });
});

describe("our side, from the overlay's build", () => {
  const job = (image: string) => ({ kind: "Job", metadata: { name: "medusa-migrate-9496114" }, spec: { template: { spec: { containers: [{ image }] } } } });
  const config = { kind: "ConfigMap", metadata: { name: "medusa-config" }, data: { BACKEND_URL: "https://medusa.${SECRET_DOMAIN}", STOREFRONT_URL: "https://storefront.${SECRET_DOMAIN}" } };
  const ingress = {
    kind: "Ingress",
    apiVersion: "networking.k8s.io/v1",
    metadata: { name: "ecom-ingress", labels: { "ingress-class": "external" }, annotations: { "external-dns.alpha.kubernetes.io/target": "external.${SECRET_DOMAIN}" } },
    spec: { rules: [{ host: "medusa.${SECRET_DOMAIN}" }, { host: "storefront.${SECRET_DOMAIN}" }] },
  };

  it("the medusa tag it migrates with", () => {
    expect(buildMigrationTag([job("ghcr.io/ekenheim/ecom/medusa:9496114"), { kind: "Job", metadata: { name: "medusa-seed" }, spec: { template: { spec: { containers: [{ image: "ghcr.io/ekenheim/ecom/medusa:1111111" }] } } } }])).toBe("9496114");
    const deployment = { kind: "Deployment", metadata: { name: "medusa-migrate-x" }, spec: { template: { spec: { containers: [{ image: "ghcr.io/ekenheim/ecom/medusa:2222222" }] } } } };
    expect(buildMigrationTag([deployment, job("ghcr.io/ekenheim/ecom/medusa:9496114")])).toBe("9496114");
    const none = refusal(() => buildMigrationTag([job("busybox:1.36"), { kind: "Deployment", metadata: { name: "medusa-migrate-x" } }]));
    expect(none).toEqual({ code: "overlay-facts", message: "expected one migration Job running ghcr.io/ekenheim/ecom/medusa in overlays/home-ops, found 0" });
    expect(refusal(() => buildMigrationTag([job("ghcr.io/ekenheim/ecom/medusa:a"), job("ghcr.io/ekenheim/ecom/medusa:b")])).message).toMatch(/found 2$/);
    expect(refusal(() => buildMigrationTag([{ kind: "Job", metadata: { name: "medusa-migrate-1" }, spec: { template: { spec: { containers: [{}] } } } }])).message).toMatch(/found 0$/);
  });

  it("our Ingress as Flux would apply it: variables solved from the live medusa-config, Flux's labels added", () => {
    const live = { BACKEND_URL: "https://medusa.example.net", STOREFRONT_URL: "https://storefront.example.net" };
    const decoys = [
      { kind: "Service", metadata: { name: "ecom-ingress" } },
      { kind: "Ingress", metadata: { name: "other" } },
      { kind: "Secret", metadata: { name: "medusa-config" }, data: {} },
      { kind: "ConfigMap", metadata: { name: "other" }, data: {} },
    ];
    expect(ourIngress([...decoys, config, ingress], live)).toEqual({
      kind: "Ingress",
      apiVersion: "networking.k8s.io/v1",
      metadata: {
        name: "ecom-ingress",
        namespace: "ecom",
        labels: { "ingress-class": "external", "kustomize.toolkit.fluxcd.io/name": "ecom-ingress", "kustomize.toolkit.fluxcd.io/namespace": "flux-system" },
        annotations: { "external-dns.alpha.kubernetes.io/target": "external.example.net" },
      },
      spec: { rules: [{ host: "medusa.example.net" }, { host: "storefront.example.net" }] },
    });
    expect(ourIngress([config, { ...ingress, metadata: { name: "ecom-ingress" } }], live).metadata.labels).toEqual({
      "kustomize.toolkit.fluxcd.io/name": "ecom-ingress",
      "kustomize.toolkit.fluxcd.io/namespace": "flux-system",
    });
  });

  it("refuses a live medusa-config the overlay cannot have produced", () => {
    expect(refusal(() => ourIngress([config, ingress], { BACKEND_URL: "https://api.example.net", STOREFRONT_URL: "https://storefront.example.net" }))).toEqual({
      code: "overlay-facts",
      message:
        'ecom/medusa-config BACKEND_URL is "https://api.example.net", which overlays/home-ops\' "https://medusa.${SECRET_DOMAIN}" cannot become: is the cluster running another revision?',
    });
    expect(refusal(() => ourIngress([config, ingress], { BACKEND_URL: "https://medusa.example.net", STOREFRONT_URL: "https://storefront.example.org" }))).toEqual({
      code: "overlay-facts",
      message: "ecom/medusa-config gives SECRET_DOMAIN two values (example.net, example.org): its URLs do not come from one build",
    });
    expect(refusal(() => ourIngress([config, ingress], {})).message).toMatch(/^ecom\/medusa-config BACKEND_URL is undefined/);
    // No URLs on either side: nothing tells the domain, and the substitution says which variable is missing.
    expect(refusal(() => ourIngress([{ ...config, data: undefined }, ingress], {})).message).toBe("the build needs the variable SECRET_DOMAIN, which the cluster's medusa-config does not tell");
    const missing = "overlays/home-ops has no Ingress ecom-ingress or ConfigMap medusa-config";
    expect(refusal(() => ourIngress([config], {}))).toEqual({ code: "overlay-facts", message: missing });
    expect(refusal(() => ourIngress([ingress], {})).message).toBe(missing);
    expect(refusal(() => ourIngress([{ ...config, kind: "Secret" }, ingress], {})).message).toBe(missing);
  });
});
