/**
 * A locally made certificate for an overlay's Ingress TLS entries: one self-signed certificate per
 * TLS Secret, naming every host of its entry, so a browser can be told to trust it once.
 */
import type { BuiltObject } from "./built-object.ts";

export interface TlsTarget {
  secretName: string;
  hosts: string[];
}

/** The TLS Secrets the overlay's Ingresses name, with their hosts; an entry without a Secret name is refused. */
export function tlsTargets(objects: readonly BuiltObject[]): TlsTarget[] {
  const targets = new Map<string, Set<string>>();
  for (const ing of objects.filter((o) => o.kind === "Ingress")) {
    for (const [i, t] of (((ing.spec as { tls?: Array<{ hosts?: string[]; secretName?: string }> } | undefined)?.tls) ?? []).entries()) {
      if (!t.secretName) throw new Error(`Ingress ${ing.metadata.name}: spec.tls[${i}] has no secretName to create`);
      const hosts = targets.get(t.secretName) ?? new Set<string>();
      for (const h of t.hosts ?? []) hosts.add(h);
      targets.set(t.secretName, hosts);
    }
  }
  return [...targets].map(([secretName, hosts]) => ({ secretName, hosts: [...hosts].sort() }));
}

/** `openssl req` arguments for a self-signed certificate valid for `hosts` (SANs; the CN alone is ignored by browsers). */
export function opensslArgs(hosts: readonly string[], keyFile: string, certFile: string, days = 365): string[] {
  if (hosts.length === 0) throw new Error("no hosts to make a certificate for");
  const bad = hosts.find((h) => !/^[a-z0-9*]([-a-z0-9.]*[a-z0-9])?$/.test(h));
  if (bad) throw new Error(`'${bad}' is not a host name a certificate can name`);
  return [
    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", String(days),
    "-keyout", keyFile, "-out", certFile,
    "-subj", `/CN=${hosts[0]}`,
    "-addext", `subjectAltName=${hosts.map((h) => `DNS:${h}`).join(",")}`,
    "-addext", "basicConstraints=critical,CA:FALSE",
    "-addext", "extendedKeyUsage=serverAuth",
  ];
}
