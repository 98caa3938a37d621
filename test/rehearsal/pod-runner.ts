/**
 * The kubelet's part of a pod's life, for an orchestrator that decides what runs when.
 *
 *   startPod(rehearsal, plan, net, options?): Promise<RunningPod>
 *       prepares the pod's volumes and returns at once; in the background runs the init containers
 *       in order to completion (a restartable one, a sidecar, only until it has started), then
 *       starts the main containers in order (a postStart hook blocks the next), each with its probes
 *   RunningPod:
 *       phase()            Pending | Running | Succeeded | Failed
 *       ready()            every main container and sidecar ready
 *       whenReady(ms)      resolves when ready; rejects when the pod ends or the time is up
 *       completion()       resolves when the pod ends (a Job's pod: each container's exit code)
 *       stop(grace?)       main containers in parallel (preStop, SIGTERM, SIGKILL), then sidecars in
 *                          reverse order, then the pod's volumes; resolves when all is gone
 *       status()           per container: state, restarts, ready, last exit, log files, peak memory,
 *                          time to each probe's first success
 *       container(name)    the running instance (pid, exec, signal, logFile), as `kubectl exec` needs
 *       events             what the kubelet would have recorded, oldest first
 *   teardown(rehearsal)    removes everything a rehearsal left: the sandboxes' processes, mounts,
 *                          state, claims and cgroups, then the network; idempotent, and the way to
 *                          clean up after a killed run (call it before setupNetwork too)
 *
 * An orchestrator's run:
 *   await teardown(name);
 *   const pods = podsOf(objects), net = planNetwork(pods, objects, { name });
 *   await setupNetwork(net);
 *   const plan = planPod({ objects, pod, images, podIP: podNetwork(net, pod.name).ip,
 *                          serviceAddresses: serviceAddresses(net, pod.namespace) });
 *   const running = await startPod(name, plan, podNetwork(net, pod.name), { logDir });
 *   await running.whenReady(ms)  or  const { phase, containers } = await running.completion();
 *   ... running.status(), running.container("x")?.exec([...], ms) ...
 *   await running.stop(); await teardown(name);
 *
 * Restarts follow the pod's restartPolicy (sidecars always restart): the first restart at once,
 * then after 10 s, 20 s, ... up to 300 s (the kubelet's CrashLoopBackOff), the delay reset after a
 * container ran for 10 minutes. A Job's backoffLimit and new pods are the orchestrator's concern.
 */
import { teardownNetwork, type PodNetwork } from "./pod-network.ts";
import type { ContainerPlan, PodPlan } from "./pod-plan.ts";
import { type ProbeKind, type Prober, startProbes } from "./probes.ts";
import { rmdirSync } from "node:fs";
import { runHandler, sleep } from "./handlers.ts";
import { type ContainerHandle, type ExitStatus, preparePod, releasePod, startContainer, teardownSandboxes } from "./sandbox.ts";
import { stateDir } from "./state-dir.ts";

export type PodPhase = "Pending" | "Running" | "Succeeded" | "Failed";

export interface ContainerStatus {
  name: string;
  role: ContainerPlan["role"];
  state: "waiting" | "running" | "terminated";
  started: boolean;
  ready: boolean;
  restarts: number;
  lastExit?: ExitStatus;
  /** Why it is waiting: CreateContainerError, CrashLoopBackOff, PodInitializing. */
  waitingReason?: string;
  logFiles: string[];
  /** Highest memory.max_usage_in_bytes over its instances. */
  peakMemoryBytes?: number;
  /** Milliseconds from each instance's start to each probe's first success, per instance. */
  probeTimes: Array<Partial<Record<ProbeKind, number>>>;
}

export interface PodOutcome {
  phase: "Succeeded" | "Failed";
  containers: Array<{ name: string; exitCode: number; reason: string; restarts: number }>;
}

