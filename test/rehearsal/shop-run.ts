/**
 * Runs a shop as Kubernetes would, pod by pod, in the order a first install brings them up:
 * datastores, then the Jobs to completion (the Job controller's retries up to backoffLimit), then the
 * Deployments until ready. The pods themselves are the pod runner's (pod-runner.ts); this module
 * decides what runs when, which image each container gets, and which outside names resolve where.
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { ImageFs } from "./image.ts";
import { medusaImage } from "./images-apps.ts";
import { datastoreImage, externalAssets, type ExternalAssets } from "./images-datastores.ts";
import { planNetwork, podNetwork, serviceAddresses, setupNetwork, type NetworkPlan } from "./pod-network.ts";
import { planPod, podsOf, type PodIdentity, type PodPlan } from "./pod-plan.ts";
import { startPod, teardown, type RunningPod } from "./pod-runner.ts";
import { mib, must, seconds, type Report } from "./report.ts";
import { DATASTORE_OF_KEY, DATASTORE_SERVICES } from "./shop-datastores.ts";
import { defaultCertificate, type ShopObjects } from "./shop-objects.ts";
import { valueOf, type K8s } from "./shop-secrets.ts";
import { startVirtualHosts, virtualAddresses, type Forward, type VirtualHosts } from "./service-proxy.ts";
import { ingressHosts } from "./http.ts";
import { startIngressProxy } from "./ingress-proxy.ts";
import { run, tryRun } from "./host-command.ts";

export const MEDUSA_IMAGE = "ghcr.io/ekenheim/ecom/medusa";
export const STOREFRONT_IMAGE = "ghcr.io/ekenheim/ecom/storefront";
const repo = (ref: string) => ref.replace(/@.*$/, "").replace(/:[^/:]*$/, "");

/** The seed downloads its product images from the internet; the rehearsal serves them from a pod of its own. */
const INTERNET = "rehearsal-internet";
const ASSETS = "external-assets";
const CA_CONFIGMAP = "rehearsal-internet-ca";
const CA_DIR = "/etc/rehearsal-internet-ca";

export interface ShopOptions {
  name: string;
  subnet: string;
  source: string;
  logDir: string;
  report: Report;
  log: (line: string) => void;
}

export class Shop {
  readonly objects: K8s[];
  readonly pods: PodIdentity[];
  net!: NetworkPlan;
  readonly running = new Map<string, RunningPod>();
  /** Public hosts of services outside the build that the rehearsal plays (the file host of S3_FILE_URL). */
  readonly outside: Record<string, { ip: string; port: number }> = {};
  readonly plans = new Map<string, PodPlan>();
  private readonly images = new Map<string, Promise<ImageFs>>();
  private virtualHosts?: VirtualHosts;
  private ingress?: { close(): Promise<void> };
  private assets?: ExternalAssets;
  readonly shop: ShopObjects;
  readonly opts: ShopOptions;

  constructor(shop: ShopObjects, opts: ShopOptions) {
    this.shop = shop;
    this.opts = opts;
    const objects = [...shop.build, ...shop.provided];
    if (objects.some((o) => o.kind === "Job" && o.metadata.name === "medusa-seed")) objects.push(...this.internet(objects));
    this.objects = objects;
    this.pods = podsOf(objects);
  }

