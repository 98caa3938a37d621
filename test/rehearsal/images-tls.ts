/**
 * Certificates the rehearsal's stand-ins serve: a CA made for the rehearsal and a server certificate
 * it signed for the given names, made once with openssl and kept under the cache. A client trusts them
 * only when told to (sslrootcert, NODE_EXTRA_CA_CERTS), as with the private CAs they stand in for.
 */
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { rehearsalCacheDir, runForImage } from "./images-layer.ts";

export interface Certificates {
  /** Host paths of the CA certificate, the server certificate and its key (PEM). */
  ca: string;
  cert: string;
  key: string;
}

export function rehearsalCertificates(ref: string, name: string, dnsNames: readonly string[], ipAddresses: readonly string[] = []): Certificates {
  const dir = join(rehearsalCacheDir(), "tls", name);
  const files = { ca: join(dir, "ca.crt"), cert: join(dir, "server.crt"), key: join(dir, "server.key") };
  if (Object.values(files).every((f) => existsSync(f))) return files;

  const staging = `${dir}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const at = (f: string) => join(staging, f);
  const openssl = (args: string[]) => runForImage(ref, "openssl", args);
  openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", "3650", "-keyout", at("ca.key"), "-out", at("ca.crt"),
    "-subj", `/CN=ecom rehearsal ${name} CA`, "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]);
  openssl(["req", "-newkey", "rsa:2048", "-nodes", "-sha256", "-keyout", at("server.key"), "-out", at("server.csr"), "-subj", `/CN=${dnsNames[0] ?? name}`]);
  const san = [...dnsNames.map((n) => `DNS:${n}`), ...ipAddresses.map((ip) => `IP:${ip}`)].join(",");
  writeFileSync(at("server.ext"), `subjectAltName=${san}\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n`);
  openssl(["x509", "-req", "-in", at("server.csr"), "-CA", at("ca.crt"), "-CAkey", at("ca.key"), "-CAcreateserial", "-days", "3650", "-sha256",
    "-out", at("server.crt"), "-extfile", at("server.ext")]);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, ".."), { recursive: true });
  renameSync(staging, dir);
  return files;
}
