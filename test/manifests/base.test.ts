/** base/ is the reference rendered once: its values are the reference's table values. */
import { describe, expect, it } from "vitest";
import { built } from "../support/builds.ts";
import { expectResources, migrationJobs, registerCommonInvariants } from "../support/invariants.ts";
import { all, container, find, hostsFor, podSpec, tlsHosts } from "../support/k8s.ts";
import { APPS, INGRESS, MIGRATION_JOB_BASE, RESOURCES } from "../support/reference.ts";
import { objectId } from "../support/tools.ts";

const objects = () => built("base").objects;

describe("base", () => {
  registerCommonInvariants("base");

  it("holds exactly the reference objects", () => {
    expect(objects().map(objectId).sort()).toEqual(
      [
        "apps/v1/Deployment medusa",
        "apps/v1/Deployment storefront",
        "v1/Service medusa",
        "v1/Service storefront",
        "v1/ConfigMap medusa-config",
        "v1/ConfigMap storefront-config",
        `batch/v1/Job ${MIGRATION_JOB_BASE}`,
        `networking.k8s.io/v1/Ingress ${INGRESS}`,
        "policy/v1/PodDisruptionBudget medusa",
        "policy/v1/PodDisruptionBudget storefront",
      ].sort(),
    );
  });

  it("sets no namespace (the overlays do)", () => {
    expect(objects().filter((o) => o.metadata.namespace).map(objectId)).toEqual([]);
  });

  it("contains no Secret (credentials never live in base)", () => {
    expect(all(objects(), "Secret").map(objectId)).toEqual([]);
  });

  it("medusa and storefront use the reference resource table", () => {
    expectResources("medusa", container(find(objects(), "Deployment", "medusa"), "medusa"), RESOURCES.medusa);
    expectResources("storefront", container(find(objects(), "Deployment", "storefront"), "storefront"), RESOURCES.storefront);
  });

  it("the migration Job gets the medusa server's resources", () => {
    const job = migrationJobs(objects())[0]!;
    expectResources(objectId(job), podSpec(job).containers[0]!, RESOURCES.medusa);
  });

  it("medusa runs 1 replica and storefront 2, as in the reference", () => {
    expect((find(objects(), "Deployment", "medusa").spec as { replicas?: number }).replicas ?? 1).toBe(1);
    expect((find(objects(), "Deployment", "storefront").spec as { replicas?: number }).replicas).toBe(2);
  });

  it("Ingress is the reference example: nginx, TLS over both hosts, 10m body size", () => {
    const ing = find(objects(), "Ingress", INGRESS);
    const spec = ing.spec as { ingressClassName?: string; tls?: Array<{ secretName?: string }> };
    expect(spec.ingressClassName).toBe("nginx");
    expect(hostsFor(ing, "storefront")).toEqual(["shop.example.com"]);
    expect(hostsFor(ing, "medusa")).toEqual(["admin.example.com"]);
    expect(tlsHosts(ing).sort()).toEqual(["admin.example.com", "shop.example.com"]);
    expect(spec.tls?.[0]?.secretName).toBe("ecom-tls");
    expect(ing.metadata.annotations?.["nginx.ingress.kubernetes.io/proxy-body-size"]).toBe("10m");
  });

  it("medusa-config and storefront-config carry the reference keys", () => {
    const medusa = find(objects(), "ConfigMap", APPS.medusa.configMap).data as Record<string, string>;
    for (const key of ["STORE_CORS", "ADMIN_CORS", "AUTH_CORS"]) expect(Object.keys(medusa), "medusa-config keys").toContain(key);
    const storefront = find(objects(), "ConfigMap", APPS.storefront.configMap).data as Record<string, string>;
    expect(storefront.MEDUSA_BACKEND_URL, "cluster-internal medusa URL").toBe("http://medusa:9000");
    for (const key of ["NEXT_PUBLIC_BASE_URL", "NEXT_PUBLIC_DEFAULT_REGION"]) expect(Object.keys(storefront), "storefront-config keys").toContain(key);
  });
});
