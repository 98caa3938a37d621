/**
 * The pods' network, as a CNI bridge plugin and cluster DNS would give it: a bridge in the host
 * namespace, one network namespace per pod joined to it by a veth pair, and per-pod /etc/hosts and
 * /etc/resolv.conf files through which Service names resolve (the rehearsal has no DNS server and no
 * kube-proxy; env values are never rewritten).
 *
 *   planNetwork(pods, objects, options?): NetworkPlan            pure: addresses, names, findings
 *   serviceAddresses(plan, namespace): Record<string, string>   for planPod's serviceAddresses
 *   podNetwork(plan, pod): PodNetwork
 *   setupNetwork(plan): Promise<void>       cleans what a killed run with the same name left, then builds
 *   teardownNetwork(name): Promise<void>    removes netns, veths, bridge and files; idempotent
 *
 * Services: a Service name resolves to the addresses of the pods its selector selects (a ClusterIP
 * Service has no virtual IP here). Nothing translates ports, so a Service whose targetPort differs
 * from its port is refused (a finding; setupNetwork will not build such a plan) rather than
 * forwarded with DNAT. An ExternalName Service resolves to what `extraHosts` maps its target to.
 * Names: `<svc>` (same namespace), `<svc>.<ns>`, `<svc>.<ns>.svc`, `<svc>.<ns>.svc.<domain>`, a
 * headless Service's pods as `<hostname>.<svc>.<ns>.svc.<domain>`, the pod's own hostname (as the
 * kubelet writes it), the pod's hostAliases, and `extraHosts` (ExternalName targets, public hosts).
 *
 * Inside each pod namespace: eth0 with the pod's address, lo up, a default route via the bridge,
 * and containerd 2's sysctls (unprivileged ports from 0, unprivileged ping).
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { PodIdentity } from "./pod-plan.ts";
import { run, shellQuote, tryRun } from "./host-command.ts";
import { checkName, stateDir } from "./state-dir.ts";

export interface NetworkOptions {
  /** Bridge name and prefix of everything this network creates (netns, veths, state); default rh0. */
  name?: string;
  /** A private IPv4 subnet; the bridge takes its first address, pods the following ones. */
  subnet?: string;
  clusterDomain?: string;
  /** Host names the caller maps to addresses: ExternalName targets, public hosts. */
  extraHosts?: Record<string, string>;
}

export interface NetworkFinding {
  severity: "error" | "unsupported" | "info";
  object?: string;
  message: string;
}

export interface PodNetwork {
  pod: string;
  namespace: string;
  ip: string;
  /** `ip netns` name and its bind-mount path. */
  netns: string;
  netnsPath: string;
  hostVeth: string;
  /** Files to bind-mount at /etc/hosts, /etc/resolv.conf and /etc/hostname. */
  hostsFile: string;
  resolvConfFile: string;
  hostnameFile: string;
  hosts: string;
  resolvConf: string;
  hostname: string;
}

export interface NetworkPlan {
  name: string;
  bridge: string;
  gateway: string;
  prefixLength: number;
  pods: PodNetwork[];
  /** namespace → Service name → addresses. */
  services: Record<string, Record<string, string[]>>;
  findings: NetworkFinding[];
}

const DEFAULTS = { name: "rh0", subnet: "10.213.0.0/24", clusterDomain: "cluster.local" };

