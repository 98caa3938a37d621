import { describe, expect, test } from "vitest";
import { routeOf } from "../../src/core/ingress-routing.ts";

const rule = (path: string, pathType: string, target: string) => ({ path, pathType, target });

describe("routeOf: the path that answers a request, as the Ingress API defines it", () => {
  test("Prefix matches whole path elements, a trailing slash ignored; / matches everything", () => {
    const rules = [rule("/", "Prefix", "root"), rule("/app/", "Prefix", "app")];
    expect(routeOf(rules, "/app")?.target).toBe("app");
    expect(routeOf(rules, "/app/settings")?.target).toBe("app");
    expect(routeOf(rules, "/apple")?.target).toBe("root");
    expect(routeOf([rule("/app", "Prefix", "app")], "/")).toBeUndefined();
  });

  test("Exact matches only the path itself, and beats a Prefix of the same length whatever the order", () => {
    const exact = rule("/app", "Exact", "exact");
    const prefix = rule("/app", "Prefix", "prefix");
    expect(routeOf([prefix, exact], "/app")?.target).toBe("exact");
    expect(routeOf([exact, prefix], "/app")?.target).toBe("exact");
    expect(routeOf([exact, prefix], "/app/x")?.target).toBe("prefix");
    expect(routeOf([exact], "/app/")).toBeUndefined();
  });

  test("the longest matching path wins, whatever the order; ImplementationSpecific is matched as Prefix", () => {
    const rules = [rule("/store/regions", "ImplementationSpecific", "long"), rule("/store", "Prefix", "short")];
    expect(routeOf(rules, "/store/regions/1")?.target).toBe("long");
    expect(routeOf([...rules].reverse(), "/store/regions")?.target).toBe("long");
    expect(routeOf(rules, "/store/carts")?.target).toBe("short");
    expect(routeOf([], "/")).toBeUndefined();
  });
});