  /** The pod and CA that stand in for the internet hosts the seed downloads from, and the seed's trust in them. */
  private internet(objects: K8s[]): K8s[] {
    this.assets = externalAssets({ log: this.opts.log });
    const seed = objects.find((o) => o.kind === "Job" && o.metadata.name === "medusa-seed")!;
    const ps = seed.spec.template.spec;
    ps.volumes = [...(ps.volumes ?? []), { name: "rehearsal-internet-ca", configMap: { name: CA_CONFIGMAP } }];
    for (const c of ps.containers) {
      c.env = [...(c.env ?? []), { name: "NODE_EXTRA_CA_CERTS", value: `${CA_DIR}/ca.crt` }];
      c.volumeMounts = [...(c.volumeMounts ?? []), { name: "rehearsal-internet-ca", mountPath: CA_DIR, readOnly: true }];
    }
    return [
      { apiVersion: "v1", kind: "ConfigMap", metadata: { name: CA_CONFIGMAP, namespace: seed.metadata.namespace }, data: { "ca.crt": readFileSync(this.assets.caCert, "utf8") } },
      {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: ASSETS, namespace: INTERNET },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: ASSETS } },
          template: { metadata: { labels: { app: ASSETS } }, spec: { containers: [{ name: ASSETS, image: ASSETS, ports: [{ containerPort: this.assets.port }] }] } },
        },
      },
    ];
  }

  /** The network, with every outside name the shop's configuration uses resolving to the pod that plays it. */
  async setup(): Promise<void> {
    await teardown(this.opts.name);
    const first = planNetwork(this.pods, this.objects, { name: this.opts.name, subnet: this.opts.subnet });
    const forwards = this.outsideNames(first);
    const base = this.opts.subnet.split("/")[0]!;
    // Every host the Ingresses serve reaches the ingress controller from inside the cluster too.
    const ingress = ingressAddress(base);
    const extraHosts = { ...Object.fromEntries(ingressHosts(this.objects).map((h) => [h, ingress])), ...virtualAddresses(forwards, base) };
    this.net = planNetwork(this.pods, this.objects, { name: this.opts.name, subnet: this.opts.subnet, extraHosts });
    const errors = this.net.findings.filter((f) => f.severity !== "info");
    must(errors.length === 0, `the rehearsal's network refuses this build: ${errors.map((f) => f.message).join("; ")}`);
    await setupNetwork(this.net);
    this.virtualHosts = await startVirtualHosts(this.net.bridge, forwards, base);
    const fallback = defaultCertificate(this.objects);
    if (fallback) {
      await run("ip", ["addr", "replace", `${ingress}/32`, "dev", this.net.bridge]);
      this.ingress = await startIngressProxy(this.objects, this.net, ingress, fallback);
    }
    for (const f of forwards) this.opts.log(`outside name ${f.host}:${f.port} → ${f.target.ip}:${f.target.port}`);
    const store = Object.values(this.net.services).map((svcs) => svcs[DATASTORE_SERVICES.objectStore]?.[0]).find((ip) => ip !== undefined);
    for (const o of this.objects.filter((x) => x.kind === "Secret" || x.kind === "ConfigMap")) {
      const raw = valueOf(o, "S3_FILE_URL");
      if (raw && store && !ingressHosts(this.objects).includes(new URL(raw).hostname)) this.outside[new URL(raw).hostname] = { ip: store, port: 7070 };
    }
  }

  /** Hosts in the shop's datastore URLs and ExternalName targets that no Service of the build answers for. */
  private outsideNames(plan: NetworkPlan): Forward[] {
    const podOf = (svc: string) => Object.values(plan.services).map((svcs) => svcs[svc]?.[0]).find((ip) => ip !== undefined);
    const known = new Set<string>();
    for (const [ns, svcs] of Object.entries(plan.services)) {
      for (const svc of Object.keys(svcs)) for (const n of [svc, `${svc}.${ns}`, `${svc}.${ns}.svc`, `${svc}.${ns}.svc.cluster.local`]) known.add(n);
    }
    const ports: Record<string, number> = { postgres: 5432, redis: 6379, meilisearch: 7700, objectStore: 7070 };
    const forwards = new Map<string, Forward>();
    const add = (host: string, port: number, store: keyof typeof DATASTORE_SERVICES) => {
      if (known.has(host)) return;
      const ip = podOf(DATASTORE_SERVICES[store]);
      must(ip !== undefined, `${host}:${port} should reach the ${store} the rehearsal runs, which has no pod`);
      forwards.set(`${host}:${port}`, { host, port, target: { ip, port: ports[store]! } });
    };
    for (const o of this.objects) {
      if (o.kind === "Service" && o.spec?.type === "ExternalName") {
        const port = Number(o.spec.ports?.[0]?.port);
        const store = Object.entries(ports).find(([, p]) => p === port)?.[0] as keyof typeof DATASTORE_SERVICES | undefined;
        must(store !== undefined, `ExternalName Service ${o.metadata.namespace}/${o.metadata.name} (port ${port}) stands for no datastore the rehearsal runs`);
        add(String(o.spec.externalName), port, store);
      }
      if (o.kind !== "Secret" && o.kind !== "ConfigMap") continue;
      for (const [key, store] of Object.entries(DATASTORE_OF_KEY)) {
        const raw = valueOf(o, key);
        if (raw === undefined) continue;
        const url = new URL(raw);
        const port = Number(url.port) || ({ "postgres:": 5432, "postgresql:": 5432, "redis:": 6379, "http:": 80, "https:": 443 } as Record<string, number>)[url.protocol]!;
        add(url.hostname, port, store);
      }
    }
    if (this.assets) {
      const ip = plan.services[INTERNET]?.[ASSETS]?.[0] ?? plan.pods.find((p) => p.namespace === INTERNET)!.ip;
      for (const host of this.assets.hostnames) forwards.set(`${host}:${this.assets.port}`, { host, port: this.assets.port, target: { ip, port: this.assets.port } });
    }
    return [...forwards.values()];
  }

  image(ref: string, storefront?: () => Promise<ImageFs>): Promise<ImageFs> {
    let found = this.images.get(ref);
    if (!found) {
      const log = (l: string) => this.opts.log(l);
      if (repo(ref) === MEDUSA_IMAGE) found = medusaImage({ source: this.opts.source, buildArgs: this.shop.bakedUrls.medusa, log });
      else if (repo(ref) === STOREFRONT_IMAGE) {
        if (!storefront) throw new Error(`${ref}: the storefront image is built once the backend answers (it bakes the publishable key)`);
        found = storefront();
      } else if (ref === ASSETS && this.assets) found = Promise.resolve(this.assets.image);
      else found = datastoreImage(ref, { log, postgresTls: ref.endsWith("+tls") });
      this.images.set(ref, found);
    }
    return found;
  }

  async plan(pod: PodIdentity): Promise<PodPlan> {
    const images: Record<string, ImageFs> = {};
    for (const c of [...(pod.spec.initContainers ?? []), ...(pod.spec.containers ?? [])]) images[c.name] = await this.image(c.image);
    const plan = planPod({ objects: this.objects, pod, images, podIP: podNetwork(this.net, pod.name).ip, serviceAddresses: serviceAddresses(this.net, pod.namespace) });
    const errors = plan.findings.filter((f) => f.severity === "error" || f.severity === "unsupported");
    must(errors.length === 0, `pod ${pod.namespace}/${pod.name}: ${errors.map((f) => f.message).join("; ")}`);
    this.plans.set(pod.name, plan);
    return plan;
  }

  async start(pod: PodIdentity): Promise<RunningPod> {
    const plan = await this.plan(pod);
    const logDir = join(this.opts.logDir, "pods");
    mkdirSync(logDir, { recursive: true });
    const running = await startPod(this.opts.name, plan, podNetwork(this.net, pod.name), {
      logDir,
      onEvent: (m) => this.opts.log(`${pod.name}: ${m}`),
    });
    this.running.set(pod.name, running);
    return running;
  }

  podsOf(kind: string, name: string): PodIdentity[] {
    return this.pods.filter((p) => p.owner.kind === kind && p.owner.name === name);
  }

  /** Starts pods and waits until each is ready, within the window its probes give it. */
  async bringUp(pods: readonly PodIdentity[], what: string): Promise<void> {
    const started = Date.now();
    await Promise.all(
      pods.map(async (pod) => {
        const running = await this.start(pod);
        const budget = readyBudgetMs(running.plan);
        const t0 = Date.now();
        try {
          await Promise.race([running.whenReady(budget), crashLoop(running)]);
        } catch (err) {
          throw new Error(`${what}: pod ${pod.namespace}/${pod.name} not ready within ${seconds(budget)}: ${(err as Error).message}; ${lastLines(running)}`);
        }
        this.reportProbes(running, Date.now() - t0);
      }),
    );
    this.opts.report.measure(`${what} ready`, seconds(Date.now() - started));
  }

  private reportProbes(running: RunningPod, readyMs: number): void {
    const plan = running.plan;
    for (const s of running.status().filter((c) => c.role === "main")) {
      const c = plan.containers.find((x) => x.name === s.name)!;
      const times = s.probeTimes.at(-1) ?? {};
      const startupWindow = c.startupProbe ? windowMs(c.startupProbe) : undefined;
      const readyAt = times.readiness ?? readyMs;
      this.opts.report.check(
        `${plan.namespace}/${plan.name} ${s.name} probes`,
        s.restarts === 0 && (startupWindow === undefined || (times.startup ?? readyAt) <= startupWindow),
        `ready after ${seconds(readyAt)}${startupWindow ? ` (startup budget ${seconds(startupWindow)})` : ""}, restarts ${s.restarts}`,
      );
    }
  }

  /** A Job as the Job controller runs it: a pod to completion, failures counted against backoffLimit. */
  async runJob(name: string, timeoutMs = 15 * 60_000): Promise<void> {
    const job = this.objects.find((o) => o.kind === "Job" && o.metadata.name === name);
    must(job !== undefined, `no Job ${name} in the build`);
    const backoffLimit = job.spec?.backoffLimit ?? 6;
    const [pod] = this.podsOf("Job", name);
    const started = Date.now();
    const check = `Job ${name} completes at its first attempt`;
    let failures = 0;
    // A Job whose waits are right succeeds at its first attempt; a retry hides an ordering defect, so
    // the first failure is reported at once, and the Job is still run to its end as the controller would.
    let reported = false;
    const firstFailure = (running: RunningPod) => {
      if (reported) return;
      reported = true;
      this.opts.report.check(check, false, `an attempt failed after ${seconds(Date.now() - started)}: ${lastLines(running)}`);
    };
    for (;;) {
      const running = await this.start(pod!);
      const outcome = await Promise.race([
        running.completion(),
        watchRestarts(running, backoffLimit - failures, () => firstFailure(running)),
        new Promise<"timeout">((done) => setTimeout(() => done("timeout"), Math.max(1, timeoutMs - (Date.now() - started)))),
      ]);
      if (outcome === "timeout" || outcome === "backoff") {
        await running.stop(0);
        throw new Error(`Job ${name}: ${outcome === "timeout" ? `not complete after ${seconds(timeoutMs)}` : `failed more than backoffLimit ${backoffLimit} times`}; ${lastLines(running)}`);
      }
      const main = running.status().filter((c) => c.role === "main");
      failures += main.reduce((n, c) => n + c.restarts, 0);
      if (outcome.phase === "Succeeded") {
        const peak = main.map((c) => `${c.name} peak ${mib(c.peakMemoryBytes)} of ${mib(running.plan.containers.find((x) => x.name === c.name)?.resources.memoryLimitBytes)}`).join(", ");
        if (!reported) this.opts.report.check(check, true, `in ${seconds(Date.now() - started)}, ${peak}`);
        else this.opts.report.note(`Job ${name} completed after ${failures} failed attempts, in ${seconds(Date.now() - started)}`);
        await running.stop(0);
        return;
      }
      firstFailure(running);
      failures++;
      this.opts.log(`Job ${name}: attempt failed (${outcome.containers.map((c) => `${c.name} exit ${c.exitCode}`).join(", ")}); ${lastLines(running)}`);
      await running.stop(0);
      if (failures > backoffLimit) throw new Error(`Job ${name}: failed ${failures} times, more than backoffLimit ${backoffLimit}; ${lastLines(running)}`);
    }
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.running.values()].map((p) => (p.phase() === "Running" || p.phase() === "Pending" ? p.stop() : undefined)));
  }

  async close(): Promise<void> {
    await this.stopAll().catch(() => undefined);
    await this.virtualHosts?.close().catch(() => undefined);
    await this.ingress?.close().catch(() => undefined);
    if (this.net) await tryRun("ip", ["addr", "del", `${ingressAddress(this.opts.subnet.split("/")[0]!)}/32`, "dev", this.net.bridge]);
    await teardown(this.opts.name);
  }
}

