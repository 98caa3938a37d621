/**
 * The run plan against values written out by hand from the Kubernetes rules (the kubelet's
 * makeEnvironmentVariables and expansion package, containerd's CRI defaults, the API defaults):
 * an oracle independent of the code under test.
 */
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { expand, lookupIn } from "./expansion.ts";
import type { ImageFs } from "./image.ts";
import { type ContainerPlan, type PodPlan, capabilitySet, planPod, podsOf, quantityMillis, quantityValue } from "./pod-plan.ts";

const parse = (text: string): unknown[] => parseAllDocuments(text).map((d) => d.toJS());

const image = (over: Partial<ImageFs> = {}): ImageFs => ({ ref: "example/app:1", layers: [], ...over });

const CONFIG = `
apiVersion: v1
kind: ConfigMap
metadata: { name: first, namespace: shop }
data:
  SHARED: from-first
  ONLY_FIRST: one
  OVERRIDDEN_BY_ENV: from-configmap
  "bad key": skipped
---
apiVersion: v1
kind: Secret
metadata: { name: second, namespace: shop }
data:
  SHARED: ZnJvbS1zZWNvbmQ=          # from-second
  PASSWORD: aHVudGVyMg==            # hunter2
  MULTILINE: |
    bGluZS1vbmUtaXMt
    bG9uZw==
stringData:
  PLAIN: plain-text
---
apiVersion: v1
kind: ConfigMap
metadata: { name: other-namespace, namespace: elsewhere }
data: { X: y }
---
apiVersion: v1
kind: Service
metadata: { name: api-server, namespace: shop }
spec:
  selector: { app: api }
  ports:
  - { name: http, port: 9000, targetPort: 9000 }
  - { name: metrics, port: 9100, protocol: UDP }
---
apiVersion: v1
kind: Service
metadata: { name: db, namespace: shop }
spec:
  clusterIP: None
  selector: { app: db }
  ports: [{ port: 5432 }]
---
apiVersion: v1
kind: Service
metadata: { name: mail, namespace: shop }
spec: { type: ExternalName, externalName: smtp.example.invalid }
`;

function deployment(podSpec: string, kind = "Deployment"): unknown {
  return parse(`
apiVersion: apps/v1
kind: ${kind}
metadata: { name: web, namespace: shop }
spec:
  replicas: 1
  serviceName: web-headless
  template:
    metadata:
      labels: { app: web, tier: front }
      annotations: { team: shop }
    spec:
${podSpec.replace(/^/gm, "      ")}
`)[0];
}

function plan(podSpec: string, images: Record<string, ImageFs> = {}, kind = "Deployment"): PodPlan {
  const objects = [...parse(CONFIG), deployment(podSpec, kind)];
  const pod = podsOf(objects)[0]!;
  const names = [...(pod.spec.initContainers ?? []), ...pod.spec.containers].map((c: any) => c.name as string);
  const withImages = Object.fromEntries(names.map((n) => [n, images[n] ?? image()]));
  return planPod({
    objects,
    pod,
    images: withImages,
    podIP: "10.213.0.7",
    serviceAddresses: { "api-server": "10.213.0.3", db: "10.213.0.4" },
    node: { name: "node-a", ip: "10.213.0.1", cpuMillis: 4000, memoryBytes: 16 * 1024 ** 3 },
  });
}

const envOf = (c: ContainerPlan): Record<string, string> => Object.fromEntries(c.env.map((e) => [e.name, e.value]));
const main = (p: PodPlan): ContainerPlan => p.containers[0]!;

describe("expand ($(VAR) references)", () => {
  const vars = lookupIn(new Map([["A", "alpha"], ["B", "$(A)"], ["EMPTY", ""]]));
  it.each([
    ["$(A)", "alpha"],
    ["x-$(A)-y", "x-alpha-y"],
    ["$(UNDEFINED)", "$(UNDEFINED)"],
    ["$$(A)", "$(A)"],
    ["$$$(A)", "$alpha"],
    ["$$", "$"],
    ["$$$$", "$$"],
    ["$", "$"],
    ["a$", "a$"],
    ["$A", "$A"],
    ["${A}", "${A}"],
    ["$(A", "$(A"],
    ["$()", "$()"],
    ["$(B)", "$(A)"],
    ["[$(EMPTY)]", "[]"],
    ["$(A)$(A)", "alphaalpha"],
  ])("%s → %s", (input, expected) => {
    expect(expand(input, vars)).toBe(expected);
  });
});

