import { describe, expect, test } from "vitest";
import { parse } from "yaml";
import { editable, newItem, readResourceList, writeResourceList } from "../../src/core/resource-list.ts";
import { error } from "../../src/core/results.ts";
import { setString } from "../../src/core/yaml-edit.ts";

// The layout kpt sends: items at column 0, a file's header comment on the `- ` line, kpt's own
// annotation quoting, and values whose quoting only survives if nobody re-serialises them.
const ITEMS = `items:
- # Header comment of the file.
  # A second header line.
  apiVersion: v1
  kind: ConfigMap
  metadata:
    name: medusa-config
    annotations:
      config.kubernetes.io/index: '0'
      config.kubernetes.io/path: 'base/medusa/configmap.yaml'
      internal.config.kubernetes.io/path: 'base/medusa/configmap.yaml'
  data:
    # why this key exists
    WORKER_COUNT: '1234567'
    FLAG: "yes"
    YES: yes
    EMPTY: ""
    MULTI: |
      line one

      line three
    FLOW: {a: 1, b: [x, "y"]}   # spaced comment
- apiVersion: "apps/v1"
  kind: Deployment
  metadata:
    name: medusa
    annotations:
      config.kubernetes.io/path: "base/medusa/deployment.yaml"
  spec:
    template:
      spec:
        containers:
        - name: medusa
          image: ghcr.io/ekenheim/ecom/medusa:b60245b
          args: ["--a", '--b']`;

const LIST = `apiVersion: config.kubernetes.io/v1
kind: ResourceList
${ITEMS}
functionConfig:
  apiVersion: v1
  kind: ConfigMap
  metadata:
    name: function-input
  data: {}
`;

const itemsOf = (text: string) => {
  const lines = text.split("\n");
  const start = lines.indexOf("items:");
  const end = lines.findIndex((l, i) => i > start && /^[A-Za-z]/.test(l));
  return lines.slice(start, end < 0 ? undefined : end).join("\n").trimEnd();
};