export function planNetwork(pods: readonly PodIdentity[], objects: readonly unknown[], options: NetworkOptions = {}): NetworkPlan {
  const name = options.name ?? DEFAULTS.name;
  checkName(name);
  const domain = options.clusterDomain ?? DEFAULTS.clusterDomain;
  const { base, prefixLength } = parseSubnet(options.subnet ?? DEFAULTS.subnet);
  const capacity = 2 ** (32 - prefixLength) - 3;
  if (pods.length > capacity) throw new Error(`subnet ${options.subnet ?? DEFAULTS.subnet} has room for ${capacity} pods, not ${pods.length}`);
  const gateway = ipString(base + 1);
  const ips = new Map(pods.map((p, i) => [p, ipString(base + 2 + i)]));
  const findings: NetworkFinding[] = [];

  const services: Record<string, Record<string, string[]>> = {};
  const headless: Array<{ ns: string; svc: string; pods: PodIdentity[] }> = [];
  for (const o of objects as any[]) {
    if (o?.kind !== "Service") continue;
    const ns: string = o.metadata?.namespace ?? "default";
    const svc: string = o.metadata?.name;
    const ref = `Service ${ns}/${svc}`;
    const spec = o.spec ?? {};
    let addresses: string[] = [];
    if (spec.type === "ExternalName") {
      const target = String(spec.externalName ?? "");
      const mapped = options.extraHosts?.[target];
      if (mapped) addresses = [mapped];
      else findings.push({ severity: "info", object: ref, message: `${ref} is an ExternalName for ${target}, which extraHosts does not map: its name does not resolve` });
    } else if (spec.selector && Object.keys(spec.selector).length > 0) {
      const selected = pods.filter((p) => p.namespace === ns && Object.entries(spec.selector).every(([k, v]) => p.labels[k] === v));
      for (const p of selected) checkPorts(ref, spec.ports ?? [], p, findings);
      addresses = selected.map((p) => ips.get(p)!);
      if (selected.length === 0) findings.push({ severity: "info", object: ref, message: `${ref} selects no pod of this rehearsal: its name does not resolve` });
      if (spec.clusterIP === "None") headless.push({ ns, svc, pods: selected });
    }
    (services[ns] ??= {})[svc] = addresses;
  }

  const podNets = pods.map((p, i): PodNetwork => {
    const ip = ips.get(p)!;
    const dir = join(stateDir(name), "network", p.name);
    return {
      pod: p.name,
      namespace: p.namespace,
      ip,
      netns: netnsName(name, p.name),
      netnsPath: `/run/netns/${netnsName(name, p.name)}`,
      hostVeth: `${name}v${i}`,
      hostsFile: join(dir, "hosts"),
      resolvConfFile: join(dir, "resolv.conf"),
      hostnameFile: join(dir, "hostname"),
      hosts: hostsFile(p, ip, domain, services, headless, ips, options.extraHosts ?? {}),
      resolvConf: resolvConf(p.namespace, domain),
      hostname: p.hostname,
    };
  });
  return { name, bridge: name, gateway, prefixLength, pods: podNets, services, findings };
}

/** The first address of each Service of a namespace: what its *_SERVICE_HOST variable says. */
export function serviceAddresses(plan: NetworkPlan, namespace: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [svc, addrs] of Object.entries(plan.services[namespace] ?? {})) if (addrs[0]) out[svc] = addrs[0];
  return out;
}

export function podNetwork(plan: NetworkPlan, pod: string): PodNetwork {
  const net = plan.pods.find((p) => p.pod === pod);
  if (!net) throw new Error(`pod ${pod} is not part of network ${plan.name}`);
  return net;
}

function checkPorts(ref: string, ports: any[], pod: PodIdentity, findings: NetworkFinding[]): void {
  const containerPorts = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].flatMap((c: any) => c.ports ?? []);
  for (const p of ports) {
    const t = p.targetPort ?? p.port;
    const target = typeof t === "number" || /^\d+$/.test(String(t)) ? Number(t) : containerPorts.find((c: any) => c.name === t)?.containerPort;
    if (target === undefined) {
      findings.push({ severity: "error", object: ref, message: `${ref} port ${p.port} targets port ${JSON.stringify(t)}, which pod ${pod.name} does not declare` });
    } else if (target !== p.port) {
      findings.push({
        severity: "unsupported",
        object: ref,
        message: `${ref} port ${p.port} forwards to port ${target} of pod ${pod.name}: the rehearsal resolves Service names to pod addresses and does not translate ports (no DNAT), so it refuses this Service`,
      });
    }
  }
}

