import { describe, expect, test } from "vitest";
import { parse } from "yaml";
import { ResourceListError, editable, newItem, readResourceList, writeResourceList } from "../../src/core/resource-list.ts";
import { error } from "../../src/core/results.ts";
import { setString } from "../../src/core/yaml-edit.ts";

// Layouts a producer of ResourceLists may write besides kpt's own, and what each must read as.
const HEAD = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n";
const cm = (name: string, extra = "") => `- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: ${name}${extra}`;
const itemsText = (out: string) => out.slice(out.indexOf("items:\n") + "items:\n".length).trimEnd();

describe("readResourceList: block layouts keep each item's text", () => {
  test.each([
    ["a comment after items:", `items:   # the objects\n${cm("a")}\n${cm("b")}\n`, `${cm("a")}\n${cm("b")}`],
    ["a tab before that comment", `items:\t# the objects\n${cm("a")}\n${cm("b")}\n`, `${cm("a")}\n${cm("b")}`],
    ["a comment line between items, kept with the item before it", `items:\n${cm("a")}\n\n# b follows\n${cm("b")}\n`, `${cm("a")}\n\n# b follows\n${cm("b")}`],
    ["blank lines after an item, dropped", `items:\n${cm("a")}\n\n\n${cm("b")}\n\n`, `${cm("a")}\n${cm("b")}`],
  ])("%s", (_, list, written) => {
    const input = readResourceList(`${HEAD}${list}`);
    expect(input.items.map((i) => i.name)).toEqual(["a", "b"]);
    expect(itemsText(writeResourceList(input.items, []))).toBe(written);
  });

  test("an item whose mapping starts on the line after its dash", () => {
    const item = "-\n  apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: late";
    const input = readResourceList(`${HEAD}items:\n${item}\n`);
    expect(input.items.map((i) => [i.kind, i.name])).toEqual([["ConfigMap", "late"]]);
    expect(itemsText(writeResourceList(input.items, []))).toBe(item);
  });

  test("an item's mapping may sit further right than its dash", () => {
    const item = "-   apiVersion: v1\n    kind: ConfigMap\n    metadata:\n      name: wide";
    const [read] = readResourceList(`${HEAD}items:\n${item}\n`).items;
    expect([read!.kind, read!.name]).toEqual(["ConfigMap", "wide"]);
  });

  test("a comment at the left margin inside an item is a comment, not data", () => {
    const item = "- apiVersion: v1\n  kind: ConfigMap\n# about the name\n  metadata:\n    name: commented";
    const [read] = readResourceList(`${HEAD}items:\n${item}\n`).items;
    expect(read!.object()).toEqual({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "commented" } });
  });

  test("indented items, one of them edited, are written as one list", () => {
    const src = `${HEAD}items:\n${[cm("a"), cm("b")].map((i) => i.replace(/^/gm, "  ")).join("\n")}\n`;
    const input = readResourceList(src);
    setString(editable(input.items[0]!), ["data", "K"], "v");
    const out = parse(writeResourceList(input.items, []));
    expect(out.items).toEqual([
      { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a" }, data: { K: "v" } },
      { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "b" } },
    ]);
  });

  test("items: holding a block mapping is refused as not a list", () => {
    expect(() => readResourceList(`${HEAD}items:\n  a: 1\n`)).toThrow(new ResourceListError("items of the ResourceList is not a list"));
  });

  test("a block list under another kind is not taken for a ResourceList", () => {
    expect(() => readResourceList(`apiVersion: v1\nkind: List\nitems:\n${cm("a")}\n`)).toThrow(
      new ResourceListError("input is not a ResourceList (a mapping with kind: ResourceList)"),
    );
  });

  test("a broken envelope around block items is refused with the parser's first line", () => {
    let message = "";
    try {
      readResourceList(`${HEAD}items:\n${cm("a")}\nfunctionConfig: [\n`);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/^input is not a valid ResourceList: \S/);
    expect(message).not.toContain("\n");
  });
});

describe("readResourceList: an item's facts", () => {
  const one = (meta: string, top = "apiVersion: v1\n  kind: ConfigMap") => readResourceList(`${HEAD}items:\n- ${top}\n  metadata:\n${meta}\n`).items[0]!;

  test("the internal path annotation wins; an empty one falls back to the other", () => {
    expect(one("    annotations:\n      config.kubernetes.io/path: a.yaml\n      internal.config.kubernetes.io/path: b.yaml").path).toBe("b.yaml");
    expect(one("    annotations:\n      config.kubernetes.io/path: a.yaml\n      internal.config.kubernetes.io/path: ''").path).toBe("a.yaml");
    expect(one("    name: x").path).toBeUndefined();
  });

  test("null fields read as empty, and null metadata as none", () => {
    const item = one("    name: null\n    annotations: null", "apiVersion: null\n  kind: ~");
    expect([item.kind, item.apiVersion, item.name, item.path]).toEqual(["", "", "", undefined]);
    expect(readResourceList(`${HEAD}items:\n- kind: ConfigMap\n  metadata: null\n`).items[0]!.name).toBe("");
  });

  test.each([
    ["apiVersion: 1\n  kind: ConfigMap", "    name: x", "item 0: apiVersion is 1, not a string"],
    ["apiVersion: v1\n  kind: ConfigMap", "    annotations: [a]", "item 0: metadata.annotations is not a mapping"],
    ["apiVersion: v1\n  kind: ConfigMap", "    annotations:\n      config.kubernetes.io/path: 7", "item 0: metadata.annotations.config.kubernetes.io/path is 7, not a string"],
  ])("a wrong field is named: %s", (top, meta, message) => {
    expect(() => one(meta, top)).toThrow(new ResourceListError(message));
  });

  test("an alias bomb in the envelope is refused, not expanded", () => {
    const bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n";
    expect(() => readResourceList(`${HEAD}${bomb}items:\n${cm("a")}\n`)).toThrow(/^the ResourceList cannot be read: .*alias/i);
    expect(() => readResourceList(`${HEAD}${bomb}items: []\n`)).toThrow(/^the ResourceList cannot be read: .*alias/i);
  });

  test("shared nodes are read as copies: editing one place leaves the other", () => {
    const input = readResourceList(`${HEAD}items:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: a\n    labels: &l {app: x}\n    annotations: *l\n`);
    const data = input.items[0]!.object();
    expect(data.metadata.labels).toEqual({ app: "x" });
    expect(data.metadata.annotations).toEqual({ app: "x" });
  });
});

