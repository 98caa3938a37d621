import { describe, expect, it } from "vitest";
import { describePhases, jobOutcome, planDeploy, smokeArgs, unsubstituted, type Phase } from "../../scripts/lib/deploy.ts";
import { providedSecrets, referencedSecrets } from "../../scripts/lib/overlay.ts";
import type { BuiltObject } from "../../scripts/lib/built-object.ts";
import { built, overlayDirs } from "../support/builds.ts";

const obj = (kind: string, name: string, extra: Record<string, unknown> = {}): BuiltObject => ({ apiVersion: "v1", kind, metadata: { name }, ...extra });
const names = (p: Phase) => p.objects.map((o) => `${o.kind}/${o.metadata.name}`);
const phaseIndex = (phases: Phase[], kind: string, name: string) => phases.findIndex((p) => p.objects.some((o) => o.kind === kind && o.metadata.name === name));

describe("deploy order", () => {
  it("namespace and config, datastores, the migration Job (waited for), workloads, then the Ingress", () => {
    const objects = [
      obj("Ingress", "ecom-ingress"),
      obj("Deployment", "medusa"),
      obj("Job", "medusa-migrate-a1b2c3d"),
      obj("Job", "medusa-seed"),
      obj("Service", "medusa"),
      obj("StatefulSet", "postgres"),
      obj("Secret", "medusa-secret"),
      obj("ConfigMap", "medusa-config"),
      obj("ServiceAccount", "medusa"),
      obj("Namespace", "ecom"),
    ];
    const phases = planDeploy(objects);
    expect(phases.map((p) => p.name)).toEqual(["namespace and config", "datastores", "migration", "workloads", "ingress"]);
    expect(names(phases[0]!)).toEqual(["Namespace/ecom", "ServiceAccount/medusa", "ConfigMap/medusa-config", "Secret/medusa-secret", "Service/medusa"]);
    expect(phases[2]).toEqual({ name: "migration", objects: [objects[2]], waitForJob: "medusa-migrate-a1b2c3d" });
    // The seed Job needs the migrated schema: it is a workload, not a second migration.
    expect(names(phases[3]!)).toEqual(["Deployment/medusa", "Job/medusa-seed"]);
    expect(phases.flatMap((p) => p.objects)).toHaveLength(objects.length);
  });

  it("refuses a kind it cannot place, and a build without exactly one migration Job", () => {
    expect(() => planDeploy([obj("Job", "medusa-migrate-x"), obj("Widget", "w")])).toThrow(/Widget\/w/);
    expect(() => planDeploy([obj("Deployment", "medusa")])).toThrow(/found 0/);
    expect(() => planDeploy([obj("Job", "medusa-migrate-a"), obj("Job", "medusa-migrate-b")])).toThrow(/found 2/);
  });

  for (const overlay of overlayDirs()) {
    it(`places every object of ${overlay}, migration before any Deployment, Ingress last`, () => {
      const objects = built(overlay).objects as BuiltObject[];
      const phases = planDeploy(objects);
      expect(phases.flatMap((p) => p.objects)).toHaveLength(objects.length);
      const migration = phases.findIndex((p) => p.waitForJob);
      expect(migration).toBeGreaterThan(0);
      for (const d of objects.filter((o) => o.kind === "Deployment" || o.kind === "Ingress")) {
        expect(phaseIndex(phases, d.kind, d.metadata.name), `${d.kind}/${d.metadata.name}`).toBeGreaterThan(migration);
      }
      expect(phases.at(-1)!.name).toBe("ingress");
      expect(describePhases(phases)[migration]).toMatch(/then wait for Job medusa-migrate-/);
    });
  }

  it("spots objects left with a Flux substitution variable", () => {
    const ing = obj("Ingress", "ecom-ingress", { spec: { rules: [{ host: "shop.${SECRET_DOMAIN}" }] } });
    expect(unsubstituted([obj("ConfigMap", "c", { data: { A: "$5 {x}" } }), ing])).toEqual(["Ingress/ecom-ingress"]);
    expect(unsubstituted(built("overlays/prod").objects as BuiltObject[])).toEqual([]);
  });

  it("knows which Secrets prod leaves to the cluster", () => {
    const objects = built("overlays/prod").objects as BuiltObject[];
    const needed = [...referencedSecrets(objects)].filter((n) => !providedSecrets(objects).has(n)).sort();
    expect(needed).toEqual(["ghcr-credentials", "medusa-secret", "storefront-secret"].sort());
    expect(providedSecrets(built("base+components/external-secrets").objects as BuiltObject[])).toEqual(new Set(["medusa-secret", "storefront-secret"]));
  });
});

