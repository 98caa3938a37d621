/**
 * Requests as a browser sends them through the Ingress: to the pod behind the Service the Ingress
 * rule routes the host and path to, with the Host header of the public host and the headers
 * ingress-nginx adds in front of a TLS-terminating controller (X-Forwarded-Proto: https). The
 * rehearsal runs no ingress controller; this is the routing an Ingress declares, nothing more.
 */
import { request } from "node:http";
import type { NetworkPlan } from "./pod-network.ts";
import type { K8s } from "./shop-secrets.ts";

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  text(): string;
}

export interface Call {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  timeoutMs?: number;
}

export function send(ip: string, port: number, path: string, call: Call = {}): Promise<Reply> {
  return new Promise((done, fail) => {
    const req = request({ host: ip, port, path, method: call.method ?? "GET", headers: call.headers ?? {}, timeout: call.timeoutMs ?? 15_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const body = Buffer.concat(chunks);
        done({ status: res.statusCode ?? 0, headers: res.headers, body, text: () => body.toString("utf8") });
      });
      res.on("error", fail);
    });
    req.on("timeout", () => req.destroy(new Error(`${call.method ?? "GET"} http://${ip}:${port}${path}: no answer in ${call.timeoutMs ?? 15_000} ms`)));
    req.on("error", fail);
    req.end(call.body);
  });
}

/** The Service and port an Ingress routes a host and path to (the longest matching path wins). */
export function ingressRoute(objects: readonly K8s[], host: string, path: string): { namespace: string; service: string; port: number } {
  let best: { namespace: string; service: string; port: number; length: number } | undefined;
  for (const ing of objects.filter((o) => o.kind === "Ingress")) {
    for (const rule of ing.spec?.rules ?? []) {
      if (rule.host !== host) continue;
      for (const p of rule.http?.paths ?? []) {
        const prefix: string = p.path ?? "/";
        const matches = p.pathType === "Exact" ? path === prefix : path === prefix || path.startsWith(prefix.endsWith("/") ? prefix : `${prefix}/`);
        if (!matches || (best && best.length >= prefix.length)) continue;
        const svc = p.backend?.service;
        if (!svc?.port?.number) throw new Error(`Ingress ${ing.metadata.name}: host ${host} path ${prefix} names its backend port by name; the rehearsal routes numbered ports`);
        best = { namespace: ing.metadata.namespace ?? "default", service: svc.name, port: svc.port.number, length: prefix.length };
      }
    }
  }
  if (!best) throw new Error(`no Ingress rule routes ${host}${path}`);
  return best;
}

/**
 * A request to a public URL, delivered where the Ingress sends it; `outside` serves the public hosts
 * of services the build does not route (a managed object store's file host), by host name.
 */
export function viaIngress(objects: readonly K8s[], net: NetworkPlan, url: string, call: Call = {}, outside: Readonly<Record<string, { ip: string; port: number }>> = {}): Promise<Reply> {
  const u = new URL(url);
  const path = `${u.pathname}${u.search}`;
  const forwarded: Record<string, string> = u.protocol === "https:" ? { "X-Forwarded-Proto": "https", "X-Forwarded-Port": "443" } : {};
  const headers = { Host: u.host, ...forwarded, ...(call.headers ?? {}) };
  const direct = ingressHosts(objects).includes(u.hostname) ? undefined : outside[u.hostname];
  if (direct) return send(direct.ip, direct.port, path, { ...call, headers });
  const route = ingressRoute(objects, u.hostname, u.pathname);
  const ip = net.services[route.namespace]?.[route.service]?.[0];
  if (!ip) throw new Error(`${url}: Service ${route.namespace}/${route.service} has no ready pod in the rehearsal`);
  return send(ip, route.port, path, { ...call, headers });
}

/** Every host the Ingresses of the build serve. */
export function ingressHosts(objects: readonly K8s[]): string[] {
  return [...new Set(objects.filter((o) => o.kind === "Ingress").flatMap((i) => (i.spec?.rules ?? []).map((r: { host?: string }) => r.host).filter(Boolean)))] as string[];
}
