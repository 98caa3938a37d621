/**
 * The kubelet's prober for one container instance: startup, readiness and liveness workers with
 * the probes' timings and thresholds.
 *
 *   startProbes(container, target, startedAt, events): Prober
 *   Prober: started, ready, firstSuccess (ms from container start to each probe's first success),
 *           results (every attempt), stop()
 *
 * Semantics: without a startup probe the container counts as started at once. While a startup
 * probe has not succeeded, readiness and liveness do not run; when it succeeds, readiness is probed
 * at once (the kubelet triggers it) and liveness a period later. A startup or liveness probe that
 * fails failureThreshold times in a row calls `events.onKill` (the kubelet kills the container,
 * which restarts it per the restart policy; the caller does that). Readiness turns true after
 * successThreshold successes in a row and false after failureThreshold failures; without a
 * readiness probe a started container is ready. The first probe of each kind runs at
 * initialDelaySeconds after the container started (the kubelet's ticker phase within a period is
 * not specified), then every periodSeconds; each attempt times out after timeoutSeconds. httpGet
 * and tcpSocket probes go from the host namespace to the pod's address, as the kubelet's do from
 * the node; exec probes run inside the container (handlers.ts).
 */
import { type HandlerTarget, runHandler, sleep } from "./handlers.ts";
import type { ContainerPlan, Probe } from "./pod-plan.ts";

export type ProbeKind = "startup" | "readiness" | "liveness";

export interface ProbeResult {
  kind: ProbeKind;
  at: number;
  ok: boolean;
  message: string;
}

export interface ProberEvents {
  onStarted?(): void;
  onReady?(ready: boolean): void;
  onKill?(kind: "startup" | "liveness", message: string): void;
  onResult?(result: ProbeResult): void;
}

export interface Prober {
  readonly started: boolean;
  readonly ready: boolean;
  /** Milliseconds from the container's start to each probe's first success. */
  readonly firstSuccess: Partial<Record<ProbeKind, number>>;
  readonly results: ProbeResult[];
  stop(): void;
}

/** Attempts kept per prober: enough to explain a failure, bounded for long runs. */
const KEEP_RESULTS = 200;

export function startProbes(c: ContainerPlan, target: HandlerTarget, startedAt: number, events: ProberEvents = {}): Prober {
  const abort = new AbortController();
  const state = { started: false, ready: false, firstSuccess: {} as Partial<Record<ProbeKind, number>>, results: [] as ProbeResult[] };

  const setReady = (ready: boolean): void => {
    if (state.ready === ready) return;
    state.ready = ready;
    events.onReady?.(ready);
  };

  const worker = async (kind: ProbeKind, probe: Probe, firstAt: number, onResult: (ok: boolean, message: string, streak: { ok: number; fail: number }) => boolean): Promise<void> => {
    const streak = { ok: 0, fail: 0 };
    let at = Math.max(firstAt, startedAt + probe.initialDelaySeconds * 1000);
    while (!abort.signal.aborted) {
      await sleep(Math.max(0, at - Date.now()), abort.signal);
      if (abort.signal.aborted) return;
      const r = await runHandler(probe.handler, target, probe.timeoutSeconds * 1000, abort.signal);
      if (abort.signal.aborted) return;
      const result: ProbeResult = { kind, at: Date.now(), ok: r.ok, message: r.message };
      state.results.push(result);
      if (state.results.length > KEEP_RESULTS) state.results.shift();
      events.onResult?.(result);
      if (r.ok) {
        streak.ok++;
        streak.fail = 0;
        state.firstSuccess[kind] ??= result.at - startedAt;
      } else {
        streak.fail++;
        streak.ok = 0;
      }
      if (!onResult(r.ok, r.message, streak)) return;
      at = Math.max(at + probe.periodSeconds * 1000, Date.now());
    }
  };

  const kill = (kind: "startup" | "liveness", message: string): void => {
    if (abort.signal.aborted) return;
    abort.abort();
    events.onKill?.(kind, message);
  };

  const afterStarted = (): void => {
    state.started = true;
    events.onStarted?.();
    const now = Date.now();
    const readiness = c.readinessProbe;
    if (readiness) {
      void worker("readiness", readiness, now, (ok, _m, s) => {
        if (ok && s.ok >= readiness.successThreshold) setReady(true);
        if (!ok && s.fail >= readiness.failureThreshold) setReady(false);
        return true;
      });
    } else setReady(true);
    const liveness = c.livenessProbe;
    if (liveness) {
      const first = c.startupProbe ? now + liveness.periodSeconds * 1000 : now;
      void worker("liveness", liveness, first, (ok, message, s) => {
        if (!ok && s.fail >= liveness.failureThreshold) {
          kill("liveness", `Liveness probe failed ${s.fail} times: ${message}`);
          return false;
        }
        return true;
      });
    }
  };

  const startup = c.startupProbe;
  if (startup) {
    void worker("startup", startup, startedAt, (ok, message, s) => {
      if (ok) {
        afterStarted();
        return false;
      }
      if (s.fail >= startup.failureThreshold) {
        kill("startup", `Startup probe failed ${s.fail} times: ${message}`);
        return false;
      }
      return true;
    });
  } else afterStarted();

  return {
    get started() {
      return state.started;
    },
    get ready() {
      return state.ready;
    },
    firstSuccess: state.firstSuccess,
    results: state.results,
    stop: () => abort.abort(),
  };
}
