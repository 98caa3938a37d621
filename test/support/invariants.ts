/**
 * Assertions that hold for every build (base, each overlay, base + each component): the parts of the
 * reference no environment may change. Registered per target by the test files.
 */
import { expect, it } from "vitest";
import { isMigrationJob } from "../../functions/src/core/shop-objects.ts";
import { built } from "./builds.ts";
import { hardeningProblems, medusaDrift } from "./hardening.ts";
import {
  all,
  commandLine,
  container,
  containersOf,
  effectiveEnv,
  find,
  hostsFor,
  imageRepo,
  ingressRules,
  maybeFind,
  podRefs,
  podSpec,
  probePort,
  quantity,
  workloads,
  type Container,
} from "./k8s.ts";
import { APP_IMAGE_PREFIX, APPS, INGRESS, MIGRATE_COMMAND, pullSecretFor, type ResourceRow } from "./reference.ts";
import { objectId } from "./tools.ts";
import type { BuiltObject } from "../../scripts/lib/built-object.ts";

export function expectResources(where: string, c: Container, row: ResourceRow): void {
  const r = c.resources ?? {};
  const got = {
    cpuRequest: quantity(r.requests?.cpu),
    cpuLimit: quantity(r.limits?.cpu),
    memoryRequest: quantity(r.requests?.memory),
    memoryLimit: quantity(r.limits?.memory),
  };
  const want = {
    cpuRequest: quantity(row.cpuRequest),
    cpuLimit: quantity(row.cpuLimit),
    memoryRequest: quantity(row.memoryRequest),
    memoryLimit: quantity(row.memoryLimit),
  };
  expect(got, `${where} resources ${JSON.stringify(r)} vs reference ${JSON.stringify(row)}`).toEqual(want);
}

/** The migration Job, whatever prefix or suffix the overlay gave it. */
export const migrationJobs = (objects: BuiltObject[]): BuiltObject[] => objects.filter(isMigrationJob);

