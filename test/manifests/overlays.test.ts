/**
 * What each environment adds on top of base. The derived ConfigMap values and the migration Job name
 * are written by the KRM function and committed; these tests are what keeps them honest when someone
 * edits the Ingress or an image tag and forgets to re-render.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isScalar, parseDocument } from "yaml";
import { built, overlayDirs } from "../support/builds.ts";
import { expectResources, migrationJobs, registerCommonInvariants } from "../support/invariants.ts";
import {
  all,
  commandLine,
  container,
  containersOf,
  csv,
  find,
  hostsFor,
  imageRepo,
  imageTag,
  ingressRules,
  podRefs,
  podSpec,
  tlsHosts,
  workloads,
} from "../support/k8s.ts";
import {
  APP_IMAGE_PREFIX,
  APPS,
  INGRESS,
  MEDUSA_IMAGE,
  pullSecretFor,
  RESOURCES,
  SEED_COMMAND,
  SEED_JOB,
} from "../support/reference.ts";
import { SHORT_SHA } from "../../functions/src/core/shop-objects.ts";
import { objectId, REPO_ROOT } from "../support/tools.ts";
import type { BuiltObject } from "../../scripts/lib/built-object.ts";
import { provisionedSecretsOf } from "../../scripts/lib/overlay.ts";

const DEV_ONLY_LABEL = "ecom.ekenheim.dev/dev-only-credentials";
/** Objects that are not namespaced and so carry no metadata.namespace. */
const CLUSTER_SCOPED = new Set(["Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition", "PriorityClass", "StorageClass", "IngressClass"]);

function origins(ing: BuiltObject, service: string): string[] {
  const tls = new Set(tlsHosts(ing));
  return hostsFor(ing, service).map((h) => `${tls.has(h) ? "https" : "http"}://${h}`);
}

const sorted = (xs: string[]): string[] => [...xs].sort();

function medusaImage(objects: BuiltObject[]): string {
  const image = container(find(objects, "Deployment", APPS.medusa.deployment), APPS.medusa.container).image;
  if (!image) throw new Error("medusa Deployment has no image");
  return image;
}