/** The ingress controller's address: below the outside names' addresses, above the pods'. */
const ingressAddress = (base: string) => base.replace(/\.\d+$/, ".200");

const windowMs = (p: { initialDelaySeconds: number; periodSeconds: number; failureThreshold: number }) =>
  (p.initialDelaySeconds + p.periodSeconds * p.failureThreshold) * 1000;

/** How long the kubelet would let the pod become ready before liveness or the rollout gives up on it. */
function readyBudgetMs(plan: PodPlan): number {
  const mains = plan.containers.filter((c) => c.role === "main");
  const probe = (c: (typeof mains)[number]) => c.startupProbe ?? c.readinessProbe;
  return Math.max(60_000, ...mains.map((c) => (probe(c) ? windowMs(probe(c)!) : 0) + 30_000));
}

/**
 * Resolves "backoff" once the main containers' restarts pass what backoffLimit allows (restartPolicy
 * OnFailure); calls `onRestart` at the first restart.
 */
function watchRestarts(running: RunningPod, allowed: number, onRestart: () => void): Promise<"backoff"> {
  return new Promise((done, fail) => {
    const timer = setInterval(() => {
      if (running.phase() === "Succeeded" || running.phase() === "Failed") return clearInterval(timer);
      const restarts = running.status().filter((c) => c.role === "main").reduce((n, c) => n + c.restarts, 0);
      // What onRestart throws (a report that stops at its first failure) ends the Job's run, not the process.
      try {
        if (restarts > 0) onRestart();
      } catch (err) {
        clearInterval(timer);
        return fail(err);
      }
      if (restarts > allowed) {
        clearInterval(timer);
        done("backoff");
      }
    }, 500);
  });
}

