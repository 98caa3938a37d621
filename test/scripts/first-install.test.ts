/**
 * The first-install closure (scripts/lib/first-install.ts) on its own, on the order `npm run deploy`
 * applies an overlay in, and on the Argo CD first-install commands of docs/argocd.md.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { planDeploy } from "../../scripts/lib/deploy.ts";
import { checkFirstInstall, formatFinding, podNeeds, serviceOfUrl, type Phase } from "../../scripts/lib/first-install.ts";
import type { BuiltObject } from "../../scripts/lib/built-object.ts";
import { provisionedSecretsOf } from "../../scripts/lib/overlay.ts";
import { built, overlayDirs } from "../support/builds.ts";
import { REPO_ROOT } from "../support/tools.ts";

const provisionedFor = (overlay: string): string[] => {
  const file = `${overlay}/policy/policy.yaml`;
  return provisionedSecretsOf(readFileSync(join(REPO_ROOT, file), "utf8"), file);
};
const problems = (phases: Phase[], provisioned: string[] = []) => checkFirstInstall(phases, provisioned, "shop").problems.map(formatFinding);
const obj = (kind: string, name: string, extra: Record<string, unknown> = {}): BuiltObject => ({ apiVersion: "v1", kind, metadata: { name, namespace: "shop" }, ...extra });
const wait = (host: string, port: number) => ({ name: `wait-for-${host.split(".")[0]}`, image: "busybox:1.36", command: ["sh", "-c", `until nc -z ${host} ${port}; do sleep 2; done`] });
const job = (spec: Record<string, unknown>) => obj("Job", "migrate", { spec: { template: { spec } } });
/** What podNeeds reads besides the pod: the objects of the install (in namespace shop) and the provisioned Secrets. */
const reader = (objects: BuiltObject[] = [], provisioned: string[] = []) => ({
  byKey: new Map(objects.map((o) => [`${o.kind}/shop/${o.metadata.name}`, o])),
  provisioned: new Set(provisioned),
  unread: new Set<string>(),
});