describe("readResourceList / writeResourceList", () => {
  test("items nobody edits go back byte for byte, comments and quoting included", () => {
    const input = readResourceList(LIST);
    expect(input.items).toHaveLength(2);
    const out = writeResourceList(input.items, []);
    expect(itemsOf(out)).toBe(ITEMS);
    expect(out.startsWith("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n")).toBe(true);
  });

  test("kind, apiVersion and path come from the parsed item", () => {
    const [cm, deploy] = readResourceList(LIST).items;
    expect([cm!.kind, cm!.apiVersion, cm!.path]).toEqual(["ConfigMap", "v1", "base/medusa/configmap.yaml"]);
    expect([deploy!.kind, deploy!.apiVersion, deploy!.path]).toEqual(["Deployment", "apps/v1", "base/medusa/deployment.yaml"]);
  });

  test("object() is the item's data, header comment aside", () => {
    const [cm] = readResourceList(LIST).items;
    const obj = cm!.object();
    expect(obj.data).toEqual({
      WORKER_COUNT: "1234567", FLAG: "yes", YES: "yes", EMPTY: "", MULTI: "line one\n\nline three\n", FLOW: { a: 1, b: ["x", "y"] },
    });
    expect(cm!.source.startsWith("# Header comment of the file.\n# A second header line.\napiVersion: v1\n")).toBe(true);
  });

  test("an edited item keeps its header comment once, its other comments and the quoting of untouched values", () => {
    const input = readResourceList(LIST);
    const cm = input.items[0]!;
    setString(editable(cm), ["data", "FLAG"], "no");
    const out = writeResourceList(input.items, []);
    const reread = readResourceList(out);
    expect(reread.items[0]!.object().data.FLAG).toBe("no");
    const text = itemsOf(out);
    expect(text.match(/Header comment of the file/g)).toHaveLength(1);
    expect(text).toContain("- # Header comment of the file.\n  # A second header line.\n  apiVersion: v1");
    expect(text).toContain("# why this key exists");
    expect(text).toContain("WORKER_COUNT: '1234567'");
    expect(text).toContain('FLAG: "no"');
    // The untouched item is still verbatim.
    expect(text.endsWith(ITEMS.slice(ITEMS.indexOf("- apiVersion: \"apps/v1\"")))).toBe(true);
    // And a second round trip of the edited output is stable.
    expect(itemsOf(writeResourceList(reread.items, []))).toBe(text);
  });

  test("functionConfig is read whether it comes before or after the items", () => {
    expect(readResourceList(LIST).functionConfig).toEqual({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "function-input" }, data: {} });
    const before = `apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nfunctionConfig:\n  kind: DeployPolicy\n  spec:\n    requirePinnedSha: true\n${ITEMS}\n`;
    const input = readResourceList(before);
    expect(input.functionConfig).toEqual({ kind: "DeployPolicy", spec: { requirePinnedSha: true } });
    expect(itemsOf(writeResourceList(input.items, []))).toBe(ITEMS);
  });

  test("no functionConfig reads as undefined", () => {
    expect(readResourceList(`apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n${ITEMS}\n`).functionConfig).toBeUndefined();
  });

  test("empty items, in any spelling, write as items: []", () => {
    for (const src of [
      "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\n",
      "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n",
      "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n",
    ]) {
      const input = readResourceList(src);
      expect(input.items).toEqual([]);
      expect(writeResourceList(input.items, [])).toBe("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\n");
    }
  });

  test("JSON and flow-style input fall back to a full parse with the same data", () => {
    const data = parse(LIST);
    for (const src of [JSON.stringify(data), JSON.stringify(data, null, 2)]) {
      const input = readResourceList(src);
      expect(input.items.map((i) => i.object())).toEqual(data.items);
      expect(input.items.map((i) => i.path)).toEqual(["base/medusa/configmap.yaml", "base/medusa/deployment.yaml"]);
      expect(input.functionConfig).toEqual(data.functionConfig);
      expect(parse(writeResourceList(input.items, [])).items).toEqual(data.items);
    }
    const flow = "{apiVersion: config.kubernetes.io/v1, kind: ResourceList, items: [{apiVersion: v1, kind: ConfigMap, metadata: {name: a}, data: {NUM: '1234567'}}]}";
    const input = readResourceList(flow);
    expect(input.items[0]!.kind).toBe("ConfigMap");
    expect(parse(writeResourceList(input.items, []), { version: "1.1" }).items[0].data.NUM).toBe("1234567");
  });

  // Valid YAML that neither kpt nor kustomize writes, but any other producer of a ResourceList may.
  test("a flow-style item inside a block list still has its kind, apiVersion and path", () => {
    const src = `apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- {apiVersion: v1, kind: Service, metadata: {name: medusa, annotations: {config.kubernetes.io/path: base/svc.yaml}}}\n`;
    const [item] = readResourceList(src).items;
    expect([item!.kind, item!.apiVersion, item!.path]).toEqual(["Service", "v1", "base/svc.yaml"]);
  });

  test("items indented under items: are read and written back with the same data", () => {
    const indented = LIST.replace(ITEMS, ITEMS.split("\n").map((l, i) => (i === 0 ? l : `  ${l}`)).join("\n"));
    const input = readResourceList(indented);
    expect(input.items.map((i) => i.kind)).toEqual(["ConfigMap", "Deployment"]);
    expect(parse(writeResourceList(input.items, [])).items).toEqual(parse(LIST).items);
  });

  test("a document that is not a ResourceList is not taken for one", () => {
    expect(() => readResourceList("items: [\n")).toThrow(/not a valid ResourceList/);
  });

  test("results are appended after the items, in the spec's shape", () => {
    const input = readResourceList(LIST);
    const result = error("build-stale", 'was "a: b"', { ref: { apiVersion: "v1", kind: "ConfigMap", name: "medusa-config" }, field: "data.FLAG", file: "base/medusa/configmap.yaml" });
    const out = writeResourceList(input.items, [result]);
    expect(itemsOf(out)).toBe(ITEMS);
    expect(parse(out).results).toEqual([{
      message: 'was "a: b"', severity: "error", tags: { code: "build-stale" },
      resourceRef: { apiVersion: "v1", kind: "ConfigMap", name: "medusa-config" },
      field: { path: "data.FLAG" }, file: { path: "base/medusa/configmap.yaml" },
    }]);
  });

  test("a new item is written with its header comment and path annotations", () => {
    const input = readResourceList(LIST);
    const created = newItem("# Generated.\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  annotations:\n    config.kubernetes.io/path: 'overlays/prod/derived/x.yaml'\n");
    expect(created.path).toBe("overlays/prod/derived/x.yaml");
    const out = writeResourceList([...input.items, created], []);
    expect(out).toContain("- # Generated.\n  apiVersion: v1\n  kind: ConfigMap\n");
    expect(readResourceList(out).items.map((i) => i.path)).toEqual([
      "base/medusa/configmap.yaml", "base/medusa/deployment.yaml", "overlays/prod/derived/x.yaml",
    ]);
  });

  // Each spelling is the same item to any YAML reader, so it must be the same item to the function.
  const CM = { kind: "ConfigMap", apiVersion: "v1", name: "medusa-config", path: "overlays/prod/derived/medusa-config.yaml" };
  const facts = (src: string) => readResourceList(src).items.map((i) => ({ kind: i.kind, apiVersion: i.apiVersion, name: i.name, path: i.path }));
  const list = (item: string) => `apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n${item}\n`;
  test.each([
    ["plain", "- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: medusa-config\n    annotations:\n      config.kubernetes.io/path: overlays/prod/derived/medusa-config.yaml"],
    ["comments after values", "- apiVersion: v1 # core\n  kind: ConfigMap # derived\n  metadata: # m\n    name: medusa-config # n\n    annotations:\n      config.kubernetes.io/path: overlays/prod/derived/medusa-config.yaml # p"],
    ["quoted", "- \"apiVersion\": 'v1'\n  'kind': \"ConfigMap\"\n  metadata:\n    \"name\": 'medusa-config'\n    annotations:\n      'config.kubernetes.io/path': \"overlays/prod/derived/medusa-config.yaml\""],
    ["flow-style metadata", "- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: medusa-config, annotations: {config.kubernetes.io/path: overlays/prod/derived/medusa-config.yaml}}"],
    ["name before kind, nested kind keys", "- metadata:\n    annotations:\n      config.kubernetes.io/path: overlays/prod/derived/medusa-config.yaml\n    name: medusa-config\n  data:\n    kind: Secret\n    name: other\n  kind: ConfigMap\n  apiVersion: v1"],
    ["anchors and aliases", "- apiVersion: &v v1\n  kind: &k ConfigMap\n  metadata:\n    name: medusa-config\n    labels: {k: *k}\n    annotations:\n      config.kubernetes.io/path: overlays/prod/derived/medusa-config.yaml"],
    ["a multi-line plain name", "- apiVersion: v1\n  kind:\n    ConfigMap\n  metadata:\n    name:\n      medusa-config\n    annotations:\n      config.kubernetes.io/path: overlays/prod/derived/medusa-config.yaml"],
  ])("%s", (_, item) => {
    expect(facts(list(item))).toEqual([CM]);
  });

  test("CRLF line ends and a byte order mark change nothing the function reads", () => {
    const plain = list("- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: medusa-config\n    annotations:\n      config.kubernetes.io/path: overlays/prod/derived/medusa-config.yaml");
    expect(facts(plain.replace(/\n/g, "\r\n"))).toEqual([CM]);
    expect(facts(`\uFEFF${plain}`)).toEqual([CM]);
  });

  test.each([
    ["not YAML", "items: [unclosed\n", /not a valid ResourceList/],
    ["not a ResourceList", "apiVersion: v1\nkind: ConfigMap\n", /not a ResourceList/],
    ["items not a list", "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: {a: 1}\n", /items of the ResourceList is not a list/],
    ["an item that is not an object", list("- 7"), /item 0 is not an object/],
    ["a kind that is not a string", list("- {apiVersion: v1, kind: [ConfigMap], metadata: {name: a}}"), /item 0: kind is \["ConfigMap"\], not a string/],
    ["a name that is not a string", list("- {apiVersion: v1, kind: ConfigMap, metadata: {name: {a: 1}}}"), /item 0: metadata.name/],
    ["metadata that is not a mapping", list("- {apiVersion: v1, kind: ConfigMap, metadata: [a]}"), /item 0: metadata is not a mapping/],
    ["duplicate keys", list("- apiVersion: v1\n  kind: ConfigMap\n  kind: Secret"), /item 0 is not valid YAML: .*[Uu]nique/],
    ["an alias bomb", list(`- apiVersion: v1\n  kind: ConfigMap\n  a: &a [x, x, x, x, x, x, x, x, x, x]\n  b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n  c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n  d: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]`), /item 0 cannot be read: .*alias/i],
  ])("%s is refused with a message of its own", (_, src, message) => {
    expect(() => readResourceList(src)).toThrow(message);
  });
});
