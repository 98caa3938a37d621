/**
 * The schema check is only worth something if it can fail: these objects are each broken in one way
 * the API server would reject or silently mangle.
 */
import { describe, expect, it } from "vitest";
import { ALLOWED_WITHOUT_SCHEMA, validateObject } from "../support/schema.ts";
import type { BuiltObject } from "../../scripts/lib/built-object.ts";

function deployment(): BuiltObject & { spec: any } {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "medusa", labels: { app: "medusa" } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: "medusa" } },
      template: {
        metadata: { labels: { app: "medusa" } },
        spec: {
          imagePullSecrets: [{ name: "ghcr-credentials" }],
          containers: [
            {
              name: "medusa",
              image: "ghcr.io/ekenheim/ecom/medusa:a1b2c3d",
              ports: [{ containerPort: 9000, name: "http" }],
              resources: { requests: { cpu: "250m", memory: "512Mi" }, limits: { cpu: 1, memory: "1Gi" } },
              readinessProbe: { httpGet: { path: "/health", port: "http" } },
            },
          ],
        },
      },
    },
  };
}

describe("schema validator", () => {
  it("accepts a well-formed Deployment", async () => {
    expect(await validateObject(deployment())).toEqual([]);
  });

  it("accepts a well-formed ConfigMap, Service, Ingress, Job, Namespace", async () => {
    const objects: BuiltObject[] = [
      { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: { STORE_CORS: "https://shop.example.com" } },
      { apiVersion: "v1", kind: "Namespace", metadata: { name: "ecom" } },
      { apiVersion: "v1", kind: "Service", metadata: { name: "s" }, spec: { selector: { app: "s" }, ports: [{ port: 80, targetPort: "http" }] } },
      {
        apiVersion: "networking.k8s.io/v1",
        kind: "Ingress",
        metadata: { name: "i" },
        spec: { rules: [{ host: "a.example.com", http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "s", port: { number: 80 } } } }] } }] },
      },
      {
        apiVersion: "batch/v1",
        kind: "Job",
        metadata: { name: "j" },
        spec: { template: { spec: { restartPolicy: "OnFailure", containers: [{ name: "m", image: "x:1", command: ["a", "b"] }] } } },
      },
    ];
    for (const o of objects) expect(await validateObject(o), `${o.kind}`).toEqual([]);
  });

  it("rejects an unknown field deep in a pod template", async () => {
    const d = deployment();
    d.spec.template.spec.containers[0].foo = "bar";
    const problems = await validateObject(d);
    expect(problems.join("\n")).toMatch(/spec\.template\.spec\.containers\[0\]\.foo: unknown field/);
  });

  it("rejects a misspelt field (readinessprobe)", async () => {
    const d = deployment();
    d.spec.template.spec.containers[0].readinessprobe = d.spec.template.spec.containers[0].readinessProbe;
    expect((await validateObject(d)).join("\n")).toMatch(/readinessprobe: unknown field/);
  });

  it("rejects unknown top-level and metadata fields", async () => {
    const d = deployment() as any;
    d.spek = {};
    d.metadata.label = { app: "x" };
    const text = (await validateObject(d)).join("\n");
    expect(text).toMatch(/spek: unknown field/);
    expect(text).toMatch(/metadata\.label: unknown field/);
  });

  it("rejects wrong types", async () => {
    const d = deployment();
    d.spec.replicas = "2";
    d.spec.template.spec.containers[0].ports[0].containerPort = "9000";
    const text = (await validateObject(d)).join("\n");
    expect(text).toMatch(/spec\.replicas/);
    expect(text).toMatch(/containerPort/);
  });

  it("rejects a number where a ConfigMap needs a string (an unquoted short SHA)", async () => {
    const cm = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: { TAG: 1234567 } } as unknown as BuiltObject;
    expect((await validateObject(cm)).join("\n")).toMatch(/data\.TAG: expected string/);
  });

  it("rejects a missing required field and a malformed quantity", async () => {
    const d = deployment();
    delete d.spec.selector;
    d.spec.template.spec.containers[0].resources.limits.memory = "one gig";
    const text = (await validateObject(d)).join("\n");
    expect(text).toMatch(/selector/);
    expect(text).toMatch(/limits\/memory|limits\.memory/);
  });

  it("accepts base64 Secret data wrapped over lines (as kustomize writes it) and rejects non-base64", async () => {
    const secret = (value: string) =>
      ({ apiVersion: "v1", kind: "Secret", metadata: { name: "s" }, type: "Opaque", data: { K: value } }) as unknown as BuiltObject;
    const long = Buffer.from("postgresql://user:a-rather-long-password@postgres:5432/medusa?sslmode=disable").toString("base64");
    expect(await validateObject(secret(`${long.slice(0, 76)}\n${long.slice(76)}\n`))).toEqual([]);
    expect((await validateObject(secret("not base64!"))).join("\n")).toMatch(/byte/);
  });

  it("checks ExternalSecrets against the External Secrets Operator's v1 schema", async () => {
    const es = (): BuiltObject & { spec: any } => ({
      apiVersion: "external-secrets.io/v1",
      kind: "ExternalSecret",
      metadata: { name: "medusa-secret" },
      spec: {
        secretStoreRef: { kind: "ClusterSecretStore", name: "bitwarden-secrets-manager" },
        target: { name: "medusa-secret", creationPolicy: "Owner" },
        data: [{ secretKey: "JWT_SECRET", remoteRef: { key: "medusa-secret.JWT_SECRET" } }],
      },
    });
    expect(await validateObject(es())).toEqual([]);
    const badStore = es();
    badStore.spec.secretStoreRef.kind = "ClusterSecretStor";
    expect((await validateObject(badStore)).join("\n")).toMatch(/secretStoreRef\/kind/);
    const noRemote = es();
    delete noRemote.spec.data[0].remoteRef;
    expect((await validateObject(noRemote)).join("\n")).toMatch(/remoteRef/);
    const badMeta = es();
    Object.assign(badMeta.metadata, { label: { a: "b" } });
    expect((await validateObject(badMeta)).join("\n")).toMatch(/metadata\.label: unknown field/);
  });

  it("fails a kind it has no schema for, unless allowlisted", async () => {
    const crd = { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w" }, spec: {} } as BuiltObject;
    expect("example.com/v1/Widget" in ALLOWED_WITHOUT_SCHEMA).toBe(false);
    expect((await validateObject(crd)).join("\n")).toMatch(/no schema for example\.com\/v1\/Widget/);
    const wrongVersion = { apiVersion: "apps/v1beta9", kind: "Deployment", metadata: { name: "d" } } as BuiltObject;
    expect((await validateObject(wrongVersion)).join("\n")).toMatch(/no schema/);
  });
});
