/**
 * Addresses for names outside the build: a managed database's host, an ExternalName target, a host
 * an ExternalSecret template writes. Each gets an address of its own on the rehearsal's bridge, where
 * a TCP proxy in the host forwards every port the shop uses to the pod standing in for it (the way
 * kube-proxy's userspace mode forwarded a Service's virtual IP), so the name resolves and its port
 * may differ from the pod's without any value in the pods' environment being rewritten. The same
 * proxy plays `kubectl port-forward` (forwardTcp on the host's loopback).
 */
import { createConnection, createServer, type Socket } from "node:net";
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

/** Listens on `address:port` and pipes every connection to the target; close() also ends open ones. */
export async function forwardTcp(address: string, port: number, target: { ip: string; port: number }, what: string): Promise<() => Promise<void>> {
  // A proxied connection outlives the pods at its ends; closing must not wait for it.
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = createConnection({ host: target.ip, port: target.port });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((done, fail) => {
    server.once("error", (err) => fail(new Error(`cannot listen on ${address}:${port} for ${what}: ${err.message}`)));
    server.listen(port, address, () => done());
  });
  return () =>
    new Promise((done) => {
      server.close(() => done());
      for (const s of sockets) s.destroy();
    });
}

/** The addresses handed out: from the top of the pods' subnet down, clear of the pods'. */
export function virtualAddresses(forwards: readonly Forward[], subnetBase: string): Record<string, string> {
  const [a, b, c] = subnetBase.split(".");
  const hosts = [...new Set(forwards.map((f) => f.host))].sort();
  if (hosts.length > 40) throw new Error(`${hosts.length} outside names: more than the rehearsal's virtual addresses`);
  return Object.fromEntries(hosts.map((h, i) => [h, `${a}.${b}.${c}.${250 - i}`]));
}

export async function startVirtualHosts(bridge: string, forwards: readonly Forward[], subnetBase: string): Promise<VirtualHosts> {
  const addresses = virtualAddresses(forwards, subnetBase);
  const closers: Array<() => Promise<void>> = [];
  for (const ip of new Set(Object.values(addresses))) await run("ip", ["addr", "replace", `${ip}/32`, "dev", bridge]);
  for (const f of forwards) closers.push(await forwardTcp(addresses[f.host]!, f.port, f.target, f.host));
  return {
    addresses,
    async close() {
      await Promise.all(closers.map((c) => c()));
      for (const ip of new Set(Object.values(addresses))) await tryRun("ip", ["addr", "del", `${ip}/32`, "dev", bridge]);
    },
  };
}
