/**
 * Runs one probe or lifecycle handler as the kubelet does, from the node (the host namespace) to the
 * pod's address.
 *
 *   runHandler(handler, target, timeoutMs, abort?): Promise<{ ok, message }>
 *
 * httpGet: success is a status from 200 to 399; redirects to the same host are followed (up to 10),
 * a redirect elsewhere counts as success, as in the kubelet's prober; HTTPS skips certificate checks;
 * User-Agent `kube-probe/<version>` and `Accept: *\/*` unless the probe sets them.
 * tcpSocket: success is an established connection. exec: success is exit status 0 within the
 * timeout (run through `target.exec`, inside the container). sleep: waits, always succeeds.
 */
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { connect } from "node:net";
import type { Handler } from "./pod-plan.ts";

export interface HandlerTarget {
  /** The pod's address. */
  ip: string;
  exec(argv: string[], timeoutMs: number): Promise<{ exitCode: number; output: string; timedOut: boolean }>;
}

export interface HandlerResult {
  ok: boolean;
  message: string;
}

/** The Kubernetes minor version the probe's User-Agent names. */
export const KUBE_PROBE_VERSION = "1.32";

export async function runHandler(h: Handler, target: HandlerTarget, timeoutMs: number, abort?: AbortSignal): Promise<HandlerResult> {
  switch (h.kind) {
    case "httpGet":
      return httpGet(h, target.ip, timeoutMs);
    case "tcpSocket":
      return tcpConnect(h.host ?? target.ip, h.port, timeoutMs);
    case "exec": {
      const r = await target.exec(h.command, timeoutMs);
      if (r.timedOut) return { ok: false, message: `command timed out after ${timeoutMs} ms` };
      return { ok: r.exitCode === 0, message: r.exitCode === 0 ? "exit 0" : `exit ${r.exitCode}: ${r.output.trim().split("\n").slice(-1)[0] ?? ""}` };
    }
    case "sleep":
      await sleep(h.seconds * 1000, abort);
      return { ok: true, message: `slept ${h.seconds} s` };
  }
}

function httpGet(h: Extract<Handler, { kind: "httpGet" }>, podIP: string, timeoutMs: number): Promise<HandlerResult> {
  const host = h.host ?? podIP;
  const headers: Record<string, string> = {};
  for (const { name, value } of h.headers) headers[name] = value;
  const has = (n: string): boolean => Object.keys(headers).some((k) => k.toLowerCase() === n);
  if (!has("user-agent")) headers["User-Agent"] = `kube-probe/${KUBE_PROBE_VERSION}`;
  if (!has("accept")) headers.Accept = "*/*";
  const deadline = Date.now() + timeoutMs;
  const start = new URL(`${h.scheme.toLowerCase()}://${host.includes(":") ? `[${host}]` : host}:${h.port}${h.path}`);

  const attempt = (url: URL, redirects: number): Promise<HandlerResult> =>
    new Promise((resolve) => {
      const left = deadline - Date.now();
      if (left <= 0) return resolve({ ok: false, message: `GET ${url.pathname}: timed out after ${timeoutMs} ms` });
      const request = url.protocol === "https:" ? httpsRequest : httpRequest;
      const req = request(url, { method: "GET", headers, timeout: left, rejectUnauthorized: false, agent: false }, (res) => {
        const status = res.statusCode ?? 0;
        res.resume();
        const location = res.headers.location;
        if (status >= 300 && status < 400 && location) {
          const next = new URL(location, url);
          if (next.hostname === url.hostname && redirects < 10) {
            res.on("end", () => resolve(attempt(next, redirects + 1)));
            return;
          }
        }
        const ok = status >= 200 && status < 400;
        resolve({ ok, message: `GET ${url.pathname}${url.search}: HTTP ${status}` });
      });
      req.on("timeout", () => {
        req.destroy();
        resolve({ ok: false, message: `GET ${url.pathname}: timed out after ${timeoutMs} ms` });
      });
      req.on("error", (err: NodeJS.ErrnoException) => resolve({ ok: false, message: `GET ${url.pathname}: ${err.code ?? err.message}` }));
      req.end();
    });
  return attempt(start, 0);
}

function tcpConnect(host: string, port: number, timeoutMs: number): Promise<HandlerResult> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (r: HandlerResult): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => done({ ok: false, message: `connect ${host}:${port}: timed out after ${timeoutMs} ms` }), timeoutMs);
    socket.on("connect", () => done({ ok: true, message: `connected to ${host}:${port}` }));
    socket.on("error", (err: NodeJS.ErrnoException) => done({ ok: false, message: `connect ${host}:${port}: ${err.code ?? err.message}` }));
  });
}

export function sleep(ms: number, abort?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (abort?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      abort?.removeEventListener("abort", done);
      resolve();
    }
    abort?.addEventListener("abort", done, { once: true });
  });
}