describe("environment", () => {
  const spec = `
containers:
- name: app
  image: example/app:1
  command: [run]
  envFrom:
  - configMapRef: { name: first }
  - secretRef: { name: second }
  - prefix: P_
    configMapRef: { name: first }
  env:
  - { name: OVERRIDDEN_BY_ENV, value: from-env }
  - { name: REF_ENVFROM, value: "$(ONLY_FIRST)-$(SHARED)" }
  - { name: REF_LATER, value: "[$(DECLARED_LATER)]" }
  - { name: DECLARED_LATER, value: later }
  - { name: REF_EARLIER, value: "<$(DECLARED_LATER)>" }
  - { name: ESCAPED, value: "$$(ONLY_FIRST) costs $$5" }
  - { name: UNDEFINED_REF, value: "$(NOT_THERE)" }
  - { name: REF_SERVICE, value: "http://$(API_SERVER_SERVICE_HOST):$(API_SERVER_SERVICE_PORT)" }
  - { name: REF_IMAGE_ENV, value: "$(FROM_IMAGE)" }
  - { name: EMPTY, value: "" }
  - name: FROM_KEY
    valueFrom: { secretKeyRef: { name: second, key: PASSWORD } }
  - name: FROM_CM_KEY
    valueFrom: { configMapKeyRef: { name: first, key: ONLY_FIRST } }
  - name: OPTIONAL_MISSING
    valueFrom: { configMapKeyRef: { name: first, key: NOPE, optional: true } }
  - name: OPTIONAL_NO_OBJECT
    valueFrom: { secretKeyRef: { name: ghost, key: K, optional: true } }
  - name: POD_NAME
    valueFrom: { fieldRef: { fieldPath: metadata.name } }
  - name: POD_NAMESPACE
    valueFrom: { fieldRef: { fieldPath: metadata.namespace } }
  - name: POD_IP
    valueFrom: { fieldRef: { fieldPath: status.podIP } }
  - name: TIER
    valueFrom: { fieldRef: { fieldPath: "metadata.labels['tier']" } }
  - name: NODE
    valueFrom: { fieldRef: { fieldPath: spec.nodeName } }
  - name: CPU_LIMIT
    valueFrom: { resourceFieldRef: { resource: limits.cpu } }
  - name: CPU_LIMIT_MILLIS
    valueFrom: { resourceFieldRef: { resource: limits.cpu, divisor: 1m } }
  - name: MEM_LIMIT_MI
    valueFrom: { resourceFieldRef: { resource: limits.memory, divisor: 1Mi } }
  - name: MEM_REQUEST
    valueFrom: { resourceFieldRef: { resource: requests.memory } }
  - name: API_SERVER_SERVICE_PORT
    value: overridden
  resources:
    limits: { cpu: 1500m, memory: 300Mi }
    requests: { memory: 100M }
`;
  const p = plan(spec, { app: image({ env: { FROM_IMAGE: "image-value", SHARED: "from-image", HOSTNAME: "image-host" } }) });
  const env = envOf(main(p));

  it("takes later envFrom sources over earlier ones and env over all of them", () => {
    expect(env.SHARED).toBe("from-second");
    expect(env.ONLY_FIRST).toBe("one");
    expect(env.OVERRIDDEN_BY_ENV).toBe("from-env");
    expect(env.P_SHARED).toBe("from-first");
    expect(env.P_ONLY_FIRST).toBe("one");
  });

  it("skips envFrom keys that are not variable names", () => {
    expect(Object.keys(env).some((k) => k.includes("bad key"))).toBe(false);
  });

  it("decodes Secret data (base64, folded lines) and takes stringData as it is", () => {
    expect(env.PASSWORD).toBe("hunter2");
    expect(env.MULTILINE).toBe("line-one-is-long");
    expect(env.PLAIN).toBe("plain-text");
    expect(env.FROM_KEY).toBe("hunter2");
    expect(env.FROM_CM_KEY).toBe("one");
  });

  it("expands $(VAR) against envFrom, earlier env entries and Service variables, never later ones or the image's", () => {
    expect(env.REF_ENVFROM).toBe("one-from-second");
    expect(env.REF_LATER).toBe("[$(DECLARED_LATER)]");
    expect(env.REF_EARLIER).toBe("<later>");
    expect(env.ESCAPED).toBe("$(ONLY_FIRST) costs $5");
    expect(env.UNDEFINED_REF).toBe("$(NOT_THERE)");
    expect(env.REF_SERVICE).toBe("http://10.213.0.3:9000");
    expect(env.REF_IMAGE_ENV).toBe("$(FROM_IMAGE)");
  });

  it("keeps an empty value and leaves out an optional source that is missing", () => {
    expect(env.EMPTY).toBe("");
    expect("OPTIONAL_MISSING" in env).toBe(false);
    expect("OPTIONAL_NO_OBJECT" in env).toBe(false);
  });

  it("resolves the downward API", () => {
    expect(env.POD_NAME).toBe(p.name);
    expect(env.POD_NAMESPACE).toBe("shop");
    expect(env.POD_IP).toBe("10.213.0.7");
    expect(env.TIER).toBe("front");
    expect(env.NODE).toBe("node-a");
    expect(env.CPU_LIMIT).toBe("2"); // 1500m rounded up to whole cores
    expect(env.CPU_LIMIT_MILLIS).toBe("1500");
    expect(env.MEM_LIMIT_MI).toBe("300");
    expect(env.MEM_REQUEST).toBe("100000000");
  });

  it("adds Docker-link variables for Services with a cluster IP only, and lets env replace one", () => {
    expect(env.API_SERVER_SERVICE_HOST).toBe("10.213.0.3");
    expect(env.API_SERVER_SERVICE_PORT).toBe("overridden");
    expect(env.API_SERVER_SERVICE_PORT_HTTP).toBe("9000");
    expect(env.API_SERVER_SERVICE_PORT_METRICS).toBe("9100");
    expect(env.API_SERVER_PORT).toBe("tcp://10.213.0.3:9000");
    expect(env.API_SERVER_PORT_9000_TCP).toBe("tcp://10.213.0.3:9000");
    expect(env.API_SERVER_PORT_9000_TCP_PROTO).toBe("tcp");
    expect(env.API_SERVER_PORT_9000_TCP_PORT).toBe("9000");
    expect(env.API_SERVER_PORT_9000_TCP_ADDR).toBe("10.213.0.3");
    expect(env.API_SERVER_PORT_9100_UDP).toBe("udp://10.213.0.3:9100");
    expect(Object.keys(env).filter((k) => k.startsWith("DB_") || k.startsWith("MAIL_"))).toEqual([]);
    expect("KUBERNETES_SERVICE_HOST" in env).toBe(false);
    expect(p.notes.join(" ")).toContain("KUBERNETES_SERVICE_HOST");
  });

  it("starts from containerd's PATH and HOSTNAME, lets the image's ENV replace them and the container's replace the image's", () => {
    expect(main(p).env.slice(0, 2)).toEqual([
      { name: "PATH", value: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" },
      { name: "HOSTNAME", value: "image-host" },
    ]);
    expect(env.FROM_IMAGE).toBe("image-value");
    expect(env.SHARED).toBe("from-second");
  });

  it("gives HOSTNAME the pod's name when the image sets none, and no Service variables without service links", () => {
    const q = plan(`
enableServiceLinks: false
containers: [{ name: app, image: example/app:1 }]
`);
    const e = envOf(main(q));
    expect(e.HOSTNAME).toBe(q.name);
    expect(Object.keys(e).sort()).toEqual(["HOSTNAME", "PATH"]);
  });

  it("reports no finding for a well-formed pod", () => {
    expect(p.findings).toEqual([]);
  });
});

describe("missing sources", () => {
  const p = plan(`
containers:
- name: app
  image: example/app:1
  command: [run]
  envFrom:
  - configMapRef: { name: absent-cm }
  - secretRef: { name: absent-optional, optional: true }
  env:
  - name: A
    valueFrom: { secretKeyRef: { name: second, key: NO_SUCH_KEY } }
  - name: B
    valueFrom: { configMapKeyRef: { name: absent-too, key: K } }
  - name: C
    valueFrom: { configMapKeyRef: { name: other-namespace, key: X } }
`);

  it("names the pod, container, object and key of each one the kubelet would refuse", () => {
    const f = p.findings.map(({ severity, container, object, key }) => ({ severity, container, object, key }));
    expect(f).toEqual([
      { severity: "error", container: "app", object: "ConfigMap shop/absent-cm", key: undefined },
      { severity: "error", container: "app", object: "Secret shop/second", key: "NO_SUCH_KEY" },
      { severity: "error", container: "app", object: "ConfigMap shop/absent-too", key: undefined },
      { severity: "error", container: "app", object: "ConfigMap shop/other-namespace", key: undefined },
    ]);
    expect(p.findings[1]!.message).toBe(
      `pod ${p.name} container app: env A reads key NO_SUCH_KEY, which Secret shop/second does not have; the kubelet would not start the container (CreateContainerConfigError)`,
    );
    expect(p.findings.every((x) => x.pod === p.name)).toBe(true);
  });
});

describe("command and args", () => {
  const img = image({ entrypoint: ["/entry", "$(X)"], cmd: ["default-arg"] });
  const run = (fields: string): string[] =>
    main(plan(`containers:\n- name: app\n  image: example/app:1\n  env: [{ name: X, value: ex }]\n${fields}`, { app: img })).argv;

  it("uses ENTRYPOINT and CMD when the container gives neither (and expands neither)", () => {
    expect(run("")).toEqual(["/entry", "$(X)", "default-arg"]);
  });
  it("replaces CMD only when the container gives args", () => {
    expect(run("  args: [a, $(X)]")).toEqual(["/entry", "$(X)", "a", "ex"]);
  });
  it("drops both ENTRYPOINT and CMD when the container gives a command", () => {
    expect(run("  command: [/bin/run, $(X)]")).toEqual(["/bin/run", "ex"]);
  });
  it("uses command then args when the container gives both", () => {
    expect(run("  command: [/bin/run]\n  args: [$(X), $$(X), $(Y)]")).toEqual(["/bin/run", "ex", "$(X)", "$(Y)"]);
  });
  it("reports a container with no command at all", () => {
    const p = plan("containers: [{ name: app, image: example/app:1 }]");
    expect(main(p).argv).toEqual([]);
    expect(p.findings.map((f) => f.message)).toEqual([`pod ${p.name} container app: no command specified (neither the container nor image example/app:1 gives one)`]);
  });
});

describe("user, groups and security", () => {
  const img = image({ user: { uid: 70, gid: 71 }, accounts: [{ name: "node", uid: 1000, gid: 1001, home: "/home/node" }], workingDir: "/srv" });
  const p = plan(
    `
securityContext: { runAsUser: 1000, fsGroup: 2000, supplementalGroups: [3000, 2000] }
containers:
- name: pod-user
  image: example/app:1
- name: own-user
  image: example/app:1
  workingDir: /work
  securityContext: { runAsUser: 1234, runAsGroup: 4321, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: [ALL] } }
`,
    { "pod-user": img, "own-user": img },
  );
  it("takes the container's user over the pod's over the image's, and the uid's group from the image's passwd", () => {
    const [a, b] = p.containers;
    expect([a!.uid, a!.gid, a!.groups]).toEqual([1000, 1001, [1001, 2000, 3000]]);
    expect([b!.uid, b!.gid, b!.groups]).toEqual([1234, 4321, [4321, 2000, 3000]]);
    expect(p.fsGroup).toBe(2000);
  });
  it("falls back to the image's USER, then root", () => {
    expect([main(plan("containers: [{ name: app, image: x }]", { app: img })).uid, main(plan("containers: [{ name: app, image: x }]", { app: img })).gid]).toEqual([70, 71]);
    const root = main(plan("containers: [{ name: app, image: x, command: [a] }]"));
    expect([root.uid, root.gid, root.groups]).toEqual([0, 0, [0]]);
  });
  it("uses the uid's passwd group, or 0, when runAsUser is set without runAsGroup", () => {
    const c = main(plan("securityContext: { runAsUser: 555 }\ncontainers: [{ name: app, image: x }]", { app: img }));
    expect([c.uid, c.gid]).toEqual([555, 0]);
  });
  it("reads the working directory, read-only root, privilege escalation and capabilities", () => {
    const [a, b] = p.containers;
    expect([a!.workingDir, b!.workingDir]).toEqual(["/srv", "/work"]);
    expect([a!.readOnlyRootFilesystem, b!.readOnlyRootFilesystem]).toEqual([false, true]);
    expect([a!.allowPrivilegeEscalation, b!.allowPrivilegeEscalation]).toEqual([true, false]);
    expect(b!.capabilities).toEqual([]);
    expect(a!.capabilities).toEqual([
      "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP",
      "CAP_NET_BIND_SERVICE", "CAP_NET_RAW", "CAP_SYS_CHROOT", "CAP_MKNOD", "CAP_AUDIT_WRITE", "CAP_SETFCAP",
    ]);
  });
  it("applies add ALL, drop ALL, then named adds and drops", () => {
    const none = (): void => {};
    expect(capabilitySet({ drop: ["ALL"], add: ["NET_BIND_SERVICE"] }, none)).toEqual(["CAP_NET_BIND_SERVICE"]);
    expect(capabilitySet({ add: ["ALL"], drop: ["ALL"] }, none)).toEqual([]);
    expect(capabilitySet({ drop: ["NET_RAW", "MKNOD", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID", "SETPCAP", "SYS_CHROOT", "AUDIT_WRITE", "SETFCAP"] }, none)).toEqual(["CAP_NET_BIND_SERVICE"]);
    expect(capabilitySet({ add: ["ALL"], drop: ["SYS_ADMIN"] }, none)).toHaveLength(40);
    const unknown: string[] = [];
    capabilitySet({ add: ["FLY"] }, (c) => unknown.push(c));
    expect(unknown).toEqual(["FLY"]);
  });
  it("refuses runAsNonRoot for a container that would run as root", () => {
    const q = plan("securityContext: { runAsNonRoot: true }\ncontainers: [{ name: app, image: x, command: [a] }]");
    expect(q.findings.map((f) => f.message)).toEqual([`pod ${q.name} container app: runAsNonRoot is set and the container would run as root (uid 0); the kubelet would not start it`]);
  });
});

describe("quantities", () => {
  it.each([
    ["500m", 500],
    ["1", 1000],
    ["0.1", 100],
    ["1.5", 1500],
    ["100u", 1],
    ["2k", 2_000_000],
    ["1e-3", 1],
  ])("cpu %s is %d millicores", (q, m) => {
    expect(quantityMillis(q)).toBe(m);
  });
  it.each([
    ["1Gi", 1073741824],
    ["512Mi", 536870912],
    ["512M", 512000000],
    ["1.5Gi", 1610612736],
    ["1e3", 1000],
    ["128974848", 128974848],
    ["100m", 1],
    ["0.5Ki", 512],
  ])("memory %s is %d bytes", (q, b) => {
    expect(quantityValue(q)).toBe(b);
  });
  it("rejects what is not a quantity", () => {
    expect(quantityValue("1GB")).toBeUndefined();
    expect(quantityValue("-1")).toBeUndefined();
  });
  it("reads limits and copies a limit to an unset request", () => {
    const c = main(plan("containers: [{ name: app, image: x, command: [a], resources: { limits: { cpu: 250m, memory: 1Gi, ephemeral-storage: 64Mi }, requests: { cpu: 100m } } }]"));
    expect(c.resources).toEqual({ cpuLimitMillis: 250, memoryLimitBytes: 1073741824, ephemeralStorageLimitBytes: 67108864, cpuRequestMillis: 100, memoryRequestBytes: 1073741824 });
  });
  it("reports an invalid limit", () => {
    const p = plan("containers: [{ name: app, image: x, command: [a], resources: { limits: { memory: 1GB } } }]");
    expect(p.findings.map((f) => f.message)).toEqual([`pod ${p.name} container app: resources.limits.memory "1GB" is not a valid quantity`]);
  });
});

describe("volumes and mounts", () => {
  const p = plan(
    `
volumes:
- { name: scratch, emptyDir: { sizeLimit: 64Mi } }
- { name: fast, emptyDir: { medium: Memory } }
- name: conf
  configMap:
    name: first
    defaultMode: 0o440
    items: [{ key: ONLY_FIRST, path: sub/one.txt }, { key: SHARED, path: shared, mode: 0o600 }]
- { name: creds, secret: { secretName: second } }
- { name: host, hostPath: { path: /var/run } }
- { name: missing-key, configMap: { name: first, items: [{ key: NOPE, path: x }] } }
containers:
- name: app
  image: example/app:1
  command: [run]
  env: [{ name: SUB, value: dir-a }]
  volumeMounts:
  - { name: scratch, mountPath: /tmp }
  - { name: scratch, mountPath: /cache, subPathExpr: "cache/$(SUB)" }
  - { name: conf, mountPath: /etc/app }
  - { name: creds, mountPath: /run/creds, readOnly: false }
  - { name: fast, mountPath: /fast, readOnly: true }
  - { name: nowhere, mountPath: /nowhere }
`,
  );
  it("plans emptyDirs with their medium and size", () => {
    expect(p.volumes.slice(0, 2)).toEqual([
      { name: "scratch", kind: "emptyDir", medium: "", sizeLimitBytes: 67108864 },
      { name: "fast", kind: "emptyDir", medium: "Memory" },
    ]);
  });
  it("projects configMap items with their modes and every Secret key decoded", () => {
    const conf = p.volumes.find((v) => v.name === "conf");
    expect(conf?.kind === "configMap" && conf.files.map((f) => [f.path, f.content.toString(), f.mode.toString(8)])).toEqual([
      ["sub/one.txt", "one", "440"],
      ["shared", "from-first", "600"],
    ]);
    const creds = p.volumes.find((v) => v.name === "creds");
    expect(creds?.kind === "secret" && creds.files.map((f) => [f.path, f.content.toString(), f.mode.toString(8)])).toEqual([
      ["SHARED", "from-second", "644"],
      ["PASSWORD", "hunter2", "644"],
      ["MULTILINE", "line-one-is-long", "644"],
      ["PLAIN", "plain-text", "644"],
    ]);
  });
  it("mounts configMap and secret volumes read-only and expands subPathExpr", () => {
    expect(main(p).mounts).toEqual([
      { name: "scratch", mountPath: "/tmp", readOnly: false },
      { name: "scratch", mountPath: "/cache", subPath: "cache/dir-a", readOnly: false },
      { name: "conf", mountPath: "/etc/app", readOnly: true },
      { name: "creds", mountPath: "/run/creds", readOnly: true },
      { name: "fast", mountPath: "/fast", readOnly: true },
    ]);
  });
  it("reports what the rehearsal cannot mount and what the kubelet would refuse", () => {
    expect(p.findings.map((f) => [f.severity, f.message])).toEqual([
      ["unsupported", `pod ${p.name}: volume host (hostPath) is not supported by the rehearsal`],
      ["error", `pod ${p.name}: volume missing-key projects key NOPE, which ConfigMap shop/first does not have; the kubelet would not start the pod (FailedMount)`],
      ["error", `pod ${p.name} container app: volumeMount /nowhere names volume nowhere, which the pod does not define`],
    ]);
  });
});

describe("probes, hooks and init containers", () => {
  const p = plan(`
terminationGracePeriodSeconds: 40
initContainers:
- { name: wait, image: x, command: [wait] }
- name: proxy
  image: x
  command: [proxy]
  restartPolicy: Always
  startupProbe: { tcpSocket: { port: 15000 } }
containers:
- name: app
  image: x
  command: [run]
  ports: [{ name: http, containerPort: 8080 }]
  startupProbe: { httpGet: { path: /healthz, port: http, httpHeaders: [{ name: X-Probe, value: "1" }] }, failureThreshold: 30, periodSeconds: 2 }
  readinessProbe: { httpGet: { port: 8080, scheme: HTTPS } }
  livenessProbe: { exec: { command: [check, --fast] }, initialDelaySeconds: 5, timeoutSeconds: 3, terminationGracePeriodSeconds: 2 }
  lifecycle:
    preStop: { sleep: { seconds: 10 } }
    postStart: { exec: { command: [warm] } }
- name: bad
  image: x
  command: [run]
  livenessProbe: { httpGet: { port: nope } }
  readinessProbe: { grpc: { port: 9090 } }
`);
  it("orders init containers and marks a restartable one as a sidecar", () => {
    expect(p.initContainers.map((c) => [c.name, c.role])).toEqual([["wait", "init"], ["proxy", "sidecar"]]);
    expect(p.terminationGracePeriodSeconds).toBe(40);
    expect(p.restartPolicy).toBe("Always");
  });
  it("fills the API defaults and resolves named ports", () => {
    const c = p.containers[0]!;
    expect(c.startupProbe).toEqual({
      handler: { kind: "httpGet", scheme: "HTTP", port: 8080, path: "/healthz", headers: [{ name: "X-Probe", value: "1" }] },
      initialDelaySeconds: 0, periodSeconds: 2, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 30,
    });
    expect(c.readinessProbe).toEqual({
      handler: { kind: "httpGet", scheme: "HTTPS", port: 8080, path: "/", headers: [] },
      initialDelaySeconds: 0, periodSeconds: 10, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3,
    });
    expect(c.livenessProbe).toEqual({
      handler: { kind: "exec", command: ["check", "--fast"] },
      initialDelaySeconds: 5, periodSeconds: 10, timeoutSeconds: 3, successThreshold: 1, failureThreshold: 3, terminationGracePeriodSeconds: 2,
    });
    expect(c.preStop).toEqual({ kind: "sleep", seconds: 10 });
    expect(c.postStart).toEqual({ kind: "exec", command: ["warm"] });
    expect(p.initContainers[1]!.startupProbe?.handler).toEqual({ kind: "tcpSocket", port: 15000 });
  });
  it("reports an unknown named port and a probe kind the rehearsal cannot run", () => {
    expect(p.findings.map((f) => f.message)).toEqual([
      `pod ${p.name} container bad: readinessProbe uses a grpc handler, which is not supported by the rehearsal`,
      `pod ${p.name} container bad: livenessProbe names port "nope", which the container does not declare`,
    ]);
  });
});

describe("pods of a build", () => {
  const objects = parse(`
apiVersion: apps/v1
kind: StatefulSet
metadata: { name: db, namespace: shop }
spec:
  replicas: 2
  serviceName: db
  template:
    metadata: { labels: { app: db } }
    spec: { containers: [{ name: db, image: x, volumeMounts: [{ name: data, mountPath: /data }] }] }
  volumeClaimTemplates: [{ metadata: { name: data } }]
---
apiVersion: batch/v1
kind: Job
metadata: { name: migrate, namespace: shop }
spec:
  template:
    metadata: { labels: { app: migrate } }
    spec: { restartPolicy: Always, containers: [{ name: m, image: x, command: [m] }] }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: api, namespace: shop }
spec:
  replicas: 0
  template: { spec: { containers: [{ name: a, image: x }] } }
`);
  const pods = podsOf(objects);
  it("names StatefulSet pods by ordinal with their claims and subdomain, and a Job's pod after the Job", () => {
    expect(pods.map((p) => [p.name, p.hostname, p.subdomain, p.claims])).toEqual([
      ["db-0", "db-0", "db", { data: "data-db-0" }],
      ["db-1", "db-1", "db", { data: "data-db-1" }],
      [pods[2]!.name, pods[2]!.name, undefined, {}],
    ]);
    expect(pods[2]!.name).toMatch(/^migrate-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(pods[0]!.labels).toEqual({ app: "db", "statefulset.kubernetes.io/pod-name": "db-0", "apps.kubernetes.io/pod-index": "0" });
    expect(pods[2]!.labels).toEqual({ app: "migrate", "batch.kubernetes.io/job-name": "migrate", "job-name": "migrate" });
  });
  it("mounts a claim template as a claim and refuses a Job pod that restarts Always", () => {
    const db = planPod({ objects, pod: pods[0]!, images: { db: image() }, podIP: "10.0.0.2", serviceAddresses: {} });
    expect(db.volumes).toEqual([{ name: "data", kind: "persistentVolumeClaim", claimName: "data-db-0" }]);
    expect(db.containers[0]!.mounts).toEqual([{ name: "data", mountPath: "/data", readOnly: false }]);
    const job = planPod({ objects, pod: pods[2]!, images: { m: image() }, podIP: "10.0.0.3", serviceAddresses: {} });
    expect(job.findings.map((f) => f.message)).toEqual([`pod ${job.name}: a Job's pod template must set restartPolicy Never or OnFailure (the API server rejects Always)`]);
  });
});