describe("what a pod template needs", () => {

  it("reads env, envFrom, every volume kind that names an object, the ServiceAccount and pull secrets", () => {
    const pod = job({
      serviceAccountName: "migrator",
      imagePullSecrets: [{ name: "pull" }],
      volumes: [
        { name: "a", configMap: { name: "cm-vol" } },
        { name: "b", secret: { secretName: "s-vol" } },
        { name: "c", projected: { sources: [{ configMap: { name: "cm-proj" } }, { secret: { name: "s-proj" } }, { serviceAccountToken: { path: "t" } }] } },
        { name: "d", persistentVolumeClaim: { claimName: "data" } },
        { name: "e", emptyDir: {} },
        { name: "f", configMap: { name: "maybe", optional: true } },
      ],
      containers: [
        {
          name: "app",
          envFrom: [{ configMapRef: { name: "cm-from" } }, { secretRef: { name: "s-from" } }],
          env: [
            { name: "A", valueFrom: { configMapKeyRef: { name: "cm-key", key: "A" } } },
            { name: "B", valueFrom: { secretKeyRef: { name: "s-key", key: "B" } } },
          ],
        },
      ],
    });
    const { refs, unreadable } = podNeeds(pod, "shop", reader());
    expect(unreadable).toEqual([]);
    expect(refs.map((r) => `${r.kind}/${r.name} ← ${r.from}`).sort()).toEqual(
      [
        "ServiceAccount/migrator ← serviceAccountName",
        "Secret/pull ← imagePullSecrets",
        "ConfigMap/cm-vol ← volume a",
        "Secret/s-vol ← volume b",
        "ConfigMap/cm-proj ← volume c",
        "Secret/s-proj ← volume c",
        "PersistentVolumeClaim/data ← volume d",
        "ConfigMap/cm-from ← container app envFrom",
        "Secret/s-from ← container app envFrom",
        "ConfigMap/cm-key ← container app env A",
        "Secret/s-key ← container app env B",
      ].sort(),
    );
  });

  it("reads the Services init containers wait for and the in-cluster URLs of what the pod reads", () => {
    const config = obj("ConfigMap", "cfg", { data: { DB: "postgres://u:p@postgres:5432/db", SEARCH: "http://search.shop.svc.cluster.local:7700", PUBLIC: "https://shop.example.com", OTHER_NS: "http://strapi.cms.svc:1337", FLUX: "https://api.${SECRET_DOMAIN}" } });
    const secret = obj("Secret", "sec", { data: { REDIS_URL: Buffer.from("redis://redis:6379").toString("base64") } });
    const pod = job({
      initContainers: [wait("postgres", 5432), wait("files.shop.svc", 7070)],
      containers: [{ name: "app", envFrom: [{ configMapRef: { name: "cfg" } }], env: [{ name: "R", valueFrom: { secretKeyRef: { name: "sec", key: "REDIS_URL" } } }, { name: "U", value: "http://medusa:9000" }] }],
    });
    const services = podNeeds(pod, "shop", reader([config, secret])).refs.filter((r) => r.kind === "Service");
    expect(services.map((r) => `${r.name}:${r.port}`).sort()).toEqual(["files:7070", "medusa:9000", "postgres:5432", "postgres:5432", "redis:6379", "search:7700"]);
  });

  it("a pod that names no ServiceAccount runs as the namespace's `default`", () => {
    expect(podNeeds(job({ containers: [{ name: "app" }] }), "shop", reader()).refs).toEqual([
      { kind: "ServiceAccount", name: "default", namespace: "shop", from: "serviceAccountName" },
    ]);
    expect(podNeeds(job({ containers: [{ name: "app", envFrom: [{ configMapRef: { name: "cfg" } }] }] }), "shop", reader()).refs).toEqual([
      { kind: "ServiceAccount", name: "default", namespace: "shop", from: "serviceAccountName" },
      { kind: "ConfigMap", name: "cfg", namespace: "shop", from: "container app envFrom" },
    ]);
  });

  it("reports what it cannot read instead of assuming the pod needs nothing", () => {
    const pod = job({
      volumes: [{ name: "x", nfs: { server: "n", path: "/" } }],
      initContainers: [
        { name: "custom", image: "x", command: ["/bin/wait-for-it", "postgres:5432"] },
        { name: "script", image: "x", command: ["sh", "-c", "until pg_isready -h postgres; do sleep 1; done"] },
      ],
      containers: [{ name: "app" }],
    });
    expect(podNeeds(pod, "shop", reader()).unreadable).toEqual([
      "volume x: cannot tell what a nfs volume needs",
      "initContainer custom: cannot tell what `/bin/wait-for-it postgres:5432` waits for (only `sh -c '… nc -z HOST PORT …'` is understood)",
      "initContainer script: cannot tell what the script waits for (no `nc -z HOST PORT` in it)",
    ]);
    expect(problems([{ name: "only", objects: [pod] }])).toHaveLength(3);
  });

  it.each([
    ["http://medusa:9000", { name: "medusa", namespace: "shop", port: 9000 }],
    ["postgresql://u:p@postgres/db", { name: "postgres", namespace: "shop", port: 5432 }],
    ["http://meilisearch.development.svc.cluster.local:7700", { name: "meilisearch", namespace: "development", port: 7700 }],
    ["redis://dragonfly.database.svc:6379", { name: "dragonfly", namespace: "database", port: 6379 }],
    ["https://shop.example.com", undefined],
    ["https://shop.${SECRET_DOMAIN}", undefined],
    ["http://localhost:8000", undefined],
    ["http://Medusa:9000", { name: "medusa", namespace: "shop", port: 9000 }],
    ["http://medusa.shop.svc.cluster.local.:9000", { name: "medusa", namespace: "shop", port: 9000 }],
    ["rediss://cache.shop.svc", { name: "cache", namespace: "shop", port: 6379 }],
    ["ftp://files", { name: "files", namespace: "shop" }],
    ["http://medusa", { name: "medusa", namespace: "shop", port: 80 }],
    ["https://medusa", { name: "medusa", namespace: "shop", port: 443 }],
    ["postgres://db", { name: "db", namespace: "shop", port: 5432 }],
    ["redis://cache", { name: "cache", namespace: "shop", port: 6379 }],
    ["http://${MEDUSA_HOST}:9000", undefined],
    ["http://medusa.shop.svc.cluster:9000", undefined],
    ["http://10.0.0.7:5432", undefined],
    ["medusa:9000", undefined],
  ])("%s is %j", (url, expected) => {
    expect(serviceOfUrl(url, "shop")).toEqual(expected);
  });
});

