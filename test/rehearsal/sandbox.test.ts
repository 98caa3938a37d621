/**
 * The pod runner for real: network namespaces, overlay roots, cgroups, probes. Needs root and
 * ip, unshare, nsenter, setpriv, mount: without them the suite fails (it never skips), because a
 * runner that silently did not run would prove nothing.
 *
 * The image is made here: one layer holds a small HTTP server and a script that reports what a
 * process sees from inside; another is the directory of the node binary running this test.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { requireHost } from "./host-command.ts";
import type { ImageFs } from "./image.ts";
import { type NetworkPlan, planNetwork, podNetwork, serviceAddresses, setupNetwork } from "./pod-network.ts";
import { type PodPlan, planPod, podsOf } from "./pod-plan.ts";
import { type RunningPod, startPod, teardown } from "./pod-runner.ts";
import type { ContainerHandle } from "./sandbox.ts";

const REHEARSAL = "rhselftest";
const SUBNET = "10.213.250.0/24";

const SERVER = `
const http = require("http");
const port = Number(process.env.PORT);
http.createServer((req, res) => res.end(req.url === "/healthz" ? "ok" : "hello from " + require("os").hostname()))
  .listen(port, () => console.log("listening on " + port));
process.on("SIGTERM", () => { console.log("SIGTERM"); process.exit(0); });
`;

const CHECK = `
const fs = require("fs"), dns = require("dns"), http = require("http");
const out = {};
const attempt = (key, f) => { try { f(); out[key] = "ok"; } catch (e) { out[key] = e.code; } };
attempt("rootWrite", () => fs.writeFileSync("/written-by-test", "x"));
attempt("imageWrite", () => fs.writeFileSync("/app/written-by-test", "x"));
attempt("tmpWrite", () => fs.writeFileSync("/tmp/written-by-test", "x"));
attempt("scratch1MiB", () => fs.writeFileSync("/scratch/one", Buffer.alloc(1 << 20, 1)));
attempt("scratch3MiB", () => fs.writeFileSync("/scratch/three", Buffer.alloc(3 << 20, 1)));
const status = (pid) => fs.readFileSync("/proc/" + pid + "/status", "utf8");
const field = (text, name) => new RegExp(name + ":\\\\s+(.*)").exec(text)[1].trim();
const main = status(1);
Object.assign(out, {
  uid: field(main, "Uid").split(/\\s+/)[0], gid: field(main, "Gid").split(/\\s+/)[0], groups: field(main, "Groups"),
  capEff: field(main, "CapEff"), capBnd: field(main, "CapBnd"), noNewPrivs: field(main, "NoNewPrivs"),
  memoryLimit: fs.readFileSync("/sys/fs/cgroup/memory/memory.limit_in_bytes", "utf8").trim(),
  cpuQuota: fs.readFileSync("/sys/fs/cgroup/cpu/cpu.cfs_quota_us", "utf8").trim(),
  cpuPeriod: fs.readFileSync("/sys/fs/cgroup/cpu/cpu.cfs_period_us", "utf8").trim(),
  hostname: require("os").hostname(), cwd: process.cwd(), env: process.env.GREETING,
  scratchMode: (fs.statSync("/scratch").mode & 0o7777).toString(8), scratchGid: fs.statSync("/scratch").gid,
});
dns.lookup(process.argv[2], { all: true }, (err, addrs) => {
  out.peer = err ? err.code : addrs.map((a) => a.address);
  http.get("http://" + process.argv[2] + ":8080/", (res) => {
    let body = ""; res.on("data", (d) => (body += d)); res.on("end", () => {
      out.peerSays = body;
      dns.lookup("no-such-service", (e) => { out.unknownName = e ? e.code : "resolved"; console.log(JSON.stringify(out)); });
    });
  }).on("error", (e) => { out.peerSays = e.code; console.log(JSON.stringify(out)); });
});
`;

function manifests(): unknown[] {
  // web probes over HTTP; peer over exec and TCP, with a preStop hook that leaves a termination message.
  const probes = {
    web: `
        readinessProbe: { httpGet: { path: /healthz, port: http }, periodSeconds: 1 }
        livenessProbe: { httpGet: { path: /healthz, port: http }, periodSeconds: 1, failureThreshold: 2, timeoutSeconds: 1, terminationGracePeriodSeconds: 1 }`,
    peer: `
        readinessProbe: { exec: { command: [node, -e, "require('http').get('http://127.0.0.1:8080/healthz', (r) => process.exit(r.statusCode === 200 ? 0 : 1))"] }, periodSeconds: 1, timeoutSeconds: 5 }
        livenessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 }
        lifecycle: { preStop: { exec: { command: [sh, -c, "echo stopping politely > /dev/termination-log"] } } }`,
  };
  const server = (name: "web" | "peer"): string => `
apiVersion: apps/v1
kind: Deployment
metadata: { name: ${name}, namespace: selftest }
spec:
  template:
    metadata: { labels: { app: ${name} } }
    spec:
      terminationGracePeriodSeconds: 5
      securityContext: { runAsUser: 1000, runAsGroup: 1000, fsGroup: 2000 }
      volumes: [{ name: scratch, emptyDir: { sizeLimit: 2Mi } }]
      containers:
      - name: server
        image: example/selftest:1
        env: [{ name: PORT, value: "8080" }, { name: GREETING, value: "hello $(PORT)" }]
        ports: [{ name: http, containerPort: 8080 }]
        securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: [ALL] } }
        resources: { limits: { cpu: 500m, memory: 128Mi } }
        volumeMounts: [{ name: scratch, mountPath: /scratch }]
        startupProbe: { httpGet: { path: /healthz, port: http }, periodSeconds: 1, failureThreshold: 30 }${probes[name]}
---
apiVersion: v1
kind: Service
metadata: { name: ${name}, namespace: selftest }
spec: { selector: { app: ${name} }, ports: [{ name: http, port: 8080, targetPort: http }] }
`;
  return parseAllDocuments(`
${server("web")}
---
${server("peer")}
---
apiVersion: batch/v1
kind: Job
metadata: { name: handover, namespace: selftest }
spec:
  template:
    spec:
      restartPolicy: Never
      securityContext: { runAsUser: 1000 }
      volumes: [{ name: shared, emptyDir: {} }]
      initContainers:
      - { name: first, image: example/selftest:1, command: [sh, -c, "echo 7 > /shared/code"], volumeMounts: [{ name: shared, mountPath: /shared }] }
      containers:
      # A writable root: writes land in the container's own layer, never in the image's directory.
      - { name: second, image: example/selftest:1, securityContext: { runAsUser: 0 }, command: [sh, -ec, 'touch /app/written /written; echo x > /tmp/t; exit $(cat /shared/code)'], volumeMounts: [{ name: shared, mountPath: /shared }] }
---
apiVersion: batch/v1
kind: Job
metadata: { name: hog, namespace: selftest }
spec:
  template:
    spec:
      restartPolicy: Never
      securityContext: { runAsUser: 1000 }
      containers:
      - name: hog
        image: example/selftest:1
        command: [node, -e, "const a = []; for (;;) a.push(Buffer.alloc(1 << 20, 1));"]
        resources: { limits: { memory: 64Mi } }
`).map((d) => d.toJS());
}

describe("pod runner on this machine", () => {
  let scratch: string;
  let appDir: string;
  let image: ImageFs;
  let objects: unknown[];
  let net: NetworkPlan;
  const plans = new Map<string, PodPlan>();
  const running: RunningPod[] = [];

  beforeAll(async () => {
    requireHost();
    scratch = mkdtempSync(join(tmpdir(), "rehearsal-selftest-"));
    const app = join(scratch, "app");
    appDir = app;
    mkdirSync(app);
    writeFileSync(join(app, "server.js"), SERVER);
    writeFileSync(join(app, "check.js"), CHECK);
    image = {
      ref: "example/selftest:1",
      layers: [
        { host: app, at: "/app" },
        { host: dirname(realpathSync(process.execPath)), at: "/opt/node/bin" },
      ],
      cmd: ["node", "/app/server.js"],
      workingDir: "/app",
      env: { PATH: "/opt/node/bin:/usr/local/bin:/usr/bin:/bin" },
      accounts: [{ name: "app", uid: 1000, gid: 1000, home: "/home/app" }],
    };
    await teardown(REHEARSAL);
    objects = manifests();
    const pods = podsOf(objects);
    net = planNetwork(pods, objects, { name: REHEARSAL, subnet: SUBNET });
    await setupNetwork(net);
    for (const pod of pods) {
      const names = [...(pod.spec.initContainers ?? []), ...pod.spec.containers].map((c: { name: string }) => c.name);
      const plan = planPod({ objects, pod, images: Object.fromEntries(names.map((n) => [n, image])), podIP: podNetwork(net, pod.name).ip, serviceAddresses: serviceAddresses(net, pod.namespace) });
      plans.set(pod.owner.name, plan);
    }
  }, 60_000);

  afterAll(async () => {
    await Promise.all(running.map((p) => p.stop(1).catch(() => {})));
    await teardown(REHEARSAL);
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }, 60_000);

  const start = async (owner: string): Promise<RunningPod> => {
    const plan = plans.get(owner)!;
    const pod = await startPod(REHEARSAL, plan, podNetwork(net, plan.name), { logDir: join(scratch, "logs") });
    running.push(pod);
    return pod;
  };

  it("starts two pods that pass their probes, isolated and limited as the spec says", async () => {
    const [web, peer] = await Promise.all([start("web"), start("peer")]);
    await Promise.all([web.whenReady(20_000), peer.whenReady(20_000)]);
    const times = web.status()[0]!.probeTimes[0]!;
    expect(times.startup).toBeLessThan(5_000);
    expect(times.readiness).toBeGreaterThanOrEqual(times.startup!);

    expect(web.status()[0]!.logFiles).toHaveLength(1);

    const peerIP = podNetwork(net, plans.get("peer")!.name).ip;
    const out = await execJSON(web, ["node", "/app/check.js", "peer"]);
    expect(out).toEqual({
      rootWrite: "EROFS",
      imageWrite: "EROFS",
      tmpWrite: "EROFS",
      scratch1MiB: "ok",
      scratch3MiB: "ENOSPC",
      uid: "1000",
      gid: "1000",
      groups: "1000 2000",
      capEff: "0000000000000000",
      capBnd: "0000000000000000",
      noNewPrivs: "1",
      memoryLimit: String(128 * 1024 * 1024),
      cpuQuota: "50000",
      cpuPeriod: "100000",
      hostname: plans.get("web")!.name,
      cwd: "/app",
      env: "hello 8080",
      scratchMode: "2777",
      scratchGid: 2000,
      peer: [peerIP],
      peerSays: `hello from ${plans.get("peer")!.name}`,
      unknownName: "ENOTFOUND",
    });
  }, 60_000);

  it("restarts a container whose process stops answering its liveness probe", async () => {
    const web = running.find((p) => p.plan.name === plans.get("web")!.name)!;
    const before = web.status()[0]!;
    expect(before.restarts).toBe(0);
    const pid = pidOf(web);
    process.kill(pid, "SIGSTOP");
    const t0 = Date.now();
    await waitFor(() => web.status()[0]!.restarts === 1, 20_000, () => web.events.join("\n"));
    const killedAfter = Date.now() - t0;
    await web.whenReady(20_000);
    const after = web.status()[0]!;
    expect(after.lastExit?.exitCode).toBe(137);
    expect(after.lastExit?.reason).toBe("Error");
    expect(after.logFiles).toHaveLength(2);
    // The log holds what the container wrote, nothing from the machinery around it.
    expect(readFileSync(after.logFiles[0]!, "utf8").replace(/^\S+ /gm, "")).toBe("stdout F listening on 8080\n");
    expect(pidOf(web)).not.toBe(pid);
    expect(web.events.some((e) => /Killing container server: Liveness probe failed 2 times/.test(e))).toBe(true);
    // Two failed probes a second apart, then SIGTERM (ignored: stopped) and SIGKILL 2 s later.
    expect(killedAfter).toBeGreaterThan(2_000);
    expect(killedAfter).toBeLessThan(12_000);
  }, 60_000);

  it("probes over exec and TCP, and stops a pod gracefully: preStop hook, then SIGTERM, which the server answers by exiting 0", async () => {
    const peer = running.find((p) => p.plan.name === plans.get("peer")!.name)!;
    expect(Object.keys(peer.status()[0]!.probeTimes[0]!).sort()).toEqual(["liveness", "readiness", "startup"]);
    const t0 = Date.now();
    await peer.stop();
    expect(Date.now() - t0).toBeLessThan(3_000);
    const s = peer.status()[0]!;
    expect(s.lastExit).toMatchObject({ exitCode: 0, reason: "Completed", message: "stopping politely\n" });
    expect(s.peakMemoryBytes).toBeGreaterThan(1024 * 1024);
    expect(peer.phase()).toBe("Failed");
  }, 30_000);

  it("runs a Job's init container to completion before its main container and reports the exit code", async () => {
    const job = await start("handover");
    const outcome = await job.completion();
    expect(outcome).toEqual({
      phase: "Failed",
      containers: [
        { name: "first", exitCode: 0, reason: "Completed", restarts: 0 },
        { name: "second", exitCode: 7, reason: "Error", restarts: 0 },
      ],
    });
    expect(readdirSync(appDir).sort()).toEqual(["check.js", "server.js"]);
  }, 30_000);

  it("reports a container killed for exceeding its memory limit as OOMKilled", async () => {
    const job = await start("hog");
    const outcome = await job.completion();
    expect(outcome.containers).toEqual([{ name: "hog", exitCode: 137, reason: "OOMKilled", restarts: 0 }]);
    expect(job.status()[0]!.peakMemoryBytes).toBeGreaterThanOrEqual(60 * 1024 * 1024);
  }, 30_000);
});

async function execJSON(pod: RunningPod, argv: string[]): Promise<unknown> {
  const r = await serverOf(pod).exec(argv, 10_000);
  expect(r.exitCode, r.output).toBe(0);
  return JSON.parse(r.output.trim().split("\n").pop()!);
}

function serverOf(pod: RunningPod): ContainerHandle {
  const h = pod.container("server");
  if (!h) throw new Error(`pod ${pod.plan.name}: container server is not running`);
  return h;
}

const pidOf = (pod: RunningPod): number => serverOf(pod).pid;

async function waitFor(cond: () => boolean, timeoutMs: number, explain: () => string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`condition not met in ${timeoutMs} ms:\n${explain()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
