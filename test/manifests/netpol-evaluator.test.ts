/** The NetworkPolicy evaluator itself, on small hand-written policies whose outcome the API defines. */
import { describe, expect, it } from "vitest";
import { reachable, selects, type Endpoint, type Policy } from "../support/netpol.ts";

const ns = (n: string) => ({ "kubernetes.io/metadata.name": n });
const pod = (name: string, labels: Record<string, string>, namespace = "shop"): Endpoint => ({ name, namespace, labels, namedPorts: { http: 8080 } });
const web = pod("web", { app: "web" });
const client = pod("client", { app: "client" });
const policy = (spec: Policy["spec"], namespace = "shop"): Policy => ({ name: "p", namespace, spec });

describe("NetworkPolicy evaluator", () => {
  it("allows everything when no policy selects either pod", () => {
    expect(reachable({ from: client, to: web, port: 1 }, [], ns)).toBe(true);
  });

  it("an ingress policy with no rules isolates the pod", () => {
    expect(reachable({ from: client, to: web, port: 80 }, [policy({ podSelector: { matchLabels: { app: "web" } }, policyTypes: ["Ingress"] })], ns)).toBe(false);
  });

  it("resolves named ports and endPort ranges", () => {
    const p = (ports: any) => [policy({ podSelector: {}, policyTypes: ["Ingress"], ingress: [{ ports }] })];
    expect(reachable({ from: client, to: web, port: 8080 }, p([{ port: "http" }]), ns)).toBe(true);
    expect(reachable({ from: client, to: web, port: 8081 }, p([{ port: "http" }]), ns)).toBe(false);
    expect(reachable({ from: client, to: web, port: 8005 }, p([{ port: 8000, endPort: 8010 }]), ns)).toBe(true);
    expect(reachable({ from: client, to: web, port: 8005, protocol: "UDP" }, p([{ port: 8000, endPort: 8010 }]), ns)).toBe(false);
  });

  it("a podSelector peer without namespaceSelector means the policy's namespace only", () => {
    const p = [policy({ podSelector: {}, policyTypes: ["Ingress"], ingress: [{ from: [{ podSelector: { matchLabels: { app: "client" } } }] }] })];
    expect(reachable({ from: client, to: web, port: 80 }, p, ns)).toBe(true);
    expect(reachable({ from: pod("c2", { app: "client" }, "elsewhere"), to: web, port: 80 }, p, ns)).toBe(false);
  });

  it("ipBlock matches addresses in the CIDR but not in except", () => {
    const p = [policy({ podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [{ ipBlock: { cidr: "10.0.0.0/8", except: ["10.1.0.0/16"] } }] }] })];
    expect(reachable({ from: client, to: { name: "a", ip: "10.2.3.4" }, port: 443 }, p, ns)).toBe(true);
    expect(reachable({ from: client, to: { name: "b", ip: "10.1.3.4" }, port: 443 }, p, ns)).toBe(false);
    expect(reachable({ from: client, to: { name: "c", ip: "192.0.2.1" }, port: 443 }, p, ns)).toBe(false);
  });

  it("label selector expressions", () => {
    expect(selects({ matchExpressions: [{ key: "app", operator: "In", values: ["a", "b"] }] }, { app: "b" })).toBe(true);
    expect(selects({ matchExpressions: [{ key: "app", operator: "NotIn", values: ["a"] }] }, {})).toBe(true);
    expect(selects({ matchExpressions: [{ key: "app", operator: "DoesNotExist" }] }, { app: "x" })).toBe(false);
    expect(() => selects({ matchExpressions: [{ key: "app", operator: "Gt" }] }, {})).toThrow(/not modelled/);
  });
});