describe("phases", () => {
  const svc = (name: string, port: number, selector?: Record<string, string>) => obj("Service", name, { spec: { ports: [{ port }], ...(selector ? { selector } : {}) } });
  const sts = (app: string) => obj("StatefulSet", app, { spec: { template: { metadata: { labels: { app } }, spec: { containers: [{ name: app }] } } } });
  const migrate = job({ initContainers: [wait("postgres", 5432)], containers: [{ name: "m", envFrom: [{ secretRef: { name: "medusa-secret" } }, { configMapRef: { name: "medusa-config" } }] }] });
  const config = obj("ConfigMap", "medusa-config", { data: {} });

  it("passes when everything comes in the same or an earlier phase, with provisioned Secrets present", () => {
    expect(problems([{ name: "1", objects: [config, svc("postgres", 5432, { app: "postgres" }), sts("postgres")] }, { name: "2", objects: [migrate] }], ["medusa-secret"])).toEqual([]);
  });

  it("fails on a ConfigMap, a Secret or a Service that comes later, and on a Service whose pods come later", () => {
    expect(problems([{ name: "1", objects: [migrate] }, { name: "2", objects: [config, svc("postgres", 5432)] }], ["medusa-secret"])).toEqual([
      'phase "1": Job/migrate: initContainer wait-for-postgres nc -z needs Service postgres, but it comes only in the later phase "2"',
      'phase "1": Job/migrate: container m envFrom needs ConfigMap medusa-config, but it comes only in the later phase "2"',
    ]);
    expect(problems([{ name: "1", objects: [config, svc("postgres", 5432)] }, { name: "2", objects: [migrate] }])).toEqual([
      'phase "2": Job/migrate: container m envFrom needs Secret medusa-secret, but nothing in the install provides it (nor is it a provisioned Secret of the policy)',
    ]);
    expect(problems([{ name: "1", objects: [config, svc("postgres", 5432, { app: "postgres" }), migrate] }, { name: "2", objects: [sts("postgres")] }], ["medusa-secret"])).toEqual([
      'phase "1": Job/migrate: initContainer wait-for-postgres nc -z waits for Service postgres, whose pods (StatefulSet/postgres) come only in a later phase',
    ]);
  });

  it("fails on a port the Service does not have", () => {
    expect(problems([{ name: "1", objects: [config, svc("postgres", 5433), migrate] }], ["medusa-secret"])).toEqual([
      'phase "1": Job/migrate: initContainer wait-for-postgres nc -z connects to Service postgres on port 5432, which the Service does not have (5433)',
    ]);
    const twoPorts = obj("Service", "postgres", { spec: { ports: [{ port: 9187 }, { port: 5433 }] } });
    expect(problems([{ name: "1", objects: [config, twoPorts, migrate] }], ["medusa-secret"])).toEqual([
      'phase "1": Job/migrate: initContainer wait-for-postgres nc -z connects to Service postgres on port 5432, which the Service does not have (9187, 5433)',
    ]);
  });
});

describe("npm run deploy's order on an empty cluster", () => {
  for (const overlay of overlayDirs()) {
    it(`${overlay}: every pod finds what it needs in its phase or an earlier one`, () => {
      const phases = planDeploy(built(overlay).objects as BuiltObject[]);
      expect(checkFirstInstall(phases, provisionedFor(overlay)).problems.map(formatFinding)).toEqual([]);
    });
  }

  it("a plan that puts the postgres Service after the migration Job is refused", () => {
    const phases = planDeploy(built("overlays/prod").objects as BuiltObject[]);
    const isPostgres = (o: BuiltObject) => o.kind === "Service" && o.metadata.name === "postgres";
    const late = phases.map((p) => ({ ...p, objects: p.objects.filter((o) => !isPostgres(o)) }));
    late.find((p) => p.name === "workloads")!.objects.push(...phases.flatMap((p) => p.objects.filter(isPostgres)));
    expect(checkFirstInstall(late, provisionedFor("overlays/prod")).problems.map(formatFinding)).toEqual([
      expect.stringMatching(/^phase "migration": Job\/medusa-migrate-\w+: initContainer wait-for-postgres nc -z needs Service postgres, but it comes only in the later phase "workloads"$/),
    ]);
  });
});