describe("migration Job outcome", () => {
  it.each([
    [{}, { state: "running" }],
    [{ status: { active: 1 } }, { state: "running" }],
    [{ status: { conditions: [{ type: "Complete", status: "True" }] } }, { state: "complete" }],
    [{ status: { conditions: [{ type: "Complete", status: "False" }] } }, { state: "running" }],
    [
      { status: { conditions: [{ type: "Failed", status: "True", reason: "BackoffLimitExceeded", message: "Job has reached the specified backoff limit" }] } },
      { state: "failed", reason: "BackoffLimitExceeded: Job has reached the specified backoff limit" },
    ],
    [{ status: { conditions: [{ type: "FailureTarget", status: "True" }, { type: "Failed", status: "True" }] } }, { state: "failed", reason: "Failed" }],
  ])("%j → %j", (job, outcome) => {
    expect(jobOutcome(job)).toEqual(outcome);
  });
});

describe("what the deploy tells the operator", () => {
  it("lists every object it cannot place, and every migration Job when there is not exactly one", () => {
    expect(() => planDeploy([obj("Job", "medusa-migrate-x"), obj("Widget", "w"), obj("ConfigMap", "c"), obj("Gadget", "g")])).toThrow(
      new Error("the deploy does not know which phase these belong to: Widget/w, Gadget/g"),
    );
    expect(() => planDeploy([obj("Deployment", "medusa")])).toThrow(new Error("expected exactly one medusa-migrate Job, found 0: "));
    expect(() => planDeploy([obj("Job", "medusa-migrate-a"), obj("Job", "medusa-seed"), obj("Job", "medusa-migrate-b")])).toThrow(
      new Error("expected exactly one medusa-migrate Job, found 2: Job/medusa-migrate-a, Job/medusa-migrate-b"),
    );
  });

  it("keeps the build's order among objects of one kind, and leaves out empty phases", () => {
    const phases = planDeploy([obj("ConfigMap", "b"), obj("Service", "s"), obj("ConfigMap", "a"), obj("Job", "medusa-migrate-x"), obj("ConfigMap", "c")]);
    expect(describePhases(phases)).toEqual([
      "1. namespace and config: ConfigMap/b, ConfigMap/a, ConfigMap/c, Service/s",
      "2. migration: Job/medusa-migrate-x (then wait for Job medusa-migrate-x)",
    ]);
  });

  it("takes only a well-formed ${NAME} for a Flux variable", () => {
    const cm = (value: string) => obj("ConfigMap", value, { data: { A: value } });
    const flagged = ["${DOMAIN}", "${_x1}", "a${B_2}b"];
    const plain = ["$DOMAIN", "${}", "${1A}", "${A-B}", "{A}", "$(A)"];
    expect(unsubstituted([...flagged, ...plain].map(cm))).toEqual(flagged.map((v) => `ConfigMap/${v}`));
  });

  it.each([
    [[{ type: "Failed", status: "True", reason: "DeadlineExceeded" }], { state: "failed", reason: "DeadlineExceeded" }],
    [[{ type: "Failed", status: "True", message: "Pod failed" }], { state: "failed", reason: "Pod failed" }],
    [[{ type: "Complete", status: "True" }, { type: "Failed", status: "True", reason: "R" }], { state: "failed", reason: "R" }],
    [[{ type: "Failed", status: "False", reason: "R" }, { type: "Complete", status: "True" }], { state: "complete" }],
    [[{ type: "Failed", status: "False" }], { state: "running" }],
    [[{ type: "Suspended", status: "True" }], { state: "running" }],
  ])("job conditions %j → %j", (conditions, outcome) => {
    expect(jobOutcome({ status: { conditions } })).toEqual(outcome);
  });
});

describe("the smoke run after a deploy", () => {
  it("passes the publishable key and every --resolve on", () => {
    expect(smokeArgs("prod", undefined, [])).toEqual(["prod"]);
    expect(smokeArgs("prod", "pk_1", ["a.example.com=127.0.0.1:8443", "b.example.com=127.0.0.1"])).toEqual([
      "prod", "--publishable-key", "pk_1", "--resolve", "a.example.com=127.0.0.1:8443", "--resolve", "b.example.com=127.0.0.1",
    ]);
  });
});