function hostsFile(
  pod: PodIdentity,
  ip: string,
  domain: string,
  services: NetworkPlan["services"],
  headless: Array<{ ns: string; svc: string; pods: PodIdentity[] }>,
  ips: Map<PodIdentity, string>,
  extraHosts: Record<string, string>,
): string {
  const lines = [
    "# Kubernetes-managed hosts file.",
    "127.0.0.1\tlocalhost",
    "::1\tlocalhost ip6-localhost ip6-loopback",
    "fe00::0\tip6-localnet",
    "fe00::0\tip6-mcastprefix",
    "fe00::1\tip6-allnodes",
    "fe00::2\tip6-allrouters",
    pod.subdomain ? `${ip}\t${pod.hostname}.${pod.subdomain}.${pod.namespace}.svc.${domain}\t${pod.hostname}` : `${ip}\t${pod.hostname}`,
  ];
  const aliases = (pod.spec?.hostAliases ?? []) as Array<{ ip: string; hostnames?: string[] }>;
  if (aliases.length > 0) {
    lines.push("", "# Entries added by HostAliases.");
    for (const a of aliases) lines.push(`${a.ip}\t${(a.hostnames ?? []).join("\t")}`);
  }
  lines.push("", "# Services as cluster DNS would answer them (the rehearsal has no DNS server).");
  for (const [ns, byName] of Object.entries(services)) {
    for (const [svc, addrs] of Object.entries(byName)) {
      const names = [...(ns === pod.namespace ? [svc] : []), `${svc}.${ns}`, `${svc}.${ns}.svc`, `${svc}.${ns}.svc.${domain}`];
      for (const a of addrs) lines.push(`${a}\t${names.join("\t")}`);
    }
  }
  for (const h of headless) {
    for (const p of h.pods) if (p.subdomain === h.svc) lines.push(`${ips.get(p)}\t${p.hostname}.${h.svc}.${h.ns}.svc.${domain}`);
  }
  const extra = Object.entries(extraHosts);
  if (extra.length > 0) {
    lines.push("", "# Hosts mapped by the rehearsal.");
    for (const [host, addr] of extra) lines.push(`${addr}\t${host}`);
  }
  return lines.join("\n") + "\n";
}

function resolvConf(namespace: string, domain: string): string {
  return [
    `search ${namespace}.svc.${domain} svc.${domain} ${domain}`,
    "# No nameserver: names resolve from /etc/hosts only (nsswitch.conf says files), anything else fails at once.",
    "options ndots:5",
    "",
  ].join("\n");
}

const netnsName = (name: string, pod: string): string => `${name}-${pod}`;

function parseSubnet(cidr: string): { base: number; prefixLength: number } {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr);
  const octets = m ? m.slice(1, 5).map(Number) : [];
  const prefixLength = m ? Number(m[5]) : NaN;
  if (!m || octets.some((o) => o > 255) || prefixLength < 8 || prefixLength > 29) throw new Error(`subnet ${JSON.stringify(cidr)} is not an IPv4 CIDR between /8 and /29`);
  const addr = octets.reduce((a, o) => a * 256 + o, 0);
  const size = 2 ** (32 - prefixLength);
  const base = addr - (addr % size);
  const isPrivate = octets[0] === 10 || (octets[0] === 172 && octets[1]! >= 16 && octets[1]! < 32) || (octets[0] === 192 && octets[1] === 168);
  if (!isPrivate) throw new Error(`subnet ${cidr} is not in a private range (10/8, 172.16/12, 192.168/16)`);
  return { base, prefixLength };
}

const ipString = (n: number): string => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".");

// ---------------------------------------------------------------------------------------------
// Host side