for (const overlay of overlayDirs()) {
  const objects = (): BuiltObject[] => built(overlay).objects;

  describe(overlay, () => {
    registerCommonInvariants(overlay);

    it("has its own Namespace object, and every namespaced object is in it", () => {
      const namespaces = all(objects(), "Namespace");
      expect(namespaces.map(objectId), "exactly one Namespace").toHaveLength(1);
      const ns = namespaces[0]!.metadata.name;
      const stray = objects()
        .filter((o) => !CLUSTER_SCOPED.has(o.kind) && o.metadata.namespace !== ns)
        .map((o) => `${objectId(o)} (namespace ${o.metadata.namespace ?? "unset"})`);
      expect(stray, `objects outside namespace ${ns}`).toEqual([]);
    });

    it("every container, init container and Job container sets cpu and memory requests and limits", () => {
      const bad = workloads(objects())
        .flatMap(containersOf)
        .filter(({ container: c }) => {
          const r = c.resources;
          return !(r?.requests?.cpu && r.requests.memory && r.limits?.cpu && r.limits.memory);
        })
        .map(({ where, container: c }) => `${where}: ${JSON.stringify(c.resources ?? {})}`);
      expect(bad, "containers without full resources").toEqual([]);
    });

    it("app containers keep the reference resource table", () => {
      for (const app of Object.values(APPS)) {
        expectResources(app.deployment, container(find(objects(), "Deployment", app.deployment), app.container), RESOURCES[app.deployment]);
      }
    });

    it("every pod spec uses the same image pull secret, the one this overlay names", () => {
      const names = new Set(
        workloads(objects())
          .filter((o) => containersOf(o).some(({ container: c }) => c.image?.startsWith(APP_IMAGE_PREFIX)))
          .flatMap((o) => (podSpec(o).imagePullSecrets ?? []).map((s) => s.name)),
      );
      expect([...names]).toEqual([pullSecretFor(overlay)]);
    });

    it("medusa-config CORS and URLs are derived from the Ingress hosts with the right scheme", () => {
      const ing = find(objects(), "Ingress", INGRESS);
      const shop = origins(ing, APPS.storefront.service);
      const admin = origins(ing, APPS.medusa.service);
      const cfg = find(objects(), "ConfigMap", APPS.medusa.configMap).data as Record<string, string>;
      expect(sorted(csv(cfg.STORE_CORS)), `STORE_CORS vs storefront Ingress hosts ${JSON.stringify(shop)}`).toEqual(sorted(shop));
      expect(sorted(csv(cfg.ADMIN_CORS)), `ADMIN_CORS vs admin + storefront hosts`).toEqual(sorted([...admin, ...shop]));
      expect(sorted(csv(cfg.AUTH_CORS)), `AUTH_CORS vs admin + storefront hosts`).toEqual(sorted([...admin, ...shop]));
      if ("BACKEND_URL" in cfg) expect(admin, "BACKEND_URL must be an admin origin").toContain(cfg.BACKEND_URL);
      if ("STOREFRONT_URL" in cfg) expect(shop, "STOREFRONT_URL must be a storefront origin").toContain(cfg.STOREFRONT_URL);
    });

    it("storefront-config points at the public storefront origin and the in-cluster medusa Service", () => {
      const ing = find(objects(), "Ingress", INGRESS);
      const cfg = find(objects(), "ConfigMap", APPS.storefront.configMap).data as Record<string, string>;
      expect(origins(ing, APPS.storefront.service), "NEXT_PUBLIC_BASE_URL").toContain(cfg.NEXT_PUBLIC_BASE_URL);
      expect(cfg.MEDUSA_BACKEND_URL).toBe(`http://${APPS.medusa.service}:${APPS.medusa.port}`);
    });

    it("the migration Job is named medusa-migrate-<medusa tag> and runs the medusa Deployment's image", () => {
      const image = medusaImage(objects());
      const tag = imageTag(image);
      expect(tag, `medusa image ${image} needs a tag`).toBeDefined();
      const jobs = migrationJobs(objects());
      expect(jobs.map((j) => j.metadata.name)).toEqual([`medusa-migrate-${tag}`]);
      expect(podSpec(jobs[0]!).containers[0]!.image, "migration Job image").toBe(image);
    });

    it("every medusa image in the build (server, worker, Jobs) is the same image", () => {
      const image = medusaImage(objects());
      const others = workloads(objects())
        .flatMap(containersOf)
        .filter(({ container: c }) => c.image && imageRepo(c.image) === MEDUSA_IMAGE && c.image !== image)
        .map(({ where, container: c }) => `${where}: ${c.image}`);
      expect(others, `medusa images other than ${image}`).toEqual([]);
    });

    it("writes image tags as quoted strings in kustomization.yaml (a short SHA can parse as a number)", () => {
      const doc = parseDocument(readFileSync(join(REPO_ROOT, overlay, "kustomization.yaml"), "utf8"));
      const images = doc.get("images", true) as { items?: unknown[] } | undefined;
      const unquoted: string[] = [];
      for (const [i, item] of (images?.items ?? []).entries()) {
        const node = (item as { get?: (k: string, keep: boolean) => unknown }).get?.("newTag", true);
        if (node === undefined) continue;
        if (!isScalar(node) || (node.type !== "QUOTE_DOUBLE" && node.type !== "QUOTE_SINGLE")) unquoted.push(`images[${i}].newTag: ${String(node)}`);
      }
      expect(unquoted, `${overlay}/kustomization.yaml`).toEqual([]);
    });

    it("Ingress hosts are unique", () => {
      const hosts = ingressRules(find(objects(), "Ingress", INGRESS)).map((r) => r.host ?? "");
      expect(new Set(hosts).size, `duplicate Ingress hosts ${JSON.stringify(hosts)}`).toBe(hosts.length);
    });
  });
}

describe("overlays/prod", () => {
  const objects = (): BuiltObject[] => built("overlays/prod").objects;

  it("contains no Secret: every credential comes from outside git", () => {
    expect(all(objects(), "Secret").map(objectId)).toEqual([]);
  });

  it("pins every app image to a quoted 7-hex short SHA and nothing uses :latest", () => {
    const problems: string[] = [];
    for (const { where, container: c } of workloads(objects()).flatMap(containersOf)) {
      const image = c.image ?? "";
      const tag = imageTag(image);
      if (tag === "latest" || (tag === undefined && !image.includes("@"))) problems.push(`${where}: ${image} (latest or untagged)`);
      if (image.startsWith(APP_IMAGE_PREFIX) && !SHORT_SHA.test(tag ?? "")) problems.push(`${where}: ${image} (app image tag is not a 7-hex short SHA)`);
    }
    expect(problems).toEqual([]);
  });

  it("runs 2 storefront replicas", () => {
    expect((find(objects(), "Deployment", APPS.storefront.deployment).spec as { replicas?: number }).replicas).toBe(2);
  });

  it("serves every Ingress host over TLS", () => {
    const ing = find(objects(), "Ingress", INGRESS);
    const hosts = ingressRules(ing).map((r) => r.host ?? "");
    expect(sorted(tlsHosts(ing))).toEqual(sorted(hosts));
    for (const t of (ing.spec as { tls?: Array<{ secretName?: string }> }).tls ?? []) expect(t.secretName, "tls secretName").toBeTruthy();
    for (const url of csv((find(objects(), "ConfigMap", APPS.medusa.configMap).data as Record<string, string>).STORE_CORS)) {
      expect(url).toMatch(/^https:\/\//);
    }
  });

  it("has no in-cluster datastores and no seed Job", () => {
    expect(all(objects(), "StatefulSet").map(objectId)).toEqual([]);
    expect(all(objects(), "Job").filter((j) => j.metadata.name === SEED_JOB).map(objectId)).toEqual([]);
  });

  it("splits medusa into a server and a worker on the same image, config and secret", () => {
    const server = container(find(objects(), "Deployment", APPS.medusa.deployment), APPS.medusa.container);
    const workerDeployment = find(objects(), "Deployment", "medusa-worker");
    const worker = podSpec(workerDeployment).containers[0]!;
    const env = (c: typeof server) => Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value]));
    expect(env(server).MEDUSA_WORKER_MODE, "server mode").toBe("server");
    expect(env(worker).MEDUSA_WORKER_MODE, "worker mode").toBe("worker");
    expect(env(worker)).not.toHaveProperty("DISABLE_MEDUSA_ADMIN");
    expect(worker.image).toBe(server.image);
    expect(worker.envFrom).toEqual(server.envFrom);
  });
});