describe("writeResourceList", () => {
  test("an edited item is written at the list's indent, with no trailing spaces on its blank lines", () => {
    const input = readResourceList(`${HEAD}items:\n${cm("a", "\n  data:\n    TEXT: |\n      one\n\n      three")}\n`);
    setString(editable(input.items[0]!), ["data", "K"], "v");
    const out = writeResourceList(input.items, []);
    expect(out).toContain("    TEXT: |\n      one\n\n      three\n");
    expect(out).not.toMatch(/ +$/m);
  });

  test("editing an item twice keeps both edits", () => {
    const input = readResourceList(`${HEAD}items:\n${cm("a")}\n`);
    setString(editable(input.items[0]!), ["data", "A"], "1");
    setString(editable(input.items[0]!), ["data", "B"], "2");
    expect(parse(writeResourceList(input.items, [])).items[0].data).toEqual({ A: "1", B: "2" });
  });

  test("a long result message stays on one line", () => {
    const message = `${"a long message ".repeat(12)}ends here`;
    const out = writeResourceList([], [error("build-stale", message)]);
    expect(out).toBe(`${HEAD}items: []\nresults:\n  - message: ${message}\n    severity: error\n    tags:\n      code: build-stale\n`);
  });

  test("a new item is written from its document: long values stay on one line", () => {
    const value = "word ".repeat(30).trim();
    const created = newItem(`apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  LONG: ${value}\n`);
    expect(writeResourceList([created], [])).toContain(`\n    LONG: ${value}\n`);
  });
});

describe("readResourceList: encodings and the general path", () => {
  const plain = (list: string) => `${list}items:\n${cm("a", "\n  data:\n    K: v")}\n`;

  test("a byte order mark is dropped only at the start, whatever key comes first", () => {
    const input = readResourceList(`\uFEFFkind: ResourceList\napiVersion: config.kubernetes.io/v1\nitems:\n${cm("a", "\n  data:\n    K: a\uFEFFb")}\n`);
    expect(input.items[0]!.object().data.K).toBe("a\uFEFFb");
    expect(readResourceList(`${HEAD}items:\n${cm("a", "\n  data:\n    K: a\uFEFFb")}\n`).items[0]!.object().data.K).toBe("a\uFEFFb");
  });

  test("old Mac line ends (CR alone) read like any other", () => {
    expect(readResourceList(plain(HEAD).replace(/\n/g, "\r")).items.map((i) => [i.name, i.object().data])).toEqual([["a", { K: "v" }]]);
  });

  test("a comment or blank line before the first item is not an item", () => {
    const input = readResourceList(`${HEAD}items:\n\n# the objects\n${cm("a")}\n`);
    expect(input.items.map((i) => i.name)).toEqual(["a"]);
    expect(itemsText(writeResourceList(input.items, []))).toBe(cm("a"));
  });

  test("a trailing line of spaces after an item is dropped", () => {
    expect(itemsText(writeResourceList(readResourceList(`${HEAD}items:\n${cm("a")}\n   \n${cm("b")}\n`).items, []))).toBe(`${cm("a")}\n${cm("b")}`);
  });

  test("items: null is no items", () => {
    expect(readResourceList(`${HEAD}items: null\n`).items).toEqual([]);
    expect(readResourceList('{"apiVersion": "config.kubernetes.io/v1", "kind": "ResourceList", "items": null}').items).toEqual([]);
  });

  test("an alias bomb in a flow-style ResourceList is refused, not expanded", () => {
    const bomb = "{kind: ResourceList, a: &a [x, x, x, x, x, x, x, x, x, x], b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a], c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b], d: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]}";
    expect(() => readResourceList(bomb)).toThrow(/^the ResourceList cannot be read: .*alias/i);
  });

  test("values read as YAML 1.2: a date stays text", () => {
    expect(readResourceList(`${HEAD}items:\n${cm("a", "\n  data:\n    SINCE: 2026-01-01")}\n`).items[0]!.object().data.SINCE).toBe("2026-01-01");
  });

  test("invalid YAML in an item is refused with the parser's first line, without its position decoration", () => {
    expect(() => readResourceList(`${HEAD}items:\n- apiVersion: v1\n  kind: ConfigMap\n  kind: Secret\n`)).toThrow(
      new ResourceListError("item 0 is not valid YAML: Map keys must be unique"),
    );
  });
});
