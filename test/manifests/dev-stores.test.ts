/**
 * Dev runs the search server and the object store the backend needs: the wiring is checked, not the
 * presence. The keys prod's medusa-secret carries must point at Services and ports of the dev build,
 * the bucket Job must create the bucket the backend uploads to, and the public file URL must be
 * served by the dev Ingress from the object store.
 */
import { describe, expect, it } from "vitest";
import { serviceOfUrl } from "../../scripts/lib/first-install.ts";
import { built } from "../support/builds.ts";
import { containersOf, effectiveEnv, find, ingressRules, podSpec, probePort, type Container } from "../support/k8s.ts";
import { APPS } from "../support/reference.ts";
import { objectId } from "../support/tools.ts";
import type { BuiltObject } from "../../scripts/lib/built-object.ts";

const DEV = "overlays/dev";
const objects = (): BuiltObject[] => built(DEV).objects;
const medusaEnv = (): Record<string, string> =>
  effectiveEnv(objects(), podSpec(find(objects(), "Deployment", APPS.medusa.deployment)).containers.find((c) => c.name === APPS.medusa.container)!);

/** The workload behind a Service and the container port a Service port lands on. */
function backend(service: string, port: number): { workload: BuiltObject; container: Container } {
  const svc = find(objects(), "Service", service);
  const spec = svc.spec as { selector: Record<string, string>; ports: Array<{ port: number; targetPort?: number }> };
  const sp = spec.ports.find((p) => p.port === port);
  expect(sp, `Service ${service} has no port ${port}`).toBeDefined();
  const workload = objects().find((o) => ["StatefulSet", "Deployment"].includes(o.kind) && Object.entries(spec.selector).every(([k, v]) => ((o.spec as any).template.metadata.labels ?? {})[k] === v));
  expect(workload, `no workload behind Service ${service}`).toBeDefined();
  const container = podSpec(workload!).containers.find((c) => c.ports?.some((p) => p.containerPort === (sp!.targetPort ?? sp!.port)));
  expect(container, `no container of ${objectId(workload!)} listens on ${sp!.targetPort ?? sp!.port}`).toBeDefined();
  return { workload: workload!, container: container! };
}