export async function setupNetwork(plan: NetworkPlan): Promise<void> {
  const refused = plan.findings.filter((f) => f.severity !== "info");
  if (refused.length > 0) throw new Error(`network ${plan.name} refused: ${refused.map((f) => f.message).join("; ")}`);
  await teardownNetwork(plan.name);
  await checkSubnetFree(plan);

  const sh: string[] = ["set -e"];
  const q = shellQuote;
  sh.push(`ip link add ${q(plan.bridge)} type bridge`, `ip addr add ${plan.gateway}/${plan.prefixLength} dev ${q(plan.bridge)}`, `ip link set ${q(plan.bridge)} up`);
  for (const p of plan.pods) {
    const ns = q(p.netns);
    sh.push(
      `ip netns add ${ns}`,
      `ip link add ${q(p.hostVeth)} type veth peer name eth0 netns ${ns}`,
      `ip link set ${q(p.hostVeth)} master ${q(plan.bridge)} up`,
      `ip -n ${ns} addr add ${p.ip}/${plan.prefixLength} dev eth0`,
      `ip -n ${ns} link set lo up`,
      `ip -n ${ns} link set eth0 up`,
      `ip -n ${ns} route add default via ${plan.gateway}`,
      // Per-namespace sysctls, written from inside the namespace; containerd 2 sets both for every pod.
      `nsenter --net=${q(p.netnsPath)} sh -c 'echo 0 > /proc/sys/net/ipv4/ip_unprivileged_port_start; echo "0 2147483647" > /proc/sys/net/ipv4/ping_group_range'`,
    );
  }
  try {
    await run("sh", ["-c", sh.join("\n")]);
  } catch (err) {
    await teardownNetwork(plan.name).catch(() => {});
    throw new Error(`network ${plan.name}: ${(err as Error).message}`);
  }
  for (const p of plan.pods) {
    mkdirSync(join(p.hostsFile, ".."), { recursive: true });
    writeFileSync(p.hostsFile, p.hosts, { mode: 0o644 });
    writeFileSync(p.resolvConfFile, p.resolvConf, { mode: 0o644 });
    writeFileSync(p.hostnameFile, `${p.hostname}\n`, { mode: 0o644 });
  }
}

async function checkSubnetFree(plan: NetworkPlan): Promise<void> {
  const { stdout } = await run("ip", ["-o", "-4", "addr", "show"]);
  const size = 2 ** (32 - plan.prefixLength);
  const toNum = (ip: string): number => ip.split(".").reduce((a, o) => a * 256 + Number(o), 0);
  const base = toNum(plan.gateway) - 1;
  for (const line of stdout.split("\n")) {
    const m = /^\d+:\s+(\S+)\s+inet\s+([\d.]+)\//.exec(line);
    if (m && toNum(m[2]!) >= base && toNum(m[2]!) < base + size) {
      throw new Error(`network ${plan.name}: interface ${m[1]} already has ${m[2]}, inside ${plan.gateway}/${plan.prefixLength}; choose another subnet`);
    }
  }
}

/** Removes every netns, veth and bridge named after `name` and their files; killing what still runs in them (a killed run's containers). */
export async function teardownNetwork(name: string): Promise<void> {
  checkName(name);
  const { stdout: nsList } = await tryRun("ip", ["netns", "list"]);
  const namespaces = nsList.split("\n").map((l) => l.split(" ")[0]!).filter((n) => n.startsWith(`${name}-`));
  for (const ns of namespaces) {
    const { stdout: pids } = await tryRun("ip", ["netns", "pids", ns]);
    for (const pid of pids.split(/\s+/).filter(Boolean).map(Number)) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    await waitForEmpty(ns);
    await run("ip", ["netns", "delete", ns]);
  }
  const { stdout: links } = await tryRun("ip", ["-o", "link", "show"]);
  const veth = new RegExp(`^${name}v\\d+$`);
  for (const line of links.split("\n")) {
    const dev = /^\d+:\s+([^:@\s]+)/.exec(line)?.[1];
    if (dev && veth.test(dev)) await tryRun("ip", ["link", "delete", dev]);
  }
  if ((await tryRun("ip", ["link", "show", name])).code === 0) await run("ip", ["link", "delete", name]);
  rmSync(join(stateDir(name), "network"), { recursive: true, force: true });
}

async function waitForEmpty(ns: string): Promise<void> {
  for (let i = 0; i < 50; i++) {
    const { stdout } = await tryRun("ip", ["netns", "pids", ns]);
    if (stdout.trim() === "") return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`network namespace ${ns} still has processes after SIGKILL`);
}