export function registerCommonInvariants(target: string): void {
  const objects = (): BuiltObject[] => built(target).objects;

  for (const app of Object.values(APPS)) {
    it(`${app.deployment}: Deployment, container, port ${app.port} and Service`, () => {
      const d = find(objects(), "Deployment", app.deployment);
      const c = container(d, app.container);
      expect(c.image, `${app.deployment} image`).toBeDefined();
      expect(imageRepo(c.image!), `${app.deployment} image repository`).toBe(app.image);
      expect(c.ports?.map((p) => p.containerPort), `${app.deployment} containerPorts`).toContain(app.port);
      if (app.command) expect(commandLine(c), `${app.deployment} command`).toEqual(app.command);

      const svc = find(objects(), "Service", app.service);
      const spec = svc.spec as { selector?: Record<string, string>; ports?: Array<{ port: number; targetPort?: number | string }> };
      const port = spec.ports?.find((p) => p.port === app.port);
      expect(port, `Service ${app.service} port ${app.port}; has ${JSON.stringify(spec.ports)}`).toBeDefined();
      const target = typeof port!.targetPort === "string" ? c.ports?.find((p) => p.name === port!.targetPort)?.containerPort : (port!.targetPort ?? port!.port);
      expect(target, `Service ${app.service} targetPort`).toBe(app.port);
      const podLabels = ((d.spec as any).template.metadata.labels ?? {}) as Record<string, string>;
      expect(spec.selector, `Service ${app.service} selector`).toBeDefined();
      expect(podLabels, `Service ${app.service} selector must match ${app.deployment} pod labels`).toMatchObject(spec.selector!);
    });

    it(`${app.deployment}: every probe asks ${app.healthPath} on port ${app.port}; liveness allows more failures than readiness`, () => {
      const c = container(find(objects(), "Deployment", app.deployment), app.container);
      for (const kind of ["startupProbe", "readinessProbe", "livenessProbe"] as const) {
        const probe = c[kind];
        expect(probe?.httpGet?.path, `${app.deployment} ${kind} path (${JSON.stringify(probe)})`).toBe(app.healthPath);
        expect(probePort(c, probe), `${app.deployment} ${kind} port`).toBe(app.port);
      }
      // A hung event loop still completes TCP handshakes: only an HTTP answer shows it is alive. More
      // failures before a restart than before leaving rotation, so a busy pod is rested, not killed.
      const failures = (p: typeof c.livenessProbe) => (p?.periodSeconds ?? 10) * (p?.failureThreshold ?? 3);
      expect(failures(c.livenessProbe), `${app.deployment} liveness window against readiness's`).toBeGreaterThan(failures(c.readinessProbe));
    });

    it(`${app.deployment}: the startup probe allows at least ${app.startupSeconds} s before liveness can restart it`, () => {
      const p = container(find(objects(), "Deployment", app.deployment), app.container).startupProbe;
      const allowed = (p?.initialDelaySeconds ?? 0) + (p?.periodSeconds ?? 10) * (p?.failureThreshold ?? 3);
      expect(allowed, `${app.deployment} startupProbe ${JSON.stringify(p)}`).toBeGreaterThanOrEqual(app.startupSeconds);
    });

    it(`${app.deployment}: envFrom ${app.configMap} and ${app.secret}`, () => {
      const c = container(find(objects(), "Deployment", app.deployment), app.container);
      expect(c.envFrom ?? [], `${app.deployment} envFrom`).toEqual(
        expect.arrayContaining([{ configMapRef: { name: app.configMap } }, { secretRef: { name: app.secret } }]),
      );
    });

    it(`${app.deployment}: init containers ${app.initContainers.join(" → ")} in order, before the app starts`, () => {
      const names = (podSpec(find(objects(), "Deployment", app.deployment)).initContainers ?? []).map((c) => c.name);
      const positions = app.initContainers.map((n) => names.indexOf(n));
      expect(positions.every((p) => p >= 0), `init containers ${JSON.stringify(names)} must include ${JSON.stringify(app.initContainers)}`).toBe(true);
      expect([...positions].sort((a, b) => a - b), `init container order ${JSON.stringify(names)}`).toEqual(positions);
    });

    it(`${app.deployment}: runs as uid ${app.runAsUser} (named image users cannot be verified by the kubelet)`, () => {
      const d = find(objects(), "Deployment", app.deployment);
      const podUser = (podSpec(d).securityContext as { runAsUser?: number } | undefined)?.runAsUser;
      const cUser = (container(d, app.container) as { securityContext?: { runAsUser?: number } }).securityContext?.runAsUser;
      expect(cUser ?? podUser, `${app.deployment} runAsUser`).toBe(app.runAsUser);
    });
  }

  it("every pod is hardened: restricted Pod Security, no token, read-only root, bounded ephemeral storage and emptyDirs", () => {
    expect(hardeningProblems(objects())).toEqual([]);
  });

  it("every pod running the medusa image matches the server's security, volumes, env sources, pull secret and init containers", () => {
    expect(medusaDrift(objects())).toEqual([]);
  });

  it("every pod spec that runs an app image pulls with the image pull secret", () => {
    const secret = pullSecretFor(target);
    const missing = workloads(objects())
      .filter((o) => containersOf(o).some(({ container: c }) => c.image?.startsWith(APP_IMAGE_PREFIX)))
      .filter((o) => !(podSpec(o).imagePullSecrets ?? []).some((s) => s.name === secret))
      .map(objectId);
    expect(missing, `pod specs without imagePullSecrets ${secret}`).toEqual([]);
  });

  it("every ConfigMap a pod refers to is in the build", () => {
    const names = new Set(all(objects(), "ConfigMap").map((c) => c.metadata.name));
    const dangling = workloads(objects()).flatMap((o) =>
      [...podRefs(o).configMaps].filter(([name]) => !names.has(name)).map(([name, where]) => `${where} → ConfigMap ${name}`),
    );
    expect(dangling, `dangling ConfigMap references (build has: ${[...names].join(", ")})`).toEqual([]);
  });

  it("the migration Job runs `medusa db:migrate` with the server's config and secret, restartPolicy OnFailure", () => {
    const jobs = migrationJobs(objects());
    expect(jobs.map(objectId), "exactly one migration Job").toHaveLength(1);
    const job = jobs[0]!;
    const ps = podSpec(job);
    expect(ps.containers, `${objectId(job)} containers`).toHaveLength(1);
    const c = ps.containers[0]!;
    expect(commandLine(c), `${objectId(job)} command`).toEqual(MIGRATE_COMMAND);
    expect(c.envFrom ?? []).toEqual(
      expect.arrayContaining([{ configMapRef: { name: APPS.medusa.configMap } }, { secretRef: { name: APPS.medusa.secret } }]),
    );
    expect(ps.restartPolicy, `${objectId(job)} restartPolicy`).toBe("OnFailure");
    // The Medusa CLI runs db:migrate in development mode unless told otherwise.
    expect(effectiveEnv(objects(), c).NODE_ENV, `${objectId(job)} NODE_ENV`).toBe("production");
    // Flux recreates a TTL-deleted Job on the next reconcile and the migration runs again.
    expect((job.spec as { ttlSecondsAfterFinished?: number }).ttlSecondsAfterFinished, "ttlSecondsAfterFinished").toBeUndefined();
    // Argo CD runs it before each sync, replacing the previous run (docs/argocd.md).
    expect(job.metadata.annotations ?? {}, `${objectId(job)} Argo CD hook annotations`).toMatchObject({
      "argocd.argoproj.io/hook": "PreSync",
      "argocd.argoproj.io/hook-delete-policy": "BeforeHookCreation",
    });
  });

  it(`Ingress ${INGRESS} routes one host to storefront:8000 and one to medusa:9000, at /; other hosts to a port of a Service in the build`, () => {
    const ing = find(objects(), "Ingress", INGRESS);
    expect(hostsFor(ing, "storefront").length, "storefront hosts").toBeGreaterThan(0);
    expect(hostsFor(ing, "medusa").length, "medusa (admin) hosts").toBeGreaterThan(0);
    for (const rule of ingressRules(ing)) {
      expect(rule.host, `rule ${JSON.stringify(rule)} needs a host`).toBeTruthy();
      for (const p of rule.http?.paths ?? []) {
        const svc = p.backend.service;
        const app = Object.values(APPS).find((a) => a.service === svc?.name);
        const ports = ((find(objects(), "Service", svc?.name ?? "").spec as { ports?: Array<{ port: number }> }).ports ?? []).map((x) => x.port);
        expect(ports, `${rule.host}${p.path} → ${svc?.name} port`).toContain(svc?.port.number);
        if (app) expect(svc?.port.number, `${rule.host}${p.path} → ${svc?.name} port`).toBe(app.port);
        expect(p.path).toBe("/");
        expect(p.pathType).toBe("Prefix");
      }
    }
  });

  it("every container and init container has an image with an explicit tag or digest", () => {
    const bad = workloads(objects())
      .flatMap(containersOf)
      .filter(({ container: c }) => !c.image || (imageRepo(c.image) === c.image && !c.image.includes("@")))
      .map(({ where, container: c }) => `${where}: ${c.image ?? "(no image)"}`);
    // base leaves app tags to the overlays, which is fine only there
    const allowed = target === "base" || target.startsWith("base+") ? bad.filter((b) => !/ghcr\.io\/ekenheim\/ecom\//.test(b)) : bad;
    expect(allowed, "images without a tag").toEqual([]);
  });

  it("every Ingress backend Service is in the build", () => {
    const ing = maybeFind(objects(), "Ingress", INGRESS);
    if (!ing) return expect.fail(`no Ingress ${INGRESS}`);
    for (const rule of ingressRules(ing)) {
      for (const p of rule.http?.paths ?? []) {
        const name = p.backend.service?.name ?? "";
        find(objects(), "Service", name);
      }
    }
  });
}