describe("overlays/dev: search and object store in the namespace", () => {
  for (const [key, app] of [["MEILISEARCH_HOST", "meilisearch"], ["S3_ENDPOINT", "object-store"]] as const) {
    it(`${key} resolves to Service ${app} and a port its pods listen on`, () => {
      const url = medusaEnv()[key];
      expect(url, `${key} in medusa's environment`).toBeDefined();
      const svc = serviceOfUrl(url!, "ecom-dev");
      expect(svc, `${key}=${url} is not an in-cluster address`).toMatchObject({ name: app, namespace: "ecom-dev" });
      const { workload } = backend(svc!.name, svc!.port!);
      // The contract NetworkPolicies rely on: Service name and pod label.
      expect((workload.spec as any).template.metadata.labels.app).toBe(app);
      expect((find(objects(), "Service", app).spec as { selector: Record<string, string> }).selector).toEqual({ app });
    });
  }

  it("the search server checks the key the backend sends (MEILISEARCH_API_KEY is its master key)", () => {
    const c = backend("meilisearch", 7700).container;
    const env = Object.fromEntries((c.env ?? []).map((e) => [e.name, e]));
    expect(env.MEILI_MASTER_KEY?.valueFrom?.secretKeyRef).toEqual({ name: APPS.medusa.secret, key: "MEILISEARCH_API_KEY" });
    expect(env.MEILI_ENV?.value).toBe("production");
  });

  it("the object store accepts the backend's S3 credentials", () => {
    const env = Object.fromEntries((backend("object-store", 7070).container.env ?? []).map((e) => [e.name, e.valueFrom?.secretKeyRef]));
    expect(env.ROOT_ACCESS_KEY_ID).toEqual({ name: APPS.medusa.secret, key: "S3_ACCESS_KEY_ID" });
    expect(env.ROOT_SECRET_ACCESS_KEY).toEqual({ name: APPS.medusa.secret, key: "S3_SECRET_ACCESS_KEY" });
  });

  it("the bucket Job creates S3_BUCKET on S3_ENDPOINT with the same credentials", () => {
    const c = podSpec(find(objects(), "Job", "object-store-bucket")).containers[0]!;
    const refs = Object.fromEntries((c.env ?? []).map((e) => [e.name, e.valueFrom?.secretKeyRef]));
    expect(refs.S3_BUCKET).toEqual({ name: APPS.medusa.secret, key: "S3_BUCKET" });
    expect(refs.S3_ENDPOINT).toEqual({ name: APPS.medusa.secret, key: "S3_ENDPOINT" });
    expect(refs.AWS_ACCESS_KEY_ID).toEqual({ name: APPS.medusa.secret, key: "S3_ACCESS_KEY_ID" });
    const script = [...(c.command ?? []), ...(c.args ?? [])].join(" ");
    expect(script).toMatch(/create-bucket --bucket "\$S3_BUCKET"/);
    expect(script).toMatch(/--endpoint-url "\$S3_ENDPOINT"/);
    expect(medusaEnv().S3_BUCKET, "S3_BUCKET").toMatch(/^[a-z0-9.-]{3,63}$/);
  });

  it("S3_FILE_URL is served to browsers by the dev Ingress from the object store, path-style under the bucket", () => {
    const env = medusaEnv();
    const url = new URL(env.S3_FILE_URL!);
    expect(env.S3_FORCE_PATH_STYLE).toBe("true");
    expect(url.pathname).toBe(`/${env.S3_BUCKET}`);
    const rule = ingressRules(find(objects(), "Ingress", "ecom-ingress")).find((r) => r.host === url.hostname);
    expect(rule, `no Ingress rule for ${url.hostname}`).toBeDefined();
    const path = rule!.http!.paths.find((p) => url.pathname.startsWith(p.path ?? "/"))!;
    expect(path.backend.service).toEqual({ name: "object-store", port: { number: 7070 } });
    const tls = ((find(objects(), "Ingress", "ecom-ingress").spec as { tls?: Array<{ hosts?: string[] }> }).tls ?? []).flatMap((t) => t.hosts ?? []);
    expect(url.protocol, "scheme matches the Ingress").toBe(tls.includes(url.hostname) ? "https:" : "http:");
  });

  it("both run hardened like the rest: non-root, read-only root, no capabilities, resources, probes", () => {
    for (const name of ["meilisearch", "object-store"]) {
      const sts = find(objects(), "StatefulSet", name);
      const ps = podSpec(sts) as { securityContext?: { runAsNonRoot?: boolean; seccompProfile?: { type?: string } } };
      expect(ps.securityContext?.runAsNonRoot, `${name} runAsNonRoot`).toBe(true);
      expect(ps.securityContext?.seccompProfile?.type).toBe("RuntimeDefault");
      for (const { where, container: c } of containersOf(sts)) {
        const sc = (c as { securityContext?: Record<string, any> }).securityContext ?? {};
        expect(sc, where).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } });
        expect(c.resources?.limits?.memory && c.resources.requests?.cpu, `${where} resources`).toBeTruthy();
        for (const probe of [c.startupProbe, c.readinessProbe, c.livenessProbe]) expect(probePort(c, probe), `${where} probes`).toBeDefined();
      }
    }
  });

  it("medusa waits for the search server it contacts at start-up, the seed for the store it uploads to", () => {
    const inits = (o: BuiltObject) => (podSpec(o).initContainers ?? []).map((c) => c.name);
    expect(inits(find(objects(), "Deployment", APPS.medusa.deployment))).toContain("wait-for-meilisearch");
    expect(inits(find(objects(), "Job", "medusa-seed"))).toContain("wait-for-object-store");
  });
});