/**
 * The first-install commands of docs/argocd.md as phases: a selective sync (`--resource GROUP:KIND:NAME`)
 * applies exactly those objects and runs no hooks; a full sync runs the PreSync hooks before it applies
 * anything else.
 */
function argoPhases(doc: string, overlay: string, objects: BuiltObject[]): Phase[] {
  const block = new RegExp(`<!-- first-install: ${overlay} -->\\s*\`\`\`sh\\n([\\s\\S]*?)\`\`\``).exec(doc);
  if (!block) throw new Error(`docs/argocd.md has no \`<!-- first-install: ${overlay} -->\` block`);
  const hook = (o: BuiltObject) => (o.metadata as { annotations?: Record<string, string> }).annotations?.["argocd.argoproj.io/hook"] === "PreSync";
  const phases: Phase[] = [];
  let applied = new Set<BuiltObject>();
  for (const line of block[1]!.split("\n").filter((l) => /^argocd app sync /.test(l))) {
    const resources = [...line.matchAll(/--resource\s+(\S+)/g)].map((m) => m[1]!);
    if (resources.length === 0) {
      phases.push({ name: `${line} (PreSync hooks)`, objects: objects.filter(hook) });
      phases.push({ name: line, objects: objects.filter((o) => !hook(o) && !applied.has(o)) });
      applied = new Set(objects);
      continue;
    }
    const picked = resources.map((r) => {
      const [group, kind, name] = r.split(":");
      const found = objects.find((o) => o.kind === kind && o.metadata.name === name && (o.apiVersion?.includes("/") ? o.apiVersion.split("/")[0] : "") === group);
      if (!found) throw new Error(`docs/argocd.md: --resource ${r} names nothing in ${overlay}`);
      if (hook(found)) throw new Error(`docs/argocd.md: --resource ${r} is a hook, which a selective sync does not run`);
      return found;
    });
    picked.forEach((o) => applied.add(o));
    phases.push({ name: line, objects: picked });
  }
  return phases;
}

describe("docs/argocd.md first install", () => {
  const doc = readFileSync(join(REPO_ROOT, "docs/argocd.md"), "utf8");
  const objects = () => built("overlays/prod").objects as BuiltObject[];

  it("its commands leave nothing the hook or any pod needs for a later step", () => {
    const phases = argoPhases(doc, "overlays/prod", objects());
    expect(phases.length).toBeGreaterThanOrEqual(3);
    expect(checkFirstInstall(phases, provisionedFor("overlays/prod")).problems.map(formatFinding)).toEqual([]);
  });

  it("the steps as they were (Namespace and ConfigMap only) deadlock: the check says so", () => {
    const old = doc.replace(/ --resource :Service:\S+/g, "");
    expect(checkFirstInstall(argoPhases(old, "overlays/prod", objects()), provisionedFor("overlays/prod")).problems.map(formatFinding)).toEqual([
      expect.stringMatching(/PreSync hooks\)": Job\/medusa-migrate-\w+: initContainer wait-for-postgres nc -z needs Service postgres, but it comes only in the later phase "argocd app sync ecom-prod"$/),
    ]);
  });
});

