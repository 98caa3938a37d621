import { describe, expect, test } from "vitest";
import { shopModel } from "../../src/core/shop-model.ts";
import { deriveCors } from "../../src/core/cors.ts";
import { error } from "../../src/core/results.ts";
import { TWO_HOSTS, ingress, policy, service, shop, view } from "../support/hand-built-overlay.ts";

const INGRESS_REF = { apiVersion: "networking.k8s.io/v1", kind: "Ingress", name: "ecom-ingress" };
function derive(objects = shop(), p = policy(), opts = {}) {
  const model = shopModel(view(objects, opts));
  const out = deriveCors(model, p);
  return { ...out, results: [...model.results, ...out.results] };
}

function values(objects = shop(), p = policy(), opts = {}) {
  const out = derive(objects, p, opts);
  expect(out.results).toEqual([]);
  return out.values!;
}

describe("deriveCors", () => {
  test("TLS hosts give https origins; ADMIN and AUTH list the admin host, then the shop", () => {
    expect(values()).toEqual({
      medusa: {
        STORE_CORS: "https://shop.example.com",
        ADMIN_CORS: "https://admin.example.com,https://shop.example.com",
        AUTH_CORS: "https://admin.example.com,https://shop.example.com",
        BACKEND_URL: "https://admin.example.com",
        STOREFRONT_URL: "https://shop.example.com",
      },
      storefront: { NEXT_PUBLIC_BASE_URL: "https://shop.example.com", MEDUSA_BACKEND_URL: "http://medusa:9000" },
    });
  });

  test("a certificate listed by another Ingress, even another app's, serves the host; only the shop's Ingresses' TLS mistakes are findings", () => {
    const objects = shop({ tls: [] });
    const other = ingress([{ host: "s3.example.com", paths: [["/", "minio"]] }], ["*.example.com"], "objects");
    other.spec.tls.push({ hosts: ["bad.*.example.com"] });
    const v = values([...objects, other]);
    expect(v.medusa.ADMIN_CORS).toBe("https://admin.example.com,https://shop.example.com");
  });

  test("a host without TLS is http, one with TLS https, in the same Ingress", () => {
    const v = values(shop({ tls: ["admin.example.com"] }));
    expect(v.medusa.ADMIN_CORS).toBe("https://admin.example.com,http://shop.example.com");
    expect(v.storefront.NEXT_PUBLIC_BASE_URL).toBe("http://shop.example.com");
  });

  test("no TLS at all is http everywhere", () => {
    const v = values(shop({ tls: [] }));
    expect(Object.values(v.medusa).join(",")).not.toContain("https");
    expect(v.medusa.BACKEND_URL).toBe("http://admin.example.com");
  });

  test("origins are sorted and appear once; of two shop hosts, the base URL is the one the image was built with", () => {
    const rules = [
      { host: "shop.example.com", paths: [["/", "storefront"]] as [string, string][] },
      { host: "www.example.com", paths: [["/", "storefront"]] as [string, string][] },
      { host: "shop.example.com", paths: [["/", "storefront"]] as [string, string][] },
      { host: "admin.example.com", paths: [["/", "medusa"]] as [string, string][] },
    ];
    const v = values(shop({ rules, tls: [] }), policy({ bakedUrls: { storefront: { NEXT_PUBLIC_BASE_URL: "http://www.example.com" } } }));
    expect(v.medusa.STORE_CORS).toBe("http://shop.example.com,http://www.example.com");
    expect(v.storefront.NEXT_PUBLIC_BASE_URL).toBe("http://www.example.com");
    expect(v.medusa.ADMIN_CORS).toBe("http://admin.example.com,http://shop.example.com,http://www.example.com");
    expect(v.medusa.STOREFRONT_URL).toBe("http://www.example.com");
    const out = derive(shop({ rules, tls: [] }));
    expect(out.values).toBeUndefined();
    expect(out.results.map((r) => `${r.tags.code}: ${r.message}`)).toEqual([
      "public-url-ambiguous: shop.example.com, www.example.com all serve the storefront (/ reaches the storefront); declare which one the image was built with in policy test, spec.bakedUrls.storefront.NEXT_PUBLIC_BASE_URL",
    ]);
  });

  test("a host routed to both services by path is every origin, once", () => {
    const rules = [{ host: "shop.example.com", paths: [["/app", "medusa"], ["/admin", "medusa"], ["/auth", "medusa"], ["/", "storefront"]] as [string, string][] }];
    const v = values(shop({ rules, tls: ["shop.example.com"] }));
    expect(v.medusa).toEqual({
      STORE_CORS: "https://shop.example.com",
      ADMIN_CORS: "https://shop.example.com",
      AUTH_CORS: "https://shop.example.com",
      BACKEND_URL: "https://shop.example.com",
      STOREFRONT_URL: "https://shop.example.com",
    });
  });

  test("extra origins follow the derived ones, without duplicates", () => {
    const p = policy({
      cors: {
        extraStoreOrigins: ["http://localhost:8000", "https://shop.example.com"],
        extraAdminOrigins: ["http://localhost:9000"],
        extraAuthOrigins: ["https://login.example.net"],
      },
    });
    const v = values(shop(), p);
    expect(v.medusa.STORE_CORS).toBe("https://shop.example.com,http://localhost:8000");
    expect(v.medusa.ADMIN_CORS).toBe("https://admin.example.com,https://shop.example.com,http://localhost:9000");
    expect(v.medusa.AUTH_CORS).toBe("https://admin.example.com,https://shop.example.com,https://login.example.net");
    // The URLs are where the apps are, not who may call them.
    expect(v.medusa.BACKEND_URL).toBe("https://admin.example.com");
  });

  test("Flux ${VAR} hosts pass verbatim", () => {
    const rules = [
      { host: "shop.${SECRET_DOMAIN}", paths: [["/", "storefront"]] as [string, string][] },
      { host: "admin.${SECRET_DOMAIN}", paths: [["/", "medusa"]] as [string, string][] },
    ];
    const v = values(shop({ rules, tls: ["shop.${SECRET_DOMAIN}", "admin.${SECRET_DOMAIN}"] }));
    expect(v.medusa.ADMIN_CORS).toBe("https://admin.${SECRET_DOMAIN},https://shop.${SECRET_DOMAIN}");
    expect(v.storefront.NEXT_PUBLIC_BASE_URL).toBe("https://shop.${SECRET_DOMAIN}");
  });

  test("the medusa Service is a Service: objects before it without spec or selector, or selecting by a map, are not it", () => {
    const rc = { apiVersion: "v1", kind: "ReplicationController", metadata: { name: "old-medusa" }, spec: { selector: { app: "medusa" } } };
    const objects = [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" } }, { apiVersion: "batch/v1", kind: "Job", metadata: { name: "j" }, spec: {} }, rc, ...shop()];
    expect(values(objects).storefront.MEDUSA_BACKEND_URL).toBe("http://medusa:9000");
  });

  test("the namePrefix and nameSuffix still to come reach MEDUSA_BACKEND_URL", () => {
    expect(values(shop(), policy(), { namePrefix: "shop-", nameSuffix: "-v2" }).storefront.MEDUSA_BACKEND_URL).toBe("http://shop-medusa-v2:9000");
  });

  test("MEDUSA_BACKEND_URL uses the medusa Service's name and the port that targets 9000", () => {
    const objects = shop().map((o) => (o.kind === "Service" && o.metadata?.name === "medusa" ? { ...service("api", "medusa", 80, 9000), spec: { selector: { app: "medusa" }, ports: [{ name: "metrics", port: 9090, targetPort: 9090 }, { name: "http", port: 80, targetPort: 9000 }] } } : o));
    // The Ingress routes to Services by name, so it must follow the rename too.
    const rules = [TWO_HOSTS[0]!, { host: "admin.example.com", paths: [["/", "api"]] as [string, string][] }];
    const withIngress = objects.map((o) => (o.kind === "Ingress" ? ingress(rules, []) : o));
    expect(values(withIngress).storefront.MEDUSA_BACKEND_URL).toBe("http://api:80");
  });

  test.each([
    ["*.example.com", /wildcard host "\*\.example\.com"/],
    ["", /has no host/],
    [undefined, /has no host/],
    ["Shop.Example.com", /not a lowercase DNS name/],
    ["shop_example.com", /not a lowercase DNS name/],
  ])("the host %j is an error at its rule", (host, message) => {
    const rules = [TWO_HOSTS[0]!, { ...(host === undefined ? {} : { host }), paths: [["/", "medusa"]] as [string, string][] }];
    const out = derive(shop({ rules }));
    expect(out.values).toBeUndefined();
    expect(out.results).toHaveLength(1);
    expect(out.results[0]).toMatchObject({
      severity: "error",
      message: expect.stringMatching(message),
      field: { path: "spec.rules[1].host" },
      resourceRef: { apiVersion: "networking.k8s.io/v1", kind: "Ingress", name: "ecom-ingress" },
    });
  });

  test.each([
    ["medusa", [{ host: "shop.example.com", paths: [["/", "storefront"]] as [string, string][] }]],
    ["storefront", [{ host: "admin.example.com", paths: [["/", "medusa"]] as [string, string][] }]],
  ])("an Ingress routing nothing to %s is an error on spec.rules", (role, rules) => {
    const out = derive(shop({ rules }));
    expect(out.values).toBeUndefined();
    expect(out.results).toEqual([expect.objectContaining({
      severity: "error", message: expect.stringContaining(`no Ingress routes a path to the ${role} pods`), field: { path: "spec.rules" },
    })]);
  });

  test("a host whose /admin reaches the storefront serves no admin: refused, never taken for the backend", () => {
    const rules = [{ host: "shop.example.com", paths: [["/app", "medusa"], ["/store", "medusa"], ["/", "storefront"]] as [string, string][] }];
    const out = derive(shop({ rules, tls: ["shop.example.com"] }));
    expect(out.values).toBeUndefined();
    expect(out.results.map((r) => r.message)).toEqual([
      "no host serves the admin (/app, /admin and /auth reach medusa), so there is no public URL for it; route those paths of one host to the medusa Service",
    ]);
  });

  test("/store on the shop host routed to medusa does not move BACKEND_URL off the admin host", () => {
    const rules = [
      { host: "shop.example.com", paths: [["/store", "medusa"], ["/", "storefront"]] as [string, string][] },
      { host: "admin.example.com", paths: [["/", "medusa"]] as [string, string][] },
    ];
    const v = values(shop({ rules }));
    expect(v.medusa.BACKEND_URL).toBe("https://admin.example.com");
    expect(v.medusa.ADMIN_CORS).toBe("https://admin.example.com,https://shop.example.com");
  });

  test("the longest path wins, and an Exact path beats a Prefix of the same length", () => {
    const rules = [
      { host: "shop.example.com", paths: [["/", "storefront"]] as [string, string][] },
      { host: "admin.example.com", paths: [["/", "medusa"], ["/app", "storefront"]] as [string, string][] },
    ];
    expect(derive(shop({ rules })).results.map((r) => r.tags.code)).toEqual(["public-url-unserved"]);
    const objects = shop({ rules: [...TWO_HOSTS, { host: "admin.example.com", paths: [["/app", "medusa"]] }] });
    objects.find((o) => o.kind === "Ingress")!.spec.rules[2].http.paths.push({ path: "/app", pathType: "Exact", backend: { service: { name: "storefront", port: { number: 8000 } } } });
    expect(derive(objects).results.map((r) => r.tags.code)).toEqual(["public-url-unserved"]);
  });

  test("one path routed to both apps, in one or two Ingresses, is refused: which answers is the controller's choice", () => {
    const objects = shop();
    const other = ingress([{ host: "admin.example.com", paths: [["/", "storefront"]] }], [], "other");
    expect(derive([...objects, other]).results).toEqual([expect.objectContaining({
      tags: { code: "ingress-path-conflict" }, field: { path: "spec.rules[0].http.paths[0]" },
      message: "routes Prefix / on admin.example.com to the storefront app, but Ingress ecom-ingress routes the same path to the medusa app; which one answers is up to the controller, so give the path to one of them",
    })]);
    const trailing = ingress([{ host: "admin.example.com", paths: [["/app/", "storefront"], ["/app", "medusa"]] }], [], "other");
    expect(derive([...objects, trailing]).results.map((r) => r.tags.code)).toEqual(["ingress-path-conflict"]);
  });

  test("a second Service in front of the same pods counts, whatever its name, and the result ignores object order", () => {
    const api = { ...service("api", "medusa", 80, 9000) };
    const rules = [TWO_HOSTS[0]!, { host: "admin.example.com", paths: [["/", "api"]] as [string, string][] }, { host: "backoffice.example.com", paths: [["/", "medusa"]] as [string, string][] }];
    const objects = [...shop({ rules }), api];
    const p = policy({ bakedUrls: { medusa: { BACKEND_URL: "https://admin.example.com" } } });
    const forward = values(objects, p);
    expect(forward.medusa.ADMIN_CORS).toBe("http://backoffice.example.com,https://admin.example.com,https://shop.example.com");
    expect(forward.medusa.BACKEND_URL).toBe("https://admin.example.com");
    expect(forward.storefront.MEDUSA_BACKEND_URL).toBe("http://api:80");
    expect(values([...objects].reverse(), p)).toEqual(forward);
  });

  test("a Service selecting both apps' pods is refused, naming it", () => {
    const both = { apiVersion: "v1", kind: "Service", metadata: { name: "everything" }, spec: { selector: { "app.kubernetes.io/part-of": "shop" }, ports: [{ port: 80 }] } };
    const objects = shop().map((o) => (o.kind === "Deployment" ? { ...o, spec: { ...o.spec, template: { ...o.spec.template, metadata: { labels: { ...o.spec.template.metadata.labels, "app.kubernetes.io/part-of": "shop" } } } } } : o));
    expect(derive([...objects, both]).results).toEqual([expect.objectContaining({ tags: { code: "service-two-apps" }, resourceRef: expect.objectContaining({ name: "everything" }) })]);
  });

  test("a named targetPort reaches medusa through the container port of that name, beside a metrics port", () => {
    const objects = shop();
    const svc = objects.find((o) => o.kind === "Service" && o.metadata!.name === "medusa")!;
    svc.spec.ports = [{ name: "metrics", port: 9464, targetPort: "metrics" }, { name: "http", port: 80, targetPort: "http" }];
    const medusa = objects.find((o) => o.kind === "Deployment" && o.metadata!.name === "medusa")!;
    medusa.spec.template.spec.containers[0].ports = [{ name: "metrics", containerPort: 9464 }, { name: "http", containerPort: 9000 }];
    expect(values(objects).storefront.MEDUSA_BACKEND_URL).toBe("http://medusa:80");
    medusa.spec.template.spec.containers[0].env = [{ name: "PORT", value: "9464" }];
    expect(values(objects).storefront.MEDUSA_BACKEND_URL).toBe("http://medusa:9464");
  });

  test("a baked URL decides between several hosts only when it is one of them; else the baked-url check speaks and nothing is derived", () => {
    const rules = [TWO_HOSTS[0]!, { host: "admin.example.com", paths: [["/", "medusa"]] as [string, string][] }, { host: "ops.example.com", paths: [["/", "medusa"]] as [string, string][] }];
    const chosen = values(shop({ rules, tls: [] }), policy({ bakedUrls: { medusa: { BACKEND_URL: "http://ops.example.com" } } }));
    expect(chosen.medusa.BACKEND_URL).toBe("http://ops.example.com");
    const out = derive(shop({ rules, tls: [] }), policy({ bakedUrls: { medusa: { BACKEND_URL: "http://gone.example.com" } } }));
    expect([out.values, out.results, out.origins?.medusa]).toEqual([undefined, [], ["http://admin.example.com", "http://ops.example.com"]]);
  });

  test("a PORT the container receives but the output cannot show leaves no port to name", () => {
    const objects = shop();
    const medusa = objects.find((o) => o.kind === "Deployment" && o.metadata!.name === "medusa")!;
    medusa.spec.template.spec.containers[0].env = [{ name: "PORT", valueFrom: { secretKeyRef: { name: "s", key: "port" } } }];
    expect(derive(objects).results.map((r) => r.message)).toEqual([
      "no Service in front of the medusa pods has a port whose target is the port medusa listens on (its PORT, which the output does not show), so MEDUSA_BACKEND_URL has no port to name",
    ]);
    for (const value of ["nine", "a9000", "9000a"]) {
      medusa.spec.template.spec.containers[0].env = [{ name: "PORT", value }];
      expect(derive(objects).results.map((r) => r.message), value).toEqual([expect.stringContaining("(its PORT, which the output does not show)")]);
    }
  });

  test("findings about a missing route name the first Ingress by name, whatever the order", () => {
    const a = ingress([{ host: "files.example.com", paths: [["/", "object-store"]] }], [], "a-files");
    const z = ingress([TWO_HOSTS[0]!], [], "z-shop");
    const objects = [...shop().filter((o) => o.kind !== "Ingress"), z, a];
    const names = (os: typeof objects) => derive(os).results.map((r) => `${r.resourceRef?.name}: ${r.message.slice(0, 40)}`);
    expect(names(objects)).toEqual(["a-files: no Ingress routes a path to the medusa p"]);
    expect(names([...objects].reverse())).toEqual(names(objects));
  });

  test("Flux hosts with a default are DNS names; TLS before the Ingress makes every origin https", () => {
    const rules = [{ host: "shop.${DOMAIN:=example.com}", paths: [["/", "storefront"]] as [string, string][] }, { host: "admin.${DOMAIN:-example.com}", paths: [["/", "medusa"]] as [string, string][] }];
    const v = values(shop({ rules, tls: [] }), policy({ tlsBeforeIngress: true }));
    expect(v.medusa.BACKEND_URL).toBe("https://admin.${DOMAIN:-example.com}");
  });

  test("a path to a Service that no app selects counts for nothing", () => {
    const rules = [...TWO_HOSTS, { host: "grafana.example.com", paths: [["/", "grafana"]] as [string, string][] }];
    expect(values(shop({ rules })).medusa.ADMIN_CORS).toBe("https://admin.example.com,https://shop.example.com");
  });

  test("without an Ingress, or without a Service for an app, nothing is derived", () => {
    const noIngress = derive(shop().filter((o) => o.kind !== "Ingress"));
    expect(noIngress.values).toBeUndefined();
    expect(noIngress.results.map((r) => r.message)).toEqual([expect.stringContaining("no Ingress")]);
    const noService = derive(shop().filter((o) => !(o.kind === "Service" && o.metadata?.name === "storefront")));
    expect(noService.values).toBeUndefined();
    expect(noService.results.map((r) => r.message)).toEqual([expect.stringContaining("no Service selects the pods labelled app=storefront")]);
  });

  test("a finding names the file that set spec.rules when the view knows it", () => {
    const objects = shop({ rules: [TWO_HOSTS[0]!, { host: "*.example.com", paths: [["/", "medusa"]] }] });
    const ing = objects.find((o) => o.kind === "Ingress")!;
    const v = view(objects);
    v.fileOf = (node, field) => (node === ing ? "base/ingress.yaml" : node === ing.spec && field === "rules" ? "overlays/prod/ingress.yaml" : undefined);
    expect(deriveCors(shopModel(v), policy()).results.map((r) => r.file?.path)).toEqual(["overlays/prod/ingress.yaml"]);
  });

  test("a wildcard TLS host covers exactly one leftmost label, as Ingress controllers match it", () => {
    const rules = [
      { host: "shop.example.com", paths: [["/", "storefront"]] as [string, string][] },
      { host: "example.com", paths: [["/", "storefront"]] as [string, string][] },
      { host: "a.admin.example.com", paths: [["/", "medusa"]] as [string, string][] },
    ];
    const v = values(shop({ rules, tls: ["*.example.com"] }), policy({ bakedUrls: { storefront: { NEXT_PUBLIC_BASE_URL: "https://shop.example.com" } } }));
    expect(v.medusa.STORE_CORS).toBe("http://example.com,https://shop.example.com");
    expect(v.medusa.BACKEND_URL).toBe("http://a.admin.example.com");
    expect(values(shop({ tls: ["*.EXAMPLE.com"] })).medusa.BACKEND_URL).toBe("https://admin.example.com");
    expect(values(shop({ tls: ["*.example.org"] })).medusa.BACKEND_URL).toBe("http://admin.example.com");
  });

  test("a wildcard TLS host over a Flux variable that may hold dots is refused, not guessed", () => {
    const rules = [
      { host: "${SHOP}.example.com", paths: [["/", "storefront"]] as [string, string][] },
      { host: "admin.example.com", paths: [["/", "medusa"]] as [string, string][] },
    ];
    const out = derive(shop({ rules, tls: ["*.example.com", "admin.example.com"] }));
    expect(out.values).toBeUndefined();
    expect(out.results.map((r) => r.field?.path)).toEqual(["spec.rules[0].host"]);
    expect(values(shop({ rules: [{ host: "shop.${D}", paths: [["/", "storefront"]] }, { host: "admin.${D}", paths: [["/", "medusa"]] }], tls: ["*.${D}"] }))
      .medusa.ADMIN_CORS).toBe("https://admin.${D},https://shop.${D}");
  });

  test("a TLS host with a wildcard anywhere but one leading label is an error naming it", () => {
    const out = derive(shop({ tls: ["shop.*.com", "admin.example.com"] }));
    expect(out.results).toEqual([expect.objectContaining({ field: { path: "spec.tls[0].hosts[0]" }, message: expect.stringContaining("shop.*.com") })]);
  });

  test("fields of the wrong shape are errors naming the field, never a JavaScript message", () => {
    const cases: [(ing: any) => void, string][] = [
      [(ing) => { ing.spec.rules = "shop.example.com"; }, "spec.rules"],
      [(ing) => { ing.spec.tls = { hosts: ["shop.example.com"] }; }, "spec.tls"],
      [(ing) => { ing.spec.tls[0].hosts = "shop.example.com"; }, "spec.tls[0].hosts"],
      [(ing) => { ing.spec.tls[0].hosts[0] = 7; }, "spec.tls[0].hosts[0]"],
      [(ing) => { ing.spec.rules[0].http.paths = { path: "/" }; }, "spec.rules[0].http.paths"],
      [(ing) => { ing.spec.rules[0].http.paths[0].backend.service.name = ["storefront"]; }, "spec.rules[0].http.paths[0].backend.service.name"],
    ];
    for (const [mutate, field] of cases) {
      const objects = shop();
      mutate(objects.find((o) => o.kind === "Ingress"));
      const out = derive(objects);
      expect(out.values, field).toBeUndefined();
      expect(out.results.map((r) => r.field?.path), field).toContain(field);
      for (const r of out.results) expect(r.message).not.toMatch(/is not a function|\[object Object\]|undefined/);
    }
  });

  test("a medusa Service with several ports and none targeting 9000 is an error, not a guessed port", () => {
    const objects = shop();
    const svc = objects.find((o) => o.kind === "Service" && o.metadata!.name === "medusa")!;
    svc.spec.ports = [{ name: "a", port: 80, targetPort: 8080 }, { name: "b", port: 81, targetPort: 8081 }];
    expect(derive(objects).results.map((r) => r.field?.path)).toEqual(["spec.ports"]);
  });
});

describe("deriveCors: what it refuses, in the words a user reads", () => {
  const withRules = (rules: unknown[]) => {
    const objects = shop();
    objects.find((o) => o.kind === "Ingress")!.spec.rules = rules;
    return objects;
  };
  const rule = (host: unknown, svc = "medusa") => ({ ...(host === undefined ? {} : { host }), http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: svc, port: { number: 9000 } } } }] } });
  const shopRule = rule("shop.example.com", "storefront");
  const label = (n: number, last = "example.com") => `${"a".repeat(n - last.length - 1)}.${last}`;

  test.each([
    ["a one-letter label", "a.example.com"],
    ["a dash inside a label", "my-shop.example.com"],
    ["digits", "shop1.example2.com"],
    ["two Flux variables", "${APP}.${SECRET_DOMAIN}"],
    ["253 characters", label(253)],
  ])("a host with %s is accepted", (_, host) => {
    expect(values(withRules([shopRule, rule(host)])).medusa.BACKEND_URL).toBe(`http://${host}`);
  });

  test.each([
    ["254 characters", label(254)],
    ["a label ending in a dash", "shop-.example.com"],
    ["a label starting with a dash", "-shop.example.com"],
    ["an empty label", "shop..example.com"],
    ["a trailing dot", "admin.example.com."],
    ["a port", "admin.example.com:443"],
    ["a half-written Flux variable", "admin.${SECRET-DOMAIN}"],
  ])("a host with %s is not a DNS name", (_, host) => {
    const out = derive(withRules([shopRule, rule(host)]));
    expect(out.results).toEqual([error("ingress-host", `rule 1 has the host "${host}", which is not a lowercase DNS name`, { ref: INGRESS_REF, field: "spec.rules[1].host" })]);
  });

  test.each([
    [undefined, "rule 1 has no host: every rule needs the public hostname that CORS must allow"],
    [7, "rule 1 has no host: every rule needs the public hostname that CORS must allow"],
    ["*.example.com", 'rule 1 has the wildcard host "*.example.com": CORS needs concrete origins, list each hostname'],
  ])("the host %j is refused with its reason", (host, message) => {
    expect(derive(withRules([shopRule, rule(host)])).results).toEqual([error("ingress-host", message, { ref: INGRESS_REF, field: "spec.rules[1].host" })]);
  });

  test("a missing Service or Ingress is named with the overlay", () => {
    expect(derive(shop().filter((o) => o.kind !== "Service")).results.map((r) => r.message)).toEqual([
      "overlays/test: no Service selects the pods labelled app=medusa, so no Ingress path can reach them",
      "overlays/test: no Service selects the pods labelled app=storefront, so no Ingress path can reach them",
    ]);
    expect(derive(shop().filter((o) => o.kind !== "Ingress")).results).toEqual([
      error("cors-no-ingress", "overlays/test: no Ingress, so there are no hosts to derive CORS from"),
    ]);
  });

  test("an Ingress for one app, or for another app of the namespace, is fine: the shop as a whole needs both", () => {
    const adminOnly = ingress([TWO_HOSTS[1]!], [], "admin-ingress");
    const files = { apiVersion: "v1", kind: "Service", metadata: { name: "object-store" }, spec: { selector: { app: "object-store" }, ports: [{ port: 7070 }] } };
    const filesIngress = ingress([{ host: "*.files.example.com", paths: [["/", "object-store"]] }], [], "files");
    const shopOnly = shop({ rules: [TWO_HOSTS[0]!] });
    expect(values([...shopOnly, adminOnly, files, filesIngress]).medusa.ADMIN_CORS).toBe("https://admin.example.com,https://shop.example.com");
    const noAdmin = ingress([{ host: "x.example.com", paths: [["/", "object-store"]] }], [], "admin-ingress");
    const v = view([...shopOnly.filter((o) => o.kind !== "Ingress"), noAdmin, files]);
    v.fileOf = (node, field) => (node === noAdmin.spec && field === "rules" ? "overlays/prod/admin-ingress.yaml" : undefined);
    expect(deriveCors(shopModel(v), policy()).results).toEqual(["medusa", "storefront"].map((role) => error(
      "cors-no-route", `no Ingress routes a path to the ${role} pods (through any Service that selects them); both the shop and the admin need a host`,
      { ref: { apiVersion: "networking.k8s.io/v1", kind: "Ingress", name: "admin-ingress" }, field: "spec.rules", file: "overlays/prod/admin-ingress.yaml" },
    )));
  });

  test("rules without http, backends that are not Services and absent lists count for nothing", () => {
    const objects = withRules([null, { host: "static.example.com" }, { host: "files.example.com", http: { paths: [{ path: "/", backend: { resource: { kind: "Bucket", name: "b" } } }] } }, shopRule, rule("admin.example.com")]);
    expect(derive(objects).results).toEqual([]);
    const tolerant = withRules([{ host: "static.example.com" }, { host: "files.example.com", http: { paths: null } }, shopRule, rule("admin.example.com")]);
    tolerant.find((o) => o.kind === "Ingress")!.spec.tls = null;
    expect(values(tolerant).medusa.ADMIN_CORS).toBe("http://admin.example.com,http://shop.example.com");
    const noTlsHosts = shop();
    noTlsHosts.find((o) => o.kind === "Ingress")!.spec.tls = [{ secretName: "tls" }];
    expect(values(noTlsHosts).medusa.BACKEND_URL).toBe("http://admin.example.com");
  });

  test("an Ingress with no rules at all routes to neither app", () => {
    const objects = shop();
    objects.find((o) => o.kind === "Ingress")!.spec.rules = null;
    expect(derive(objects).results.map((r) => `${r.field?.path}: ${r.message}`)).toEqual([
      "spec.rules: no Ingress routes a path to the medusa pods (through any Service that selects them); both the shop and the admin need a host",
      "spec.rules: no Ingress routes a path to the storefront pods (through any Service that selects them); both the shop and the admin need a host",
    ]);
  });

  test("fields of the wrong shape say what they got", () => {
    const objects = shop();
    const ing = objects.find((o) => o.kind === "Ingress")!;
    ing.spec.tls = [{ hosts: "shop.example.com" }];
    ing.spec.rules[0].http.paths[0].backend.service.name = 7;
    expect(derive(objects).results).toEqual([
      error("field-shape", "is 7, not a Service name", { ref: INGRESS_REF, field: "spec.rules[0].http.paths[0].backend.service.name" }),
    ]);
    ing.spec.rules[0].http.paths[0].backend.service.name = "storefront";
    expect(derive(objects).results).toEqual([
      error("field-shape", 'must be a list, got "shop.example.com"', { ref: INGRESS_REF, field: "spec.tls[0].hosts" }),
    ]);
  });

  test.each([
    ["shop.*.com", 'TLS host "shop.*.com" has a wildcard other than one leading "*." label, which no Ingress controller matches'],
    ["*.*.example.com", 'TLS host "*.*.example.com" has a wildcard other than one leading "*." label, which no Ingress controller matches'],
    ["", 'TLS host is "", not a host name'],
    [null, "TLS host is null, not a host name"],
    [undefined, "TLS host is empty, not a host name"],
    ["*a.example.com", 'TLS host "*a.example.com" has a wildcard other than one leading "*." label, which no Ingress controller matches'],
  ])("the TLS host %j is refused at its index", (host, message) => {
    expect(derive(shop({ tls: ["shop.example.com", host as string] })).results).toEqual([error("tls-host", message, { ref: INGRESS_REF, field: "spec.tls[0].hosts[1]" })]);
  });

  test("a wildcard TLS host over a Flux variable is refused with the fix", () => {
    const out = derive(shop({ rules: [{ host: "${SHOP}.example.com", paths: [["/", "storefront"]] }, TWO_HOSTS[1]!], tls: ["*.example.com"] }));
    expect(out.results).toEqual([error("tls-flux-wildcard",
      'the TLS host "*.example.com" covers "${SHOP}.example.com" only if ${SHOP} holds no dot after Flux substitutes it: list "${SHOP}.example.com" in tls itself',
      { ref: INGRESS_REF, field: "spec.rules[0].host" })]);
  });

  const withMedusaPorts = (ports: unknown[]) => {
    const objects = shop();
    objects.find((o) => o.kind === "Service" && o.metadata!.name === "medusa")!.spec.ports = ports;
    return objects;
  };

  test.each([
    [[{ port: 9000 }], 9000],
    [[{ port: 1, targetPort: 9000 }], 1],
    [[{ port: 65535, targetPort: 9000 }], 65535],
    [[{ port: 80, targetPort: 8080 }, { port: 81, targetPort: 9000 }], 81],
  ])("the medusa Service ports %j give port %d", (ports, port) => {
    expect(values(withMedusaPorts(ports)).storefront.MEDUSA_BACKEND_URL).toBe(`http://medusa:${port}`);
  });

  test.each([[[]], [[null]], [[{ port: 8080, targetPort: 8080 }]], [[{ port: 0, targetPort: 9000 }]], [[{ port: 65536, targetPort: 9000 }]], [[{ port: "80", targetPort: 9000 }]], [[{ port: 80.5 }]]])(
    "the medusa Service ports %j name no port",
    (ports) => {
      expect(derive(withMedusaPorts(ports)).results).toEqual([error("service-port",
        "no Service in front of the medusa pods has a port whose target is the port medusa listens on (9000), so MEDUSA_BACKEND_URL has no port to name",
        { ref: { apiVersion: "v1", kind: "Service", name: "medusa" }, field: "spec.ports" })]);
    },
  );
});

