/**
 * The Docker-link-style variables the kubelet gives every container for each Service of its
 * namespace (pkg/kubelet/envvars): FOO_SERVICE_HOST, FOO_SERVICE_PORT, FOO_SERVICE_PORT_<NAME>,
 * FOO_PORT, FOO_PORT_<port>_<PROTO>{,_PROTO,_PORT,_ADDR}.
 *
 *   serviceEnv(services, hostOf): Map<string, string>
 *
 * Only Services with a cluster IP get them: headless (`clusterIP: None`) and ExternalName Services
 * get none, as in the kubelet. `hostOf(service)` is the address the rehearsal's network gives the
 * Service (it has no virtual IPs); a Service it gives none to gets no variables. The master
 * `kubernetes` Service's variables (KUBERNETES_SERVICE_HOST, ...) are left out: the rehearsal has
 * no API server.
 */
export interface ServiceObject {
  metadata?: { name?: string; namespace?: string };
  spec?: {
    type?: string;
    clusterIP?: string;
    ports?: Array<{ name?: string; port?: number; protocol?: string }>;
  };
}

const envName = (s: string): string => s.replaceAll("-", "_").toUpperCase();

/** Whether the kubelet would treat the Service as having a cluster IP (an unset one is allocated on create). */
export function hasClusterIP(svc: ServiceObject): boolean {
  if (svc.spec?.type === "ExternalName") return false;
  const ip = svc.spec?.clusterIP;
  return ip !== "None";
}

export function serviceEnv(services: ServiceObject[], hostOf: (svc: ServiceObject) => string | undefined): Map<string, string> {
  const env = new Map<string, string>();
  for (const svc of services) {
    const ports = svc.spec?.ports ?? [];
    const host = hasClusterIP(svc) ? hostOf(svc) : undefined;
    if (host === undefined || ports.length === 0 || !svc.metadata?.name) continue;
    const prefix = envName(svc.metadata.name);
    env.set(`${prefix}_SERVICE_HOST`, host);
    env.set(`${prefix}_SERVICE_PORT`, String(ports[0]!.port));
    for (const p of ports) if (p.name) env.set(`${prefix}_SERVICE_PORT_${envName(p.name)}`, String(p.port));
    const hostPort = (port: number | undefined): string => (host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`);
    ports.forEach((p, i) => {
      const proto = p.protocol || "TCP";
      const url = `${proto.toLowerCase()}://${hostPort(p.port)}`;
      if (i === 0) env.set(`${prefix}_PORT`, url);
      const pp = `${prefix}_PORT_${p.port}_${proto.toUpperCase()}`;
      env.set(pp, url);
      env.set(`${pp}_PROTO`, proto.toLowerCase());
      env.set(`${pp}_PORT`, String(p.port));
      env.set(`${pp}_ADDR`, host);
    });
  }
  return env;
}