describe("overlays/dev", () => {
  const objects = (): BuiltObject[] => built("overlays/dev").objects;

  it("has in-cluster postgres and redis StatefulSets with the reference resources", () => {
    for (const name of ["postgres", "redis"] as const) {
      const sts = find(objects(), "StatefulSet", name);
      expectResources(`StatefulSet ${name}`, podSpec(sts).containers[0]!, RESOURCES[name]);
      find(objects(), "Service", name);
    }
  });

  it("has the seed Job, running `medusa exec ./src/scripts/seed.js` once (restartPolicy Never)", () => {
    const job = find(objects(), "Job", SEED_JOB);
    const ps = podSpec(job);
    expect(commandLine(ps.containers[0]!)).toEqual(SEED_COMMAND);
    expect(ps.restartPolicy).toBe("Never");
    expect(ps.containers[0]!.image).toBe(medusaImage(objects()));
  });

  it(`labels every Secret ${DEV_ONLY_LABEL}=true (fake, committed credentials)`, () => {
    const secrets = all(objects(), "Secret");
    expect(secrets.length, "dev generates its Secrets").toBeGreaterThan(0);
    const unlabelled = secrets.filter((s) => s.metadata.labels?.[DEV_ONLY_LABEL] !== "true").map(objectId);
    expect(unlabelled).toEqual([]);
  });

  it("every Secret a pod refers to is in the build or one the policy says is made in the cluster (the pull secret, the certificate)", () => {
    const provisioned = provisionedSecretsOf(readFileSync(join(REPO_ROOT, "overlays/dev/policy/policy.yaml"), "utf8"), "overlays/dev/policy/policy.yaml");
    const names = new Set([...all(objects(), "Secret").map((s) => s.metadata.name), ...provisioned]);
    const dangling = workloads(objects()).flatMap((o) =>
      [...podRefs(o).secrets].filter(([name]) => !names.has(name)).map(([name, where]) => `${where} → Secret ${name}`),
    );
    expect(dangling).toEqual([]);
  });

  it("serves every host over https with the locally made certificate the policy declares, https:// origins", () => {
    // Production-mode cookies are Secure (the framework's session cookie, storefront/src/lib/data/cookies.ts).
    const ing = find(objects(), "Ingress", INGRESS);
    const tls = (ing.spec as { tls?: Array<{ hosts?: string[]; secretName?: string }> }).tls ?? [];
    expect(sorted(tls.flatMap((t) => t.hosts ?? []))).toEqual(sorted(ingressRules(ing).map((r) => r.host ?? "")));
    const policy = readFileSync(join(REPO_ROOT, "overlays/dev/policy/policy.yaml"), "utf8");
    for (const t of tls) expect(provisionedSecretsOf(policy, "overlays/dev/policy/policy.yaml"), `tls secret ${t.secretName}`).toContain(t.secretName);
    const cfg = find(objects(), "ConfigMap", APPS.medusa.configMap).data as Record<string, string>;
    for (const url of [...csv(cfg.STORE_CORS), ...csv(cfg.ADMIN_CORS), cfg.BACKEND_URL!]) expect(url).toMatch(/^https:\/\//);
  });
});

describe("overlays/home-ops", () => {
  it("gives the storefront the owner's Strapi URLs (without them CMS content silently disappears)", () => {
    const cfg = find(built("overlays/home-ops").objects, "ConfigMap", APPS.storefront.configMap).data as Record<string, string>;
    expect(cfg.STRAPI_API_URL).toMatch(/^http:\/\/[a-z0-9.-]+\.svc\.cluster\.local:\d+$/);
    expect(cfg.STRAPI_PUBLIC_URL).toMatch(/^https:\/\//);
  });
});