describe("deriveCors: Ingresses of any shape are read without a JavaScript error", () => {
  const ingressWith = (spec: unknown) => {
    const objects = shop().filter((o) => o.kind !== "Ingress");
    return [...objects, { apiVersion: "networking.k8s.io/v1", kind: "Ingress", metadata: { name: "ecom-ingress" }, ...(spec === undefined ? {} : { spec }) }];
  };
  const routesNothing = (role: string) => error("cors-no-route", `no Ingress routes a path to the ${role} pods (through any Service that selects them); both the shop and the admin need a host`, { ref: INGRESS_REF, field: "spec.rules" });

  test.each([["no spec", undefined], ["no rules", {}]])("an Ingress with %s routes to neither app", (_, spec) => {
    expect(derive(ingressWith(spec)).results).toEqual([routesNothing("medusa"), routesNothing("storefront")]);
  });

  test("rules that are not a list are that one error, and route nothing", () => {
    expect(derive(ingressWith({ rules: "shop.example.com" })).results).toEqual([
      error("field-shape", 'must be a list, got "shop.example.com"', { ref: INGRESS_REF, field: "spec.rules" }),
    ]);
  });

  test("null TLS entries and null paths are skipped", () => {
    const objects = shop();
    const ing = objects.find((o) => o.kind === "Ingress")!;
    ing.spec.tls = [null, { hosts: ["admin.example.com"] }];
    ing.spec.rules[0].http.paths.unshift(null, { path: "/nowhere" });
    const v = values(objects);
    expect([v.medusa.BACKEND_URL, v.medusa.STOREFRONT_URL]).toEqual(["https://admin.example.com", "http://shop.example.com"]);
  });
});
