/**
 * The reader leaves kustomize's bookkeeping annotations out of what it parses. Whatever the text,
 * that may only ever drop those annotations: every other value reads the same, and a text YAML
 * refuses is still refused. The oracle is the whole ResourceList read by `yaml`, minus the keys.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { CORE_SCHEMA, load } from "js-yaml";
import { describe, expect, test } from "vitest";
import { parse } from "yaml";
import { BOOKKEEPING_ANNOTATIONS, withoutBookkeeping } from "../../src/core/bookkeeping.ts";
import { readResourceList } from "../../src/core/resource-list.ts";

const FIXTURES = join(import.meta.dirname, "..", "fixtures");
// The keys as the tests know them: what kustomize 5 adds to each item it hands a function.
const KEYS = [
  "config.k8s.io/id",
  "config.kubernetes.io/index",
  "internal.config.kubernetes.io/annotations-migration-resource-id",
  "internal.config.kubernetes.io/id",
  "internal.config.kubernetes.io/index",
  "kustomize.config.k8s.io/id",
];

function minusKeys(object: any): any {
  const annotations = object?.metadata?.annotations;
  if (!annotations || typeof annotations !== "object") return object;
  const rest = Object.fromEntries(Object.entries(annotations).filter(([k]) => !KEYS.includes(k)));
  const { annotations: _, ...metadata } = object.metadata;
  return { ...object, metadata: Object.keys(rest).length ? { ...metadata, annotations: rest } : metadata };
}

const read = (text: string): { ok: true; value: unknown } | { ok: false } => {
  try {
    return { ok: true, value: load(text, { schema: CORE_SCHEMA }) };
  } catch {
    return { ok: false };
  }
};

describe("withoutBookkeeping", () => {
  test("names the keys kustomize adds", () => {
    expect([...BOOKKEEPING_ANNOTATIONS].sort()).toEqual([...KEYS].sort());
  });

  test.each(["build-drift", "build-rendered", "build-violation"])("over kustomize's own ResourceList (%s), drops only those keys", (fixture) => {
    const text = readFileSync(join(FIXTURES, fixture, "input.yaml"), "utf8");
    const items = readResourceList(text).items;
    const expected = parse(text).items;
    expect(expected.some((o: any) => KEYS.some((k) => k in (o.metadata?.annotations ?? {})))).toBe(true);
    expect(items.map((i) => i.object())).toEqual(expected.map(minusKeys));
    // The text written back is the text read, bookkeeping included: kustomize matches items by it.
    expect(items.map((i) => i.source).join("\n")).toContain("config.kubernetes.io/index");
  });

  const item = (annotations: string[], metadataRest: string[] = ["  name: a"]) =>
    ["apiVersion: v1", "kind: ConfigMap", "metadata:", "  annotations:", ...annotations, ...metadataRest, "data:", "  k: v"];

  test("drops a literal block with its lines, and annotations: when nothing else is left", () => {
    const lines = item(["    config.kubernetes.io/index: '3'", "    kustomize.config.k8s.io/id: |", "      kind: ConfigMap", "      name: a"]);
    expect(withoutBookkeeping(lines)).toEqual(["apiVersion: v1", "kind: ConfigMap", "metadata:", "  name: a", "data:", "  k: v"]);
  });

  test("keeps every other annotation, and comments among them", () => {
    const lines = item(["    # tracked", "    config.k8s.io/id: '1'", "    keep.example.com/x: |", "      y", "    internal.config.kubernetes.io/previousNames: a"]);
    expect(withoutBookkeeping(lines)).toEqual(item(["    # tracked", "    keep.example.com/x: |", "      y", "    internal.config.kubernetes.io/previousNames: a"]));
  });

  test.each<[string, string[], string[]?]>([
    ["no metadata", ["apiVersion: v1", "kind: ConfigMap"]],
    ["metadata in flow style", ["metadata: {annotations: {config.kubernetes.io/index: '1'}}"]],
    ["metadata's keys four spaces in", ["metadata:", "    annotations:", "      config.kubernetes.io/index: '1'"]],
    ["annotations: with a comment", ["metadata:", "  annotations: # tracked", "    config.kubernetes.io/index: '1'"]],
    ["entries six spaces in", item(["      config.kubernetes.io/index: '1'"])],
    ["an entry with a comment", item(["    config.kubernetes.io/index: '1' # position"])],
    ["a double-quoted entry", item(['    config.kubernetes.io/index: "1"'])],
    ["a plain entry", item(["    config.kubernetes.io/index: 1"])],
    ["a quoted key", item(["    'config.kubernetes.io/index': '1'"])],
    ["an anchored entry", item(["    config.kubernetes.io/index: &i '1'"])],
    ["text after a quoted entry", item(["    config.kubernetes.io/index: '1'", "      more"])],
    ["a block whose lines come back left", item(["    kustomize.config.k8s.io/id: |", "        a", "      b"])],
    ["a block with an indentation indicator", item(["    kustomize.config.k8s.io/id: |2", "      a"])],
    ["an entry out of line with the others", item(["    a: b", "     config.kubernetes.io/index: '1'"])],
    ["metadata that would be left empty", ["metadata:", "# note", "  annotations:", "    config.kubernetes.io/index: '1'"]],
    ["a mapping at the root two spaces in, without metadata", ["  kind: X", "  annotations:", "    config.kubernetes.io/index: '1'", "  name: a"]],
    ["a label named like a bookkeeping annotation", ["metadata:", "  labels:", "    config.kubernetes.io/index: '1'", "  name: a"]],
    ["metadata's first key four spaces in", ["metadata:", "    name: a", "  annotations:", "    config.kubernetes.io/index: '1'", "  labels: {}"]],
    ["annotations that end one space in", ["metadata:", "  name: a", "  annotations:", "    config.kubernetes.io/index: '1'", " x: y"]],
    ["a second annotations key", ["metadata:", "  annotations:", "    config.kubernetes.io/index: '1'", "  name: a", "  annotations:", "    a: b"]],
    ["a key given twice", item(["    config.kubernetes.io/index: '1'", "    config.kubernetes.io/index: '2'"])],
    ["a value that is no mapping", item(["    a", "    config.kubernetes.io/index: '1'"])],
  ])("leaves the whole text as it was for %s", (_, lines) => {
    expect(withoutBookkeeping(lines)).toBe(lines);
  });

  test.each<[string, string[], string[]]>([
    ["metadata on the first line", ["metadata:", "  annotations:", "    config.k8s.io/id: '1'", "  name: a"], ["metadata:", "  name: a"]],
    ["annotations on the last line", ["kind: X", "metadata:", "  name: a", "  annotations:", "    config.k8s.io/id: '1'"], ["kind: X", "metadata:", "  name: a"]],
    ["an empty line after an entry", item(["    config.k8s.io/id: '1'", "", "    keep.example.com/a: b"]), item(["    keep.example.com/a: b"])],
    ["a kept value holding a #", item(["    config.k8s.io/id: '1'", "    keep.example.com/a: b#c"]), item(["    keep.example.com/a: b#c"])],
    ["metadata holding only annotations, one of them kept", ["metadata:", "  annotations:", "    config.k8s.io/id: '1'", "    keep.example.com/a: b"], ["metadata:", "  annotations:", "    keep.example.com/a: b"]],
    ["annotations followed by a top-level key with a value on its line", ["metadata:", "  name: a", "  annotations:", "    config.k8s.io/id: '1'", "data: {k: v}"], ["metadata:", "  name: a", "data: {k: v}"]],
    ["a comment before annotations:", ["metadata:", "# c", "  name: a", "  annotations:", "    config.k8s.io/id: '1'"], ["metadata:", "# c", "  name: a"]],
    ["labels before annotations, a blank line and a comment among them", ["metadata:", "  labels:", "", "# c", "    app: x", "  annotations:", "    config.k8s.io/id: '1'"], ["metadata:", "  labels:", "", "# c", "    app: x"]],
  ])("drops the entries for %s", (_, lines, expected) => {
    expect(withoutBookkeeping(lines)).toEqual(expected);
    expect(read(withoutBookkeeping(lines).join("\n"))).toEqual({ ok: true, value: minusKeys((read(lines.join("\n")) as { value: unknown }).value) });
  });

  test("reads a comment at the left margin as a comment, inside the annotations too", () => {
    const lines = item(["    config.k8s.io/id: '1'", "# end", "    config.kubernetes.io/index: '2'"]);
    expect(withoutBookkeeping(lines)).toEqual(["apiVersion: v1", "kind: ConfigMap", "metadata:", "  name: a", "data:", "  k: v"]);
  });

  // Lines a metadata block may hold, right or wrong, at the indentations that matter.
  const piece = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...KEYS).map((k) => `    ${k}: '1'`) },
    { weight: 2, arbitrary: fc.constantFrom(...KEYS).map((k) => `    ${k}: |`) },
    fc.constantFrom(...KEYS).map((k) => `    ${k}: |-`),
    fc.constantFrom("      kind: ConfigMap", "      name: a", "    keep.example.com/a: b"),
    fc.constantFrom("", "    # c", "# c", "  name: a", "  labels:", "    app: x", "    keep.example.com/a: b", "    k: 'q", "      x'", "\tx", "    k: [a,", "      b]"),
    fc.tuple(fc.integer({ min: 0, max: 8 }), fc.constantFrom("a", "b: c", "- d", "annotations:", "name: |", "config.k8s.io/id: '2'", "config.k8s.io/id: |", "'e'", "#f", "&g h", "*g", "? k", ": v", "{x: y}")).map(([n, t]) => `${" ".repeat(n)}${t}`),
  );

  test("never reads any other value differently, nor a text YAML refuses as valid", () => {
    const runs = Number(process.env.FUZZ_RUNS ?? 2000);
    let changed = 0;
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 10 }), fc.boolean(), fc.boolean(), (pieces, withAnnotationsKey, named) => {
        const lines = ["kind: ConfigMap", "metadata:", ...(withAnnotationsKey ? ["  annotations:"] : []), ...pieces, ...(named ? ["  name: a"] : []), "data:", "  k: v"];
        const out = withoutBookkeeping(lines);
        if (out === lines) return;
        changed++;
        const before = read(lines.join("\n"));
        const after = read(out.join("\n"));
        expect(after.ok).toBe(before.ok);
        if (before.ok && after.ok) expect(after.value).toEqual(minusKeys(before.value));
      }),
      { numRuns: runs },
    );
    // The texts it changes must be a fair share of those tried, or the property holds of nothing.
    expect(changed).toBeGreaterThan(runs / 25);
  });
});
