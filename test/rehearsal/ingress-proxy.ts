/**
 * The Ingress as pods reach it: a pod that fetches a public URL of the shop (the storefront's server
 * loading a product image or calling search) goes out to the ingress controller, which ends TLS with
 * the certificate of the host's `spec.tls` entry and forwards by host and path to the Service's pods,
 * adding X-Forwarded-Proto. This plays that controller on an address of the rehearsal's bridge, to
 * which the pods' /etc/hosts send every host the Ingresses serve, as a cluster's split-horizon DNS
 * does (docs/operations.md, "Dev over https"). Nothing else of ingress-nginx is emulated.
 */
import { request } from "node:http";
import { createServer as createHttpsServer, type Server } from "node:https";
import { createSecureContext, type SecureContext } from "node:tls";
import { ingressRoute } from "./http.ts";
import type { NetworkPlan } from "./pod-network.ts";
import { valueOf, type K8s } from "./shop-secrets.ts";

const decode = (s: K8s, key: string): string => {
  const v = valueOf(s, key);
  if (!v) throw new Error(`Secret ${s.metadata.namespace}/${s.metadata.name} has no ${key}`);
  return v;
};

/** host → TLS context, from each Ingress's spec.tls and the Secrets it names. */
function certificates(objects: readonly K8s[]): Map<string, SecureContext> {
  const out = new Map<string, SecureContext>();
  for (const ing of objects.filter((o) => o.kind === "Ingress")) {
    for (const t of ing.spec?.tls ?? []) {
      const secret = objects.find((o) => o.kind === "Secret" && o.metadata.name === t.secretName && o.metadata.namespace === ing.metadata.namespace);
      if (!secret) continue;
      const context = createSecureContext({ cert: decode(secret, "tls.crt"), key: decode(secret, "tls.key") });
      for (const host of t.hosts ?? []) out.set(host, context);
    }
  }
  return out;
}

/** `defaultCert` answers hosts whose TLS entry names no Secret, as the controller's default certificate does. */
export async function startIngressProxy(objects: readonly K8s[], net: NetworkPlan, address: string, defaultCert: { cert: string; key: string }): Promise<{ close(): Promise<void> }> {
  const contexts = certificates(objects);
  const fallback = createSecureContext(defaultCert);
  const server: Server = createHttpsServer({ SNICallback: (name, done) => done(null, contexts.get(name) ?? fallback) }, (req, res) => {
    const host = (req.headers.host ?? "").replace(/:\d+$/, "");
    const path = req.url ?? "/";
    let route: ReturnType<typeof ingressRoute>;
    try {
      route = ingressRoute(objects, host, new URL(path, "http://x").pathname);
    } catch {
      res.writeHead(404).end();
      return;
    }
    const ip = net.services[route.namespace]?.[route.service]?.[0];
    if (!ip) {
      res.writeHead(503).end();
      return;
    }
    const upstream = request(
      { host: ip, port: route.port, path, method: req.method, headers: { ...req.headers, "x-forwarded-proto": "https", "x-forwarded-port": "443", "x-forwarded-host": host } },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on("error", () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  await new Promise<void>((done, fail) => {
    server.once("error", (err) => fail(new Error(`the rehearsal's ingress cannot listen on ${address}:443: ${err.message}`)));
    server.listen(443, address, () => done());
  });
  return {
    close: () =>
      new Promise((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}