/** Rejects once a main container has exited twice before its pod was ready: a crash loop, not a slow start. */
function crashLoop(running: RunningPod): Promise<never> {
  return new Promise((_, fail) => {
    const timer = setInterval(() => {
      if (running.ready() || running.phase() === "Succeeded" || running.phase() === "Failed") return clearInterval(timer);
      const looping = running.status().find((c) => c.role === "main" && c.restarts >= 2);
      if (looping) {
        clearInterval(timer);
        fail(new Error(`container ${looping.name} crash-loops (exit ${looping.lastExit?.exitCode}, ${looping.restarts} restarts)`));
      }
    }, 500);
  });
}

/** The last lines each container logged, for a failure message. */
export function lastLines(running: RunningPod, count = 6): string {
  return running
    .status()
    .map((s) => {
      const file = s.logFiles.at(-1);
      if (!file || !existsSync(file)) return `${s.name}: no log`;
      const all = readFileSync(file, "utf8").trimEnd().split("\n").map((l) => l.replace(/^\S+ (stdout|stderr) F /, ""));
      const lines = all.slice(-count);
      // The line that says why is often above the last ones (a stack trace, a shutdown message).
      const error = all.findLast((l) => /error/i.test(l) && !lines.includes(l));
      return `${s.name} (${error ? `last error: ${error.slice(0, 600)}; ` : ""}last lines): ${lines.join(" | ")}`;
    })
    .join("; ");
}
