/**
 * A pure evaluation of Kubernetes NetworkPolicies (networking.k8s.io/v1 semantics): may this endpoint
 * open a connection to that one on this port? There is no CNI in the tests, so this is what decides
 * whether the built policies say what docs/network-policies.md says. It models podSelector,
 * namespaceSelector, ipBlock (cidr and except, IPv4), ports with protocol, endPort and named ports,
 * and the default-allow of pods no policy selects. Anything else in a policy throws: it is refused,
 * never guessed.
 */
import type { BuiltObject } from "../../scripts/lib/built-object.ts";

export interface Endpoint {
  name: string;
  /** Pods have a namespace and labels; an address outside the cluster has only `ip`. */
  namespace?: string;
  labels?: Record<string, string>;
  ip?: string;
  /** Named container ports, for policies that name a port. */
  namedPorts?: Record<string, number>;
}

export interface Connection {
  from: Endpoint;
  to: Endpoint;
  port: number;
  protocol?: "TCP" | "UDP";
}

interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
}

interface Peer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: { cidr: string; except?: string[] };
}

interface PolicyPort {
  protocol?: string;
  port?: number | string;
  endPort?: number;
}

interface Rule {
  from?: Peer[];
  to?: Peer[];
  ports?: PolicyPort[];
}

interface PolicySpec {
  podSelector: LabelSelector;
  policyTypes?: string[];
  ingress?: Rule[];
  egress?: Rule[];
}

export interface Policy {
  name: string;
  namespace: string;
  spec: PolicySpec;
}

const KNOWN_SPEC = new Set(["podSelector", "policyTypes", "ingress", "egress"]);
const KNOWN_RULE = new Set(["from", "to", "ports"]);
const KNOWN_PEER = new Set(["podSelector", "namespaceSelector", "ipBlock"]);

/** The NetworkPolicies of a build, checked for fields this evaluator does not model. */
export function policiesOf(objects: BuiltObject[]): Policy[] {
  return objects
    .filter((o) => o.kind === "NetworkPolicy")
    .map((o) => {
      const spec = o.spec as PolicySpec;
      const where = `NetworkPolicy ${o.metadata.name}`;
      refuseUnknown(where, spec as unknown as Record<string, unknown>, KNOWN_SPEC);
      if (!spec.podSelector) throw new Error(`${where}: no spec.podSelector`);
      for (const rule of [...(spec.ingress ?? []), ...(spec.egress ?? [])]) {
        refuseUnknown(where, rule as Record<string, unknown>, KNOWN_RULE);
        for (const peer of [...(rule.from ?? []), ...(rule.to ?? [])]) refuseUnknown(where, peer as Record<string, unknown>, KNOWN_PEER);
      }
      return { name: o.metadata.name, namespace: o.metadata.namespace ?? "", spec };
    });
}

function refuseUnknown(where: string, o: Record<string, unknown>, known: Set<string>): void {
  const extra = Object.keys(o).filter((k) => !known.has(k));
  if (extra.length) throw new Error(`${where}: the reachability evaluator does not model ${extra.join(", ")}`);
}

export function selects(selector: LabelSelector | undefined, labels: Record<string, string>): boolean {
  if (!selector) return false;
  const byLabel = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  return byLabel && (selector.matchExpressions ?? []).every((e) => expression(e, labels));
}

function expression(e: { key: string; operator: string; values?: string[] }, labels: Record<string, string>): boolean {
  const has = Object.hasOwn(labels, e.key);
  switch (e.operator) {
    case "In":
      return has && (e.values ?? []).includes(labels[e.key]!);
    case "NotIn":
      return !has || !(e.values ?? []).includes(labels[e.key]!);
    case "Exists":
      return has;
    case "DoesNotExist":
      return !has;
    default:
      throw new Error(`label selector operator ${e.operator} is not modelled`);
  }
}

function ipv4(ip: string): number {
  const parts = ip.split(".").map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new Error(`not an IPv4 address: ${ip}`);
  return parts.reduce((acc, p) => acc * 256 + p, 0);
}

function inCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split("/");
  if (base === undefined || bits === undefined) throw new Error(`not a CIDR: ${cidr}`);
  if (base.includes(":")) return false;
  const size = 2 ** (32 - Number(bits));
  return Math.floor(ipv4(ip) / size) === Math.floor(ipv4(base) / size);
}

/** Namespaces carry their own name as a label, as the API server sets it. */
export type NamespaceLabels = (namespace: string) => Record<string, string>;

function peerMatches(peer: Peer, policyNamespace: string, other: Endpoint, nsLabels: NamespaceLabels): boolean {
  if (peer.ipBlock) {
    if (other.ip === undefined) return false;
    return inCidr(other.ip, peer.ipBlock.cidr) && !(peer.ipBlock.except ?? []).some((c) => inCidr(other.ip!, c));
  }
  if (other.namespace === undefined) return false;
  const nsOk = peer.namespaceSelector ? selects(peer.namespaceSelector, nsLabels(other.namespace)) : other.namespace === policyNamespace;
  const podOk = peer.podSelector ? selects(peer.podSelector, other.labels ?? {}) : true;
  return nsOk && podOk;
}

function portMatches(ports: PolicyPort[] | undefined, target: Endpoint, port: number, protocol: string): boolean {
  if (!ports || ports.length === 0) return true;
  return ports.some((p) => {
    if ((p.protocol ?? "TCP") !== protocol) return false;
    if (p.port === undefined) return true;
    const number = typeof p.port === "string" ? target.namedPorts?.[p.port] : p.port;
    if (number === undefined) return false;
    return p.endPort === undefined ? number === port : port >= number && port <= p.endPort;
  });
}

function typesOf(spec: PolicySpec): string[] {
  return spec.policyTypes ?? (spec.egress ? ["Ingress", "Egress"] : ["Ingress"]);
}

/** Whether `side` of `pod` is isolated, and if so whether some rule lets this connection through. */
function allowedAt(
  side: "Ingress" | "Egress",
  pod: Endpoint,
  peer: Endpoint,
  port: number,
  protocol: string,
  policies: Policy[],
  nsLabels: NamespaceLabels,
): boolean {
  if (pod.namespace === undefined) return true;
  const applying = policies.filter(
    (p) => p.namespace === pod.namespace && typesOf(p.spec).includes(side) && selects(p.spec.podSelector, pod.labels ?? {}),
  );
  if (applying.length === 0) return true;
  return applying.some((p) =>
    ((side === "Ingress" ? p.spec.ingress : p.spec.egress) ?? []).some((rule) => {
      const peers = side === "Ingress" ? rule.from : rule.to;
      const peerOk = !peers || peers.length === 0 || peers.some((x) => peerMatches(x, p.namespace, peer, nsLabels));
      // Ports of an ingress rule are the destination pod's; of an egress rule, the destination's too.
      return peerOk && portMatches(rule.ports, side === "Ingress" ? pod : peer, port, protocol);
    }),
  );
}

/** A connection gets through when the source's egress and the destination's ingress both allow it. */
export function reachable(c: Connection, policies: Policy[], nsLabels: NamespaceLabels): boolean {
  const protocol = c.protocol ?? "TCP";
  return (
    allowedAt("Egress", c.from, c.to, c.port, protocol, policies, nsLabels) &&
    allowedAt("Ingress", c.to, c.from, c.port, protocol, policies, nsLabels)
  );
}
