/**
 * The network plan (no host changes): addresses, the names each pod's /etc/hosts gives, and the
 * Services the rehearsal refuses because it translates no ports.
 */
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { planNetwork, podNetwork, serviceAddresses } from "./pod-network.ts";
import { podsOf } from "./pod-plan.ts";

const objects = parseAllDocuments(`
apiVersion: apps/v1
kind: StatefulSet
metadata: { name: db, namespace: shop }
spec:
  serviceName: db
  template:
    metadata: { labels: { app: db } }
    spec: { containers: [{ name: db, image: x, ports: [{ name: pg, containerPort: 5432 }] }] }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: api, namespace: shop }
spec:
  template:
    metadata: { labels: { app: api } }
    spec:
      hostAliases: [{ ip: 10.9.9.9, hostnames: [legacy, legacy.example.invalid] }]
      containers: [{ name: api, image: x, ports: [{ name: http, containerPort: 8080 }] }]
---
apiVersion: v1
kind: Service
metadata: { name: db, namespace: shop }
spec: { clusterIP: None, selector: { app: db }, ports: [{ port: 5432, targetPort: pg }] }
---
apiVersion: v1
kind: Service
metadata: { name: api, namespace: shop }
spec: { selector: { app: api }, ports: [{ port: 8080 }] }
---
apiVersion: v1
kind: Service
metadata: { name: mail, namespace: shop }
spec: { type: ExternalName, externalName: smtp.example.invalid }
---
apiVersion: v1
kind: Service
metadata: { name: metrics, namespace: monitoring }
spec: { selector: { app: nothing }, ports: [{ port: 9090 }] }
`).map((d) => d.toJS());

describe("network plan", () => {
  const pods = podsOf(objects);
  const plan = planNetwork(pods, objects, { name: "rhunit", subnet: "10.213.5.0/24", extraHosts: { "smtp.example.invalid": "10.213.5.200" } });
  const api = podNetwork(plan, pods[1]!.name);

  it("gives the bridge the first address and each pod the next ones, in its own namespace", () => {
    expect([plan.bridge, plan.gateway, plan.prefixLength]).toEqual(["rhunit", "10.213.5.1", 24]);
    expect(plan.pods.map((p) => [p.pod, p.ip, p.netns, p.hostVeth])).toEqual([
      ["db-0", "10.213.5.2", "rhunit-db-0", "rhunitv0"],
      [pods[1]!.name, "10.213.5.3", `rhunit-${pods[1]!.name}`, "rhunitv1"],
    ]);
  });

  it("resolves each Service to the pods it selects, an ExternalName to what the caller mapped", () => {
    expect(plan.services).toEqual({
      shop: { db: ["10.213.5.2"], api: ["10.213.5.3"], mail: ["10.213.5.200"] },
      monitoring: { metrics: [] },
    });
    expect(serviceAddresses(plan, "shop")).toEqual({ db: "10.213.5.2", api: "10.213.5.3", mail: "10.213.5.200" });
    expect(plan.findings).toEqual([{ severity: "info", object: "Service monitoring/metrics", message: "Service monitoring/metrics selects no pod of this rehearsal: its name does not resolve" }]);
  });

  it("writes the kubelet's hosts file plus every name cluster DNS would answer", () => {
    expect(api.hosts).toBe(
      [
        "# Kubernetes-managed hosts file.",
        "127.0.0.1\tlocalhost",
        "::1\tlocalhost ip6-localhost ip6-loopback",
        "fe00::0\tip6-localnet",
        "fe00::0\tip6-mcastprefix",
        "fe00::1\tip6-allnodes",
        "fe00::2\tip6-allrouters",
        `10.213.5.3\t${pods[1]!.name}`,
        "",
        "# Entries added by HostAliases.",
        "10.9.9.9\tlegacy\tlegacy.example.invalid",
        "",
        "# Services as cluster DNS would answer them (the rehearsal has no DNS server).",
        "10.213.5.2\tdb\tdb.shop\tdb.shop.svc\tdb.shop.svc.cluster.local",
        "10.213.5.3\tapi\tapi.shop\tapi.shop.svc\tapi.shop.svc.cluster.local",
        "10.213.5.200\tmail\tmail.shop\tmail.shop.svc\tmail.shop.svc.cluster.local",
        "10.213.5.2\tdb-0.db.shop.svc.cluster.local",
        "",
        "# Hosts mapped by the rehearsal.",
        "10.213.5.200\tsmtp.example.invalid",
        "",
      ].join("\n"),
    );
    expect(podNetwork(plan, "db-0").hosts).toContain("10.213.5.2\tdb-0.db.shop.svc.cluster.local\tdb-0\n");
    expect(api.resolvConf).toBe("search shop.svc.cluster.local svc.cluster.local cluster.local\n# No nameserver: names resolve from /etc/hosts only (nsswitch.conf says files), anything else fails at once.\noptions ndots:5\n");
  });

  it("refuses a Service whose port differs from its target port (it would need DNAT)", () => {
    const moved = objects.map((o: any) => (o.kind === "Service" && o.metadata.name === "api" ? { ...o, spec: { ...o.spec, ports: [{ port: 80, targetPort: "http" }] } } : o));
    const p = planNetwork(pods, moved, { name: "rhunit", subnet: "10.213.5.0/24" });
    expect(p.findings.filter((f) => f.severity !== "info").map((f) => f.message)).toEqual([
      `Service shop/api port 80 forwards to port 8080 of pod ${pods[1]!.name}: the rehearsal resolves Service names to pod addresses and does not translate ports (no DNAT), so it refuses this Service`,
    ]);
  });

  it("rejects names and subnets it cannot use", () => {
    expect(() => planNetwork(pods, objects, { name: "much-too-long-name" })).toThrow(/1-10 lowercase letters or digits/);
    expect(() => planNetwork(pods, objects, { subnet: "8.8.8.0/24" })).toThrow(/not in a private range/);
    expect(() => planNetwork(pods, objects, { subnet: "10.0.0.0/30" })).toThrow(/between \/8 and \/29|room for 1 pods/);
  });
});
