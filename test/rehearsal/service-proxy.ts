/**
 * Addresses for names outside the build: a managed database's host, an ExternalName target, a host
 * an ExternalSecret template writes. Each gets an address of its own on the rehearsal's bridge, where
 * a TCP proxy in the host forwards every port the shop uses to the pod standing in for it (the way
 * kube-proxy's userspace mode forwarded a Service's virtual IP), so the name resolves and its port
 * may differ from the pod's without any value in the pods' environment being rewritten.
 */
import { createConnection, createServer, type Server } from "node:net";
import { run, tryRun } from "./host-command.ts";

export interface Forward {
  /** Host name as the shop's configuration writes it. */
  host: string;
  port: number;
  /** Pod address and port it reaches. */
  target: { ip: string; port: number };
}

export interface VirtualHosts {
  /** Host name → its address, for the pods' /etc/hosts. */
  addresses: Record<string, string>;
  close(): Promise<void>;
}

/** The addresses handed out: from the top of the pods' subnet down, clear of the pods'. */
export function virtualAddresses(forwards: readonly Forward[], subnetBase: string): Record<string, string> {
  const [a, b, c] = subnetBase.split(".");
  const hosts = [...new Set(forwards.map((f) => f.host))].sort();
  if (hosts.length > 50) throw new Error(`${hosts.length} outside names: more than the rehearsal's virtual addresses`);
  return Object.fromEntries(hosts.map((h, i) => [h, `${a}.${b}.${c}.${250 - i}`]));
}

export async function startVirtualHosts(bridge: string, forwards: readonly Forward[], subnetBase: string): Promise<VirtualHosts> {
  const addresses = virtualAddresses(forwards, subnetBase);
  const servers: Server[] = [];
  for (const ip of new Set(Object.values(addresses))) await run("ip", ["addr", "replace", `${ip}/32`, "dev", bridge]);
  for (const f of forwards) {
    const listen = addresses[f.host]!;
    const server = createServer((client) => {
      const upstream = createConnection({ host: f.target.ip, port: f.target.port });
      client.pipe(upstream).pipe(client);
      const close = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on("error", close);
      upstream.on("error", close);
    });
    await new Promise<void>((done, fail) => {
      server.once("error", (err) => fail(new Error(`cannot listen on ${listen}:${f.port} for ${f.host}: ${err.message}`)));
      server.listen(f.port, listen, () => done());
    });
    servers.push(server);
  }
  return {
    addresses,
    async close() {
      await Promise.all(servers.map((s) => new Promise((done) => s.close(() => done(undefined)))));
      for (const ip of new Set(Object.values(addresses))) await tryRun("ip", ["addr", "del", `${ip}/32`, "dev", bridge]);
    },
  };
}