describe("what an init container waits for", () => {
  const init = (name: string, command: unknown[], args?: unknown[]) => ({ name, image: "busybox:1.36", command, ...(args ? { args } : {}) });
  const needs = (...initContainers: unknown[]) => podNeeds(job({ initContainers, containers: [{ name: "app" }] }), "shop", reader());

  it("reads `nc -z` with its flags in sh or bash, from command or args, and skips hosts outside the cluster", () => {
    const { refs, unreadable } = needs(
      init("a", ["/bin/bash", "-c", "until nc -zv postgres 5432; do sleep 1; done"]),
      init("b", ["sh"], ["-c", "while ! nc -w 2 -z redis.shop.svc.cluster.local 6379; do sleep 1; done; until nc -z -w 1 search 7700; do sleep 1; done"]),
      init("c", ["/usr/bin/sh", "-c", "until nc -z db.example.com 5432; do sleep 1; done"]),
      { name: "d", image: "busybox:1.36", args: ["sh", "-c", "until nc  -vz  files  7070; do sleep 1; done"] },
    );
    expect(unreadable).toEqual([]);
    expect(refs.filter((r) => r.kind === "Service")).toEqual([
      { kind: "Service", name: "postgres", namespace: "shop", from: "initContainer a nc -z", port: 5432 },
      { kind: "Service", name: "redis", namespace: "shop", from: "initContainer b nc -z", port: 6379 },
      { kind: "Service", name: "search", namespace: "shop", from: "initContainer b nc -z", port: 7700 },
      { kind: "Service", name: "files", namespace: "shop", from: "initContainer d nc -z", port: 7070 },
    ]);
  });

  it("reports any other command form instead of guessing", () => {
    const form = "(only `sh -c '… nc -z HOST PORT …'` is understood)";
    expect(needs(
      init("zsh", ["zsh", "-c", "nc -z db 1"]),
      init("flag", ["sh", "-e", "nc -z db 1"]),
      init("short", ["sh", "-c"]),
      init("long", ["sh", "-c", "nc -z db 1", "extra"]),
      init("number", ["sh", "-c", 42]),
      init("shell", ["fish", "-c", "nc -z db 1"]),
      init("prefix", ["/bin/shim", "-c", "nc -z db 1"]),
      init("nested", [["sh"], "-c", "nc -z db 1"]),
    ).unreadable).toEqual([
      `initContainer zsh: cannot tell what \`zsh -c nc -z db 1\` waits for ${form}`,
      `initContainer flag: cannot tell what \`sh -e nc -z db 1\` waits for ${form}`,
      `initContainer short: cannot tell what \`sh -c\` waits for ${form}`,
      `initContainer long: cannot tell what \`sh -c nc -z db 1 extra\` waits for ${form}`,
      `initContainer number: cannot tell what \`sh -c 42\` waits for ${form}`,
      `initContainer shell: cannot tell what \`fish -c nc -z db 1\` waits for ${form}`,
      `initContainer prefix: cannot tell what \`/bin/shim -c nc -z db 1\` waits for ${form}`,
      `initContainer nested: cannot tell what \`sh -c nc -z db 1\` waits for ${form}`,
    ]);
  });
});

describe("the URLs a pod reads", () => {
  const services = (pod: BuiltObject, r: ReturnType<typeof reader>) => podNeeds(pod, "shop", r).refs.filter((x) => x.kind === "Service").map((x) => `${x.name} ← ${x.from}`);
  const b64 = (s: string) => Buffer.from(s).toString("base64");

  it("reads only the key an env valueFrom names, Secrets' data decoded, stringData and ConfigMap data as written", () => {
    const secret = obj("Secret", "urls", { data: { A: b64("http://alpha:80"), B: b64("http://beta:80") }, stringData: { C: "http://gamma:80" } });
    const config = obj("ConfigMap", "cfg", { data: { RAW: b64("http://delta:80"), PLAIN: "http://epsilon:80" } });
    const pod = job({ containers: [{ name: "app", env: [{ name: "A", valueFrom: { secretKeyRef: { name: "urls", key: "A" } } }], envFrom: [{ configMapRef: { name: "cfg" } }] }] });
    expect(services(pod, reader([secret, config])).sort()).toEqual(["alpha ← container app env A (Secret urls)", "epsilon ← container app envFrom (ConfigMap cfg)"]);
    const whole = job({ containers: [{ name: "app", envFrom: [{ secretRef: { name: "urls" } }] }] });
    expect(services(whole, reader([secret])).sort()).toEqual(["alpha ← container app envFrom (Secret urls)", "beta ← container app envFrom (Secret urls)", "gamma ← container app envFrom (Secret urls)"]);
  });

  it("skips values that are not text", () => {
    const secret = obj("Secret", "mixed", { data: { PORT: 5432, URL: b64("http://alpha:80") } });
    const pod = job({ containers: [{ name: "app", envFrom: [{ secretRef: { name: "mixed" } }] }] });
    expect(services(pod, reader([secret]))).toEqual(["alpha ← container app envFrom (Secret mixed)"]);
  });

  it("does not read mounted files, and takes only string env values", () => {
    const config = obj("ConfigMap", "cfg", { data: { URL: "http://alpha:80" } });
    const pod = job({ volumes: [{ name: "v", configMap: { name: "cfg" } }], containers: [{ name: "app", env: [{ name: "N", value: 80 }, { name: "U", value: "see http://beta:80" }] }] });
    expect(services(pod, reader([config]))).toEqual(["beta ← container app env U"]);
  });

  it("notes a provisioned Secret it reads as unread, and an object without a pod template as unreadable", () => {
    const r = reader([], ["medusa-secret"]);
    podNeeds(job({ containers: [{ name: "app", envFrom: [{ secretRef: { name: "medusa-secret" } }, { configMapRef: { name: "absent" } }] }] }), "shop", r);
    expect([...r.unread]).toEqual(["Secret medusa-secret"]);
    const sameName = reader([], ["cfg"]);
    podNeeds(job({ containers: [{ name: "app", envFrom: [{ configMapRef: { name: "cfg" } }] }] }), "shop", sameName);
    expect([...sameName.unread], "a ConfigMap is never provisioned").toEqual([]);
    expect(podNeeds(obj("ConfigMap", "cfg"), "shop", r)).toEqual({ refs: [], unreadable: ["ConfigMap/cfg has no pod template to read"] });
  });
});

