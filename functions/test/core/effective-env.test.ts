import { describe, expect, test } from "vitest";
import { effectiveEnv, expand, keysInOutput } from "../../src/core/effective-env.ts";
import { AS_BUILT, type KubeObject } from "../../src/core/kube.ts";

const cm = (name: string, data: Record<string, string>): KubeObject => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data } as KubeObject);
const secret = (name: string, keys: string[]): KubeObject => ({ apiVersion: "v1", kind: "Secret", metadata: { name }, data: Object.fromEntries(keys.map((k) => [k, "eA=="])) } as KubeObject);
const es = (name: string, spec: Record<string, unknown>): KubeObject => ({ apiVersion: "external-secrets.io/v1", kind: "ExternalSecret", metadata: { name }, spec } as KubeObject);

const env = (objects: KubeObject[], container: unknown) => effectiveEnv(container, keysInOutput(objects, undefined, AS_BUILT));
const values = (e: ReturnType<typeof env>) => Object.fromEntries([...e.vars].map(([k, v]) => [k, `${v.value ?? "?"} <- ${v.source.kind} ${v.source.name} ${v.source.at}`]));

describe("effectiveEnv: what the kubelet gives the container", () => {
  test("a later envFrom source replaces an earlier one, env replaces both, a prefix renames", () => {
    const objects = [cm("a", { X: "1", Y: "1" }), cm("b", { Y: "2" }), secret("s", ["Z"])];
    const got = env(objects, { envFrom: [{ configMapRef: { name: "a" } }, { configMapRef: { name: "b" } }, { prefix: "P_", configMapRef: { name: "a" } }, { secretRef: { name: "s" } }], env: [{ name: "X", value: "3" }] });
    expect(values(got)).toEqual({
      X: "3 <- env X env[0]", Y: "2 <- ConfigMap b envFrom[1]", P_X: "1 <- ConfigMap a envFrom[2]", P_Y: "1 <- ConfigMap a envFrom[2]", Z: "? <- Secret s envFrom[3]",
    });
    expect(got.unknown).toEqual([]);
  });

  test("$(VAR) expands from what is defined before; undefined names stay; $$ escapes; unknown values make the result unknown", () => {
    const got = env([cm("a", { HOST: "h" }), secret("s", ["PASS"])], {
      envFrom: [{ configMapRef: { name: "a" } }, { secretRef: { name: "s" } }],
      env: [{ name: "URL", value: "http://$(HOST):$(PORT)/$$(HOST)" }, { name: "PORT", value: "1" }, { name: "DSN", value: "$(PASS)@x" }, { name: "F", valueFrom: { fieldRef: { fieldPath: "x" } } }, { name: "E" }],
    });
    expect(got.vars.get("URL")!.value).toBe("http://h:$(PORT)/$(HOST)");
    expect(got.vars.get("DSN")!.value).toBeUndefined();
    expect(got.vars.get("F")!.value).toBeUndefined();
    expect(got.vars.get("E")!.value).toBe("");
    expect(expand("$(A)$(B)", (n) => (n === "A" ? "a" : null))).toBe("a$(B)");
  });

  test("an ExternalSecret's keys: a replacing template's, else each data entry's; dataFrom or templateFrom are unknown unless optional", () => {
    const objects = [
      es("t", { target: { template: { data: { A: "" } } }, dataFrom: [{}] }),
      es("d", { target: { name: "renamed" }, data: [{ secretKey: "B" }, {}] }),
      es("m", { target: { template: { mergePolicy: "Merge", data: { C: "" } } }, dataFrom: [{}] }),
      es("f", { target: { template: { templateFrom: [{}] } } }),
    ];
    const got = env(objects, { envFrom: ["t", "renamed", "m", "f"].map((name) => ({ secretRef: { name } })).concat([{ secretRef: { name: "f", optional: true } } as any]) });
    expect([...got.vars.keys()].sort()).toEqual(["A", "B"]);
    expect(got.unknown.map((u) => `${u.source.at}: ${u.why}`)).toEqual([
      "envFrom[2]: ExternalSecret m takes whatever keys its store holds (dataFrom with mergePolicy Merge)",
      "envFrom[3]: ExternalSecret f builds its keys from templateFrom",
    ]);
    expect(env([es("n", { dataFrom: [{}] })], { envFrom: [{ secretRef: { name: "n" } }] }).unknown[0]!.why).toBe("ExternalSecret n takes whatever keys its store holds (dataFrom without a template)");
  });

  test("a source not in the output adds nothing (a missing reference is another check's finding); other namespaces do not count", () => {
    const other = { ...cm("a", { X: "1" }), metadata: { name: "a", namespace: "elsewhere" } } as KubeObject;
    expect(effectiveEnv({ envFrom: [{ configMapRef: { name: "a" } }] }, keysInOutput([other], "shop", AS_BUILT)).vars.size).toBe(0);
    expect(effectiveEnv({ envFrom: [{ configMapRef: { name: "a" } }] }, keysInOutput([other], "elsewhere", AS_BUILT)).vars.get("X")!.value).toBe("1");
  });
});

describe("effectiveEnv on entries of any shape, and what a value is when the output does not show it", () => {
  test("no lists, null entries, entries without a name or a reference give nothing", () => {
    const keys = keysInOutput([cm("a", { X: "1" })], undefined, AS_BUILT);
    expect(effectiveEnv(undefined, keys).vars.size).toBe(0);
    const got = effectiveEnv({ envFrom: [null, {}, { configMapRef: {} }], env: [null, { value: "x" }] }, keys);
    expect([got.vars.size, got.unknown]).toEqual([0, []]);
  });

  test("a value the output does not show is absent, not undefined", () => {
    const got = effectiveEnv({ envFrom: [{ secretRef: { name: "s" } }], env: [{ name: "F", valueFrom: { fieldRef: { fieldPath: "x" } } }] }, keysInOutput([secret("s", ["Z"])], undefined, AS_BUILT));
    expect(Object.keys(got.vars.get("Z")!)).toEqual(["source"]);
    expect(Object.keys(got.vars.get("F")!)).toEqual(["source"]);
  });

  test("a Secret's stringData keys count; a ConfigMap never reads an ExternalSecret's target", () => {
    const stringData = { apiVersion: "v1", kind: "Secret", metadata: { name: "sd" }, stringData: { K: "v" } } as KubeObject;
    expect([...effectiveEnv({ envFrom: [{ secretRef: { name: "sd" } }] }, keysInOutput([stringData], undefined, AS_BUILT)).vars.keys()]).toEqual(["K"]);
    const target = es("t", { target: { template: { data: { A: "" } } } });
    expect(effectiveEnv({ envFrom: [{ configMapRef: { name: "t" } }] }, keysInOutput([target], undefined, AS_BUILT)).vars.size).toBe(0);
  });

  test("an ExternalSecret is found by its target's name, or by its own when it names no target; data entries without a secretKey add nothing", () => {
    const renamed = es("own", { target: { name: "other" }, data: [{ secretKey: "A" }] });
    const plain = es("plain", { data: [null, { remoteRef: {} }, { secretKey: "B" }] });
    const keys = keysInOutput([renamed, plain], undefined, AS_BUILT);
    expect(effectiveEnv({ envFrom: [{ secretRef: { name: "own" } }] }, keys).vars.size).toBe(0);
    expect([...effectiveEnv({ envFrom: [{ secretRef: { name: "plain" } }] }, keys).vars.keys()]).toEqual(["B"]);
  });
});
