/** A package file read into items by `npm run render`, and an edited item written back as kpt writes it. */
import { describe, expect, test } from "vitest";
import { editable, fileItems, fileText, newItem } from "../../src/core/resource-list.ts";
import { setString } from "../../src/core/yaml-edit.ts";

const CONFIGMAP = "# header\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  K: \"1\"\n";

describe("fileItems", () => {
  test("one document: one item carrying its file, its text as written", () => {
    const [item, ...rest] = fileItems(CONFIGMAP, "base/a.yaml");
    expect(rest).toEqual([]);
    expect([item!.path, item!.kind, item!.apiVersion, item!.name, item!.source]).toEqual(["base/a.yaml", "ConfigMap", "v1", "a", CONFIGMAP]);
    expect(item!.object()).toEqual({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a" }, data: { K: "1" } });
    expect(item!.edited).toBeUndefined();
  });

  test("several documents: one item each, in order, empty documents and a closing `...` skipped", () => {
    const text = `---\n${CONFIGMAP}---\n# only a comment\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: b\n...\n`;
    const items = fileItems(text, "base/all.yaml");
    expect(items.map((i) => [i.kind, i.name, i.path])).toEqual([["ConfigMap", "a", "base/all.yaml"], ["Service", "b", "base/all.yaml"]]);
    expect(items[1]!.source).toMatch(/^apiVersion: v1\nkind: Service\nmetadata:\n {2}name: b\n/);
  });

  test("a document that is no object is no item: a list or a scalar", () => {
    expect(fileItems("- op: replace\n  path: /a\n", "p.yaml")).toEqual([]);
    expect(fileItems(`just text\n---\n${CONFIGMAP}`, "p.yaml").map((i) => i.name)).toEqual(["a"]);
  });

  test("CRLF and a byte order mark read as the same item", () => {
    const [item] = fileItems(`\uFEFF${CONFIGMAP.replaceAll("\n", "\r\n")}`, "a.yaml");
    expect(item!.source).toBe(CONFIGMAP);
  });

  test.each([
    ["one document", "metadata: [a\n", /^x\/bad\.yaml: is not valid YAML: /],
    ["one of several", `${CONFIGMAP}---\nmetadata: [a\n`, /^x\/bad\.yaml: is not valid YAML: /],
    ["duplicate keys", "kind: A\nkind: B\n", /^x\/bad\.yaml: is not valid YAML: Map keys must be unique/],
  ])("a file that is not YAML is named (%s)", (_what, text, message) => {
    expect(() => fileItems(text, "x/bad.yaml")).toThrow(message);
  });

  test("a field that must be text is named with the file", () => {
    expect(() => fileItems("apiVersion: v1\nkind: 5\n", "x/k.yaml")).toThrow(/^x\/k\.yaml: kind is 5, not a string$/);
  });
});

describe("fileText", () => {
  test("an item nobody edited is its text as read", () => {
    const [item] = fileItems(CONFIGMAP, "a.yaml");
    expect(fileText(item!)).toBe(CONFIGMAP);
  });

  test("an edited item keeps its comments and quoting, sequences unindented", () => {
    const [item] = fileItems(`${CONFIGMAP}list:\n  - x\n`, "a.yaml");
    setString(editable(item!), ["data", "L"], "2");
    expect(fileText(item!)).toBe('# header\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  K: "1"\n  L: "2"\nlist:\n- x\n');
  });

  test("a created item loses the path annotations kpt would have dropped, and what they leave empty", () => {
    const annotated = (extra: string) =>
      `# made\nkind: Component\nmetadata:\n${extra}  annotations:\n    config.kubernetes.io/path: 'o/k.yaml'\n    internal.config.kubernetes.io/path: 'o/k.yaml'\n`;
    expect(fileText(newItem(annotated("")))).toBe("# made\nkind: Component\n");
    expect(fileText(newItem(annotated("  name: n\n")))).toBe("# made\nkind: Component\nmetadata:\n  name: n\n");
    const kept = newItem(`${annotated("")}    team: shop\n`);
    expect(fileText(kept)).toBe("# made\nkind: Component\nmetadata:\n  annotations:\n    team: shop\n");
  });
});
