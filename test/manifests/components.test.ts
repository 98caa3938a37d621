/**
 * Each component built alone on top of base (see targets.ts), so every component is exercised even
 * if no overlay happens to use it, and none depends on what a particular overlay adds.
 */
import { describe, expect, it } from "vitest";
import { built, componentDirs, componentTarget } from "../support/builds.ts";
import { expectResources, registerCommonInvariants } from "../support/invariants.ts";
import { all, commandLine, container, effectiveEnv, find, podSpec } from "../support/k8s.ts";
import { APPS, MEDUSA_IMAGE, RESOURCES, SEED_COMMAND, SEED_JOB } from "../support/reference.ts";
import { objectId } from "../support/tools.ts";
import type { BuiltObject } from "../../scripts/lib/built-object.ts";
import { keysOf, SECRET_NAMES } from "../../scripts/lib/secret-keys.ts";

type Check = (objects: BuiltObject[]) => void;

const env = (c: { env?: Array<{ name: string; value?: string }> }): Record<string, string | undefined> =>
  Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value]));

/** What each known component must add; an unknown component still gets the common invariants. */
const COMPONENT_CHECKS: Record<string, Record<string, Check>> = {
  "components/external-secrets": {
    // The ExternalSecret schema does not reject unknown fields (schema.ts), so the shape is pinned here.
    "adds one ExternalSecret per Secret the pods read, with every key the images need, from one store": (objects) => {
      const ess = all(objects, "ExternalSecret");
      expect(ess.map((o) => o.metadata.name).sort()).toEqual([...SECRET_NAMES].sort());
      for (const name of SECRET_NAMES) {
        const spec = find(objects, "ExternalSecret", name).spec as Record<string, any>;
        expect(Object.keys(spec).sort(), `${name} spec fields`).toEqual(["data", "refreshInterval", "secretStoreRef", "target"]);
        expect(spec.secretStoreRef).toEqual({ kind: "ClusterSecretStore", name: "bitwarden-secrets-manager" });
        expect(spec.target).toEqual({ name, creationPolicy: "Owner", deletionPolicy: "Retain" });
        expect(spec.data.map((d: any) => d.secretKey), `${name} keys`).toEqual(keysOf(name));
        for (const d of spec.data) expect(d, `${name} ${d.secretKey}`).toEqual({ secretKey: d.secretKey, remoteRef: { key: `${name}/${d.secretKey}` } });
      }
      expect(all(objects, "Secret").map(objectId), "no Secret objects: the operator creates them").toEqual([]);
    },
  },
  "components/in-cluster-datastores": {
    "adds postgres and redis StatefulSets and Services with the reference resources": (objects) => {
      for (const name of ["postgres", "redis"] as const) {
        expectResources(`StatefulSet ${name}`, podSpec(find(objects, "StatefulSet", name)).containers[0]!, RESOURCES[name]);
        find(objects, "Service", name);
      }
    },
  },
  "components/managed-datastores": {
    "points the postgres and redis Service names at external endpoints, runs no datastore": (objects) => {
      for (const name of ["postgres", "redis"]) {
        const spec = find(objects, "Service", name).spec as { type?: string; externalName?: string };
        expect(spec.type, `Service ${name} type`).toBe("ExternalName");
        expect(spec.externalName, `Service ${name} externalName`).toBeTruthy();
      }
      expect(all(objects, "StatefulSet").map(objectId)).toEqual([]);
    },
  },
  "components/medusa-worker": {
    "adds a worker Deployment and puts the server in server mode": (objects) => {
      const server = container(find(objects, "Deployment", APPS.medusa.deployment), APPS.medusa.container);
      const worker = podSpec(find(objects, "Deployment", "medusa-worker")).containers[0]!;
      expect(env(server).MEDUSA_WORKER_MODE).toBe("server");
      expect(env(worker).MEDUSA_WORKER_MODE).toBe("worker");
      // Read by nothing (worker mode skips the admin anyway), so it is not set.
      expect(env(worker)).not.toHaveProperty("DISABLE_MEDUSA_ADMIN");
      expect(worker.image?.startsWith(MEDUSA_IMAGE)).toBe(true);
      expect(worker.envFrom).toEqual(server.envFrom);
      // Same probes as the server: the worker boots through the same loaders.
      for (const kind of ["startupProbe", "readinessProbe", "livenessProbe"] as const) {
        expect(worker[kind], `medusa-worker ${kind}`).toEqual(server[kind]);
      }
      expectResources("medusa-worker", worker, RESOURCES.medusa);
    },
  },
  "components/in-cluster-search-and-files": {
    "adds Meilisearch and the object store under the names NetworkPolicies rely on, the bucket Job, and medusa waiting for search": (objects) => {
      for (const app of ["meilisearch", "object-store"]) {
        expect((find(objects, "Service", app).spec as { selector?: Record<string, string> }).selector).toEqual({ app });
        expect(((find(objects, "StatefulSet", app).spec as any).template.metadata.labels as Record<string, string>).app).toBe(app);
      }
      find(objects, "Job", "object-store-bucket");
      expect((podSpec(find(objects, "Deployment", APPS.medusa.deployment)).initContainers ?? []).map((c) => c.name)).toContain("wait-for-meilisearch");
    },
  },
  "components/network-policies": {
    "denies all traffic by default and admits the ingress controller where it set the placeholder": (objects) => {
      const deny = find(objects, "NetworkPolicy", "default-deny").spec as Record<string, unknown>;
      expect(deny).toEqual({ podSelector: {}, policyTypes: ["Ingress", "Egress"] });
      expect(JSON.stringify(objects), "the ingress controller placeholder is replaced").not.toContain("set-by-patch");
    },
  },
  "components/seed": {
    "adds the one-off seed Job": (objects) => {
      const ps = podSpec(find(objects, "Job", SEED_JOB));
      expect(commandLine(ps.containers[0]!)).toEqual(SEED_COMMAND);
      expect(ps.restartPolicy).toBe("Never");
      expect(ps.containers[0]!.envFrom).toEqual(
        expect.arrayContaining([{ configMapRef: { name: APPS.medusa.configMap } }, { secretRef: { name: APPS.medusa.secret } }]),
      );
      // `medusa exec` defaults to development mode otherwise.
      expect(effectiveEnv(objects, ps.containers[0]!).NODE_ENV, "seed NODE_ENV").toBe("production");
    },
  },
};

describe("components", () => {
  it("every component directory has checks of its own", () => {
    expect(componentDirs().filter((c) => !(c in COMPONENT_CHECKS)), "components without a check in components.test.ts").toEqual([]);
  });
});

for (const component of componentDirs()) {
  const target = componentTarget(component);
  describe(`base + ${component}`, () => {
    registerCommonInvariants(target);

    it("changes the base output", () => {
      expect(built(target).text).not.toBe(built("base").text);
    });

    for (const [name, check] of Object.entries(COMPONENT_CHECKS[component] ?? {})) {
      it(name, () => check(built(target).objects));
    }
  });
}
