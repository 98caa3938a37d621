import { describe, expect, test } from "vitest";
import { parse, parseDocument } from "yaml";
import { readsAsString, setString, setStringMap } from "../../src/core/yaml-edit.ts";

describe("readsAsString", () => {
  // Each reads as a boolean, number or null under YAML 1.1 (kubectl, kustomize), 1.2, or both.
  test.each(["yes", "on", "No", "OFF", "y", "1234567", "12e4567", "0x1f", "0o17", "017", "1_000", "null", "~", "true", "3.14", ".inf", ""])("%j does not", (v) => {
    expect(readsAsString(v)).toBe(false);
  });

  // A reader cannot parse these at all, so neither gets the string back unquoted.
  test.each(["[", "{a", "*alias", "a: b: c", "@x", "`x"])("%j does not: it is no YAML", (v) => {
    expect(readsAsString(v)).toBe(false);
  });

  test.each(["b60245b", "https://shop.example.com", "http://medusa:9000", "a,b", "medusa-migrate-c0ffee1", "https://shop.${SECRET_DOMAIN}"])("%j does", (v) => {
    expect(readsAsString(v)).toBe(true);
  });
});

describe("setString", () => {
  test.each(["yes", "on", "1234567", "12e4567", "0x1f", "null"])("writes %j double-quoted, so every reader gets the string back", (v) => {
    const doc = parseDocument("data:\n  A: x\n");
    expect(setString(doc, ["data", "A"], v)).toBe(true);
    expect(doc.toString()).toBe(`data:\n  A: "${v}"\n`);
    for (const version of ["1.1", "1.2"] as const) expect(parse(doc.toString(), { version }).data.A).toBe(v);
  });

  test("a plain string stays plain, and an equal value is no change", () => {
    const doc = parseDocument("data:\n  A: x # why\n");
    expect(setString(doc, ["data", "A"], "x")).toBe(false);
    expect(setString(doc, ["data", "A"], "https://shop.example.com")).toBe(true);
    expect(doc.toString()).toBe("data:\n  A: https://shop.example.com # why\n");
  });

  test("a missing path is created", () => {
    const doc = parseDocument("metadata: {}\n");
    setString(doc, ["metadata", "name"], "medusa-migrate-b60245b");
    expect(parse(doc.toString())).toEqual({ metadata: { name: "medusa-migrate-b60245b" } });
  });
});

describe("setStringMap", () => {
  const src = [
    "# Generated: do not edit.",
    "apiVersion: v1",
    "kind: ConfigMap",
    "data:",
    "  # origins the shop calls from",
    "  STORE_CORS: https://old.example.com",
    "  BACKEND_URL: https://admin.example.com # the admin host",
    "  STALE: gone",
    "",
  ].join("\n");

  test("edits values in place, keeps comments and untouched lines, drops keys not derived, adds new ones", () => {
    const doc = parseDocument(src);
    const changed = setStringMap(doc, ["data"], { STORE_CORS: "https://shop.example.com", BACKEND_URL: "https://admin.example.com", NEW: "on" });
    expect(changed).toBe(true);
    expect(doc.toString()).toBe([
      "# Generated: do not edit.",
      "apiVersion: v1",
      "kind: ConfigMap",
      "data:",
      "  # origins the shop calls from",
      "  STORE_CORS: https://shop.example.com",
      "  BACKEND_URL: https://admin.example.com # the admin host",
      '  NEW: "on"',
      "",
    ].join("\n"));
  });

  test("the same values again change nothing", () => {
    const doc = parseDocument(src);
    const values = { STORE_CORS: "https://old.example.com", BACKEND_URL: "https://admin.example.com", STALE: "gone" };
    expect(setStringMap(doc, ["data"], values)).toBe(false);
    expect(doc.toString()).toBe(src);
  });

  test("dropping a key alone is a change", () => {
    const doc = parseDocument(src);
    expect(setStringMap(doc, ["data"], { STORE_CORS: "https://old.example.com", BACKEND_URL: "https://admin.example.com" })).toBe(true);
    expect(parse(doc.toString()).data).toEqual({ STORE_CORS: "https://old.example.com", BACKEND_URL: "https://admin.example.com" });
  });

  test("a key named like what every JavaScript object has is dropped too", () => {
    const doc = parseDocument("data:\n  A: a\n  constructor: stale\n  toString: stale\n");
    expect(setStringMap(doc, ["data"], { A: "a" })).toBe(true);
    expect(doc.toString()).toBe("data:\n  A: a\n");
  });

  test("a missing map is created", () => {
    const doc = parseDocument("kind: ConfigMap\n");
    expect(setStringMap(doc, ["data"], { A: "1234567" })).toBe(true);
    expect(parse(doc.toString(), { version: "1.1" })).toEqual({ kind: "ConfigMap", data: { A: "1234567" } });
  });
});