export interface RunningPod {
  readonly plan: PodPlan;
  readonly events: string[];
  phase(): PodPhase;
  ready(): boolean;
  whenReady(timeoutMs: number): Promise<void>;
  completion(): Promise<PodOutcome>;
  stop(gracePeriodSeconds?: number): Promise<void>;
  status(): ContainerStatus[];
  /** The container's current instance, while it runs: its pid, exec(), signal(), logFile. */
  container(name: string): ContainerHandle | undefined;
}

export interface RunPodOptions {
  logDir?: string;
  claimsDir?: string;
  onLine?: (container: string, stream: "stdout" | "stderr", line: string) => void;
  onEvent?: (message: string) => void;
}

const BACKOFF_INITIAL_MS = 10_000;
const BACKOFF_MAX_MS = 300_000;

interface Runner {
  plan: ContainerPlan;
  status: ContainerStatus;
  handle?: ContainerHandle;
  prober?: Prober;
  /** Resolves when the runner will start no further instance. */
  done: Promise<void>;
  /** Resolves the first time the container counts as started (sidecars gate the next init container on it). */
  firstStart: Promise<boolean>;
  /** Resolves when the first instance was created and its postStart hook returned (the next container may start). */
  launched: Promise<void>;
}

export async function startPod(rehearsal: string, plan: PodPlan, net: PodNetwork, options: RunPodOptions = {}): Promise<RunningPod> {
  // The kubelet would leave such a pod waiting forever (or the rehearsal cannot run it): say so at once.
  if (plan.findings.length > 0) throw new Error(`pod ${plan.name} cannot start: ${plan.findings.map((f) => f.message).join("; ")}`);
  const sandbox = await preparePod(rehearsal, plan, net, { ...(options.logDir ? { logDir: options.logDir } : {}), ...(options.claimsDir ? { claimsDir: options.claimsDir } : {}) });

  const events: string[] = [];
  const event = (m: string): void => {
    const line = `${new Date().toISOString()} ${plan.name}: ${m}`;
    events.push(line);
    options.onEvent?.(line);
  };
  let phase: PodPhase = "Pending";
  let stopping = false;
  const stopAbort = new AbortController();
  const runners: Runner[] = [];
  const listeners = new Set<() => void>();
  const changed = (): void => {
    for (const l of [...listeners]) l();
  };
  let outcome: PodOutcome | undefined;

  const finish = (p: "Succeeded" | "Failed"): void => {
    if (outcome) return;
    phase = p;
    outcome = {
      phase: p,
      containers: runners.filter((r) => r.plan.role === "main" || r.plan.role === "init").map((r) => ({
        name: r.plan.name,
        exitCode: r.status.lastExit?.exitCode ?? -1,
        reason: r.status.lastExit?.reason ?? "NotStarted",
        restarts: r.status.restarts,
      })),
    };
    event(`pod ${p}`);
    changed();
  };

  const newRunner = (c: ContainerPlan, restartPolicy: PodPlan["restartPolicy"]): Runner => {
    const status: ContainerStatus = { name: c.name, role: c.role, state: "waiting", started: false, ready: false, restarts: 0, logFiles: [], probeTimes: [] };
    const runner = { plan: c, status } as Runner;
    let markFirstStart: (started: boolean) => void = () => {};
    runner.firstStart = new Promise((r) => (markFirstStart = r));
    let markLaunched: () => void = () => {};
    runner.launched = new Promise((r) => (markLaunched = r));
    runner.done = (async () => {
      let backoff = 0;
      for (;;) {
        if (stopping) break;
        let handle: ContainerHandle;
        try {
          handle = await startContainer(sandbox, c, { onLine: (s, l) => options.onLine?.(c.name, s, l), onEvent: (m) => event(`container ${c.name}: ${m}`) });
        } catch (err) {
          status.waitingReason = "CreateContainerError";
          event(`container ${c.name}: ${(err as Error).message}`);
          markLaunched();
          changed();
          if (restartPolicy === "Never" && c.role !== "sidecar") {
            status.lastExit = { exitCode: 128, reason: "StartError", message: (err as Error).message, startedAt: Date.now(), finishedAt: Date.now() };
            break;
          }
          backoff = await backOff(backoff, 0);
          continue;
        }
        runner.handle = handle;
        if (stopping) void handle.stop();
        status.state = "running";
        delete status.waitingReason;
        status.logFiles.push(handle.logFile);
        event(`Started container ${c.name}${handle.instance > 0 ? ` (restart ${handle.instance})` : ""}`);
        changed();
        if (c.postStart) {
          const r = await runHandler(c.postStart, handle.target, plan.terminationGracePeriodSeconds * 1000);
          if (!r.ok) {
            event(`container ${c.name}: PostStartHook failed: ${r.message}`);
            await handle.stop();
          }
        }
        markLaunched();
        let killedBy: string | undefined;
        const prober = startProbes(c, handle.target, handle.startedAt, {
          onStarted: () => {
            status.started = true;
            markFirstStart(true);
            changed();
          },
          onReady: (ready) => {
            status.ready = ready;
            changed();
          },
          onResult: (r) => {
            if (!r.ok) event(`${r.kind[0]!.toUpperCase()}${r.kind.slice(1)} probe of ${c.name} failed: ${r.message}`);
          },
          onKill: (kind, message) => {
            killedBy = kind;
            event(`Killing container ${c.name}: ${message}`);
            const probe = kind === "startup" ? c.startupProbe : c.livenessProbe;
            void handle.stop(probe?.terminationGracePeriodSeconds ?? plan.terminationGracePeriodSeconds);
          },
        });
        runner.prober = prober;
        status.probeTimes.push(prober.firstSuccess);
        const exit = await handle.wait();
        prober.stop();
        status.state = "terminated";
        status.started = false;
        status.ready = false;
        status.lastExit = exit;
        const peak = handle.peakMemory();
        if (peak !== undefined) status.peakMemoryBytes = Math.max(status.peakMemoryBytes ?? 0, peak);
        event(`container ${c.name} exited ${exit.exitCode} (${exit.reason})${killedBy ? ` after failing its ${killedBy} probe` : ""}${exit.message ? `: ${exit.message.trim()}` : ""}`);
        changed();
        if (stopping) break;
        const restart = c.role === "sidecar" || restartPolicy === "Always" || (restartPolicy === "OnFailure" && exit.exitCode !== 0);
        if (!restart || (c.role === "init" && exit.exitCode === 0)) break;
        status.restarts++;
        status.state = "waiting";
        status.waitingReason = "CrashLoopBackOff";
        changed();
        backoff = await backOff(backoff, exit.finishedAt - exit.startedAt);
      }
      markFirstStart(false);
      markLaunched();
    })();
    return runner;
  };

  /** Waits out the current back-off; returns the next one. */
  const backOff = async (current: number, ranMs: number): Promise<number> => {
    if (ranMs > 2 * BACKOFF_MAX_MS) current = 0;
    if (current > 0) {
      event(`Back-off ${current / 1000} s before restarting`);
      await sleep(current, stopAbort.signal);
    }
    return current === 0 ? BACKOFF_INITIAL_MS : Math.min(current * 2, BACKOFF_MAX_MS);
  };

  const stopSidecars = async (): Promise<void> => {
    stopping = true;
    stopAbort.abort();
    for (const r of runners.filter((x) => x.plan.role === "sidecar").reverse()) {
      await r.handle?.stop();
      await r.done;
    }
  };

  const lifecycle = (async () => {
    for (const c of plan.initContainers) {
      if (stopping) return;
      const runner = newRunner(c, plan.restartPolicy);
      runners.push(runner);
      if (c.role === "sidecar") {
        if (!(await runner.firstStart)) return;
        continue;
      }
      await runner.done;
      if (stopping) return;
      if (runner.status.lastExit?.exitCode !== 0) {
        finish("Failed");
        await stopSidecars();
        return releasePod(sandbox);
      }
    }
    if (stopping) return;
    phase = "Running";
    const mains: Runner[] = [];
    for (const c of plan.containers) {
      if (stopping) return;
      const r = newRunner(c, plan.restartPolicy);
      runners.push(r);
      mains.push(r);
      // The kubelet starts the next container only after this one's postStart hook returned.
      await r.launched;
    }
    changed();
    await Promise.all(mains.map((r) => r.done));
    if (stopping) return;
    finish(mains.every((r) => r.status.lastExit?.exitCode === 0) ? "Succeeded" : "Failed");
    await stopSidecars();
    // A finished pod's volumes go, as the kubelet tears them down; its logs stay.
    await releasePod(sandbox);
  })();

  let stopped: Promise<void> | undefined;
  const pod: RunningPod = {
    plan,
    events,
    phase: () => phase,
    ready: () => {
      const counted = runners.filter((r) => r.plan.role !== "init");
      return phase === "Running" && counted.length === plan.containers.length + plan.initContainers.filter((c) => c.role === "sidecar").length && counted.every((r) => r.status.ready);
    },
    whenReady(timeoutMs) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (pod.ready()) return done(() => resolve());
          if (outcome || stopping) return done(() => reject(new Error(`pod ${plan.name} ended before it was ready: ${describe(runners)}`)));
        };
        const timer = setTimeout(() => done(() => reject(new Error(`pod ${plan.name} not ready after ${timeoutMs} ms: ${describe(runners)}`))), timeoutMs);
        const done = (f: () => void): void => {
          clearTimeout(timer);
          listeners.delete(check);
          f();
        };
        listeners.add(check);
        check();
      });
    },
    completion() {
      return new Promise((resolve) => {
        const check = (): void => {
          if (!outcome) return;
          listeners.delete(check);
          resolve(outcome);
        };
        listeners.add(check);
        check();
      });
    },
    stop(gracePeriodSeconds) {
      stopped ??= (async () => {
        stopping = true;
        stopAbort.abort();
        event("Stopping pod");
        const grace = gracePeriodSeconds ?? plan.terminationGracePeriodSeconds;
        const nonSidecars = runners.filter((r) => r.plan.role !== "sidecar");
        await Promise.all(nonSidecars.map(async (r) => {
          await r.handle?.stop(grace);
          await r.done;
        }));
        for (const r of runners.filter((x) => x.plan.role === "sidecar").reverse()) {
          await r.handle?.stop(grace);
          await r.done;
        }
        await lifecycle;
        if (!outcome) {
          phase = "Failed";
          changed();
        }
        await releasePod(sandbox);
      })();
      return stopped;
    },
    status: () => runners.map((r) => ({ ...r.status, logFiles: [...r.status.logFiles], probeTimes: r.status.probeTimes.map((t) => ({ ...t })) })),
    container: (name) => {
      const h = runners.find((r) => r.plan.name === name)?.handle;
      return h && !h.exited() ? h : undefined;
    },
  };
  return pod;
}

function describe(runners: Runner[]): string {
  return runners
    .map((r) => {
      const s = r.status;
      const last = s.lastExit ? `, last exit ${s.lastExit.exitCode} (${s.lastExit.reason})` : "";
      return `${s.name} ${s.state}${s.waitingReason ? ` (${s.waitingReason})` : ""}${s.ready ? " ready" : ""}, ${s.restarts} restarts${last}`;
    })
    .join("; ") || "no container started";
}

export async function teardown(rehearsal: string): Promise<void> {
  await teardownSandboxes(rehearsal);
  await teardownNetwork(rehearsal);
  // The state directory goes too unless it holds logs (the default log directory is inside it).
  try {
    rmdirSync(stateDir(rehearsal));
  } catch {
    // not empty, or already gone
  }
}