describe("what the install must provide", () => {
  const svc = (name: string, spec: Record<string, unknown>) => obj("Service", name, { spec });
  const deployment = (name: string, labels: Record<string, string>, spec: Record<string, unknown>) =>
    obj("Deployment", name, { spec: { template: { metadata: { labels }, spec } } });
  const app = (spec: Record<string, unknown>) => deployment("app", { app: "app" }, spec);

  it("an ExternalSecret provides its target (or, without one, its own name), in its own phase", () => {
    const es = (name: string, target?: string) => ({ apiVersion: "external-secrets.io/v1", kind: "ExternalSecret", metadata: { name, namespace: "shop" }, spec: target ? { target: { name: target } } : {} });
    const pod = app({ containers: [{ name: "app", envFrom: [{ secretRef: { name: "creds" } }, { secretRef: { name: "keys" } }] }] });
    expect(problems([{ name: "1", objects: [es("creds-sync", "creds"), es("keys"), pod] }])).toEqual([]);
    const specless = { apiVersion: "external-secrets.io/v1", kind: "ExternalSecret", metadata: { name: "keys", namespace: "shop" } };
    expect(problems([{ name: "1", objects: [es("creds-sync", "creds"), specless, pod] }])).toEqual([]);
    expect(problems([{ name: "1", objects: [obj("ConfigMap", "creds"), es("keys"), pod] }]), "a ConfigMap provides no Secret").toEqual([
      'phase "1": Deployment/app: container app envFrom needs Secret creds, but nothing in the install provides it (nor is it a provisioned Secret of the policy)',
    ]);
    expect(problems([{ name: "1", objects: [pod] }, { name: "2", objects: [es("creds-sync", "creds"), es("keys")] }])).toEqual([
      'phase "1": Deployment/app: container app envFrom needs Secret creds, but it comes only in the later phase "2" (nor is it a provisioned Secret of the policy)',
      'phase "1": Deployment/app: container app envFrom needs Secret keys, but it comes only in the later phase "2" (nor is it a provisioned Secret of the policy)',
    ]);
  });

  it("a named ServiceAccount must be there; `default` and Services of other namespaces are not the install's", () => {
    expect(problems([{ name: "1", objects: [app({ serviceAccountName: "runner", containers: [{ name: "app" }] })] }])).toEqual([
      'phase "1": Deployment/app: serviceAccountName needs ServiceAccount runner, but nothing in the install provides it',
    ]);
    expect(problems([{ name: "1", objects: [app({ initContainers: [wait("search.search.svc", 7700)], containers: [{ name: "app" }] })] }])).toEqual([]);
  });

  it("only a ServiceAccount is implicit, and only a Secret is provisioned", () => {
    const pod = app({ serviceAccountName: "default", containers: [{ name: "app", envFrom: [{ configMapRef: { name: "default" } }, { configMapRef: { name: "medusa-secret" } }] }] });
    expect(problems([{ name: "1", objects: [pod] }], ["medusa-secret"])).toEqual([
      'phase "1": Deployment/app: container app envFrom needs ConfigMap default, but nothing in the install provides it',
      'phase "1": Deployment/app: container app envFrom needs ConfigMap medusa-secret, but nothing in the install provides it',
    ]);
  });

  it("a PersistentVolumeClaim's own selector is no Service's", () => {
    const claim = obj("PersistentVolumeClaim", "data", { spec: { selector: { matchLabels: { disk: "fast" } }, resources: { requests: { storage: "1Gi" } } } });
    expect(problems([{ name: "1", objects: [claim, app({ volumes: [{ name: "d", persistentVolumeClaim: { claimName: "data" } }], containers: [{ name: "app" }] })] }])).toEqual([]);
  });

  it("objects without a namespace land in the default namespace", () => {
    const bare = (o: BuiltObject): BuiltObject => ({ ...o, metadata: { name: o.metadata.name } });
    const pod = bare(app({ containers: [{ name: "app", env: [{ name: "API", value: "http://medusa.default.svc:9000" }] }] }));
    expect(checkFirstInstall([{ name: "1", objects: [pod] }], []).problems.map(formatFinding)).toEqual([
      'phase "1": Deployment/app: container app env API needs Service medusa, but nothing in the install provides it',
    ]);
    const medusa = bare(deployment("medusa", { app: "medusa" }, { containers: [{ name: "medusa" }] }));
    expect(checkFirstInstall([{ name: "1", objects: [bare(svc("medusa", { selector: { app: "medusa" }, ports: [{ port: 9000 }] })), medusa, pod] }], []).problems).toEqual([]);
  });

  it("a Service without a selector or ports is taken as it is; one whose only pods are Jobs' has no backing", () => {
    const client = app({ initContainers: [wait("db", 5432)], containers: [{ name: "app", env: [{ name: "U", value: "ftp://db" }] }] });
    expect(problems([{ name: "1", objects: [svc("db", { type: "ExternalName", externalName: "db.example.com" }), client] }])).toEqual([]);
    expect(problems([{ name: "1", objects: [svc("db", { selector: {}, ports: [{ port: 5432 }] }), client] }])).toEqual([]);
    const jobClient = job({ initContainers: [wait("db", 5432)], containers: [{ name: "m" }] });
    expect(problems([{ name: "1", objects: [svc("db", { selector: {}, ports: [{ port: 9187 }, { port: 5432 }] }), jobClient] }])).toEqual([]);
    const jobPods = obj("Job", "db-job", { spec: { template: { metadata: { labels: { app: "db" } }, spec: { containers: [{ name: "j" }] } } } });
    const cronPods = obj("CronJob", "db-cron", { spec: { jobTemplate: { spec: { template: { metadata: { labels: { app: "db" } }, spec: { containers: [{ name: "c" }] } } } } } });
    expect(problems([{ name: "1", objects: [svc("db", { selector: { app: "db" } }), jobPods, cronPods, client] }])).toEqual([
      'phase "1": Deployment/app: initContainer wait-for-db nc -z waits for Service db, but no workload in the install has pods it selects',
      'phase "1": Deployment/app: container app env U waits for Service db, but no workload in the install has pods it selects',
    ]);
  });

  it("a workload backs a Service only when it carries every label of the selector", () => {
    const client = app({ initContainers: [wait("db", 5432)], containers: [{ name: "app" }] });
    const service = svc("db", { selector: { app: "db", tier: "data" }, ports: [{ port: 5432 }] });
    expect(problems([{ name: "1", objects: [service, deployment("db", { app: "db" }, { containers: [{ name: "db" }] }), client] }])).toEqual([
      'phase "1": Deployment/app: initContainer wait-for-db nc -z waits for Service db, but no workload in the install has pods it selects',
    ]);
    expect(problems([{ name: "1", objects: [service, deployment("db", { app: "db", tier: "data", extra: "x" }, { containers: [{ name: "db" }] }), client] }])).toEqual([]);
  });

  it("lists the provisioned Secrets whose contents it could not read, once each and sorted", () => {
    const pod = (name: string, secrets: string[]) => deployment(name, { app: name }, { containers: [{ name, envFrom: secrets.map((s) => ({ secretRef: { name: s } })) }] });
    const report = checkFirstInstall([{ name: "1", objects: [pod("a", ["zeta", "alpha"]), pod("b", ["alpha"])] }], ["alpha", "zeta"], "shop");
    expect(report).toEqual({ problems: [], unread: ["Secret alpha", "Secret zeta"] });
  });
});
