/**
 * The ResourceList layer. Every item is parsed as YAML (comments, flow
 * style, quoting, anchors make no difference to what the function sees);
 * items the function leaves alone are still passed through as the exact text
 * they arrived in (kpt would otherwise rewrite the quoting of every file).
 * Items it edits go through the `yaml` Document API, which keeps their
 * comments and scalar styles.
 */
import { CORE_SCHEMA, load } from "js-yaml";
import type { Document } from "yaml";
import { withoutBookkeeping } from "./bookkeeping.ts";
import { isPlainObject } from "./kube.ts";
import type { Result } from "./results.ts";
import { yamlLib } from "./yaml-lib.ts";

export interface Item {
  /** The item as a standalone YAML document (its lines, dedented). */
  readonly source: string;
  readonly kind: string;
  readonly apiVersion: string;
  /** The package-relative file kpt read it from; absent after a kustomize build. */
  readonly path: string | undefined;
  readonly name: string;
  /** The item's data. */
  object(): any;
  /** Set when the item is edited; written instead of `source`. */
  edited?: Document;
  /** The original text inside the ResourceList, when it can be reused verbatim. */
  readonly verbatim: string | undefined;
}

export interface ResourceListIn {
  items: Item[];
  functionConfig: unknown;
}

/** A ResourceList the function cannot read; main.ts answers it with an error result. */
export class ResourceListError extends Error {}

const LIST_KEY = /^items:[ \t]*(#.*)?$/m;
const SEQ_ENTRY = /^-( |$)/;

export function readResourceList(text: string): ResourceListIn {
  // A YAML reader sees a line break in CRLF and nothing in a leading byte order mark; so does the line scan below.
  const src = text.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n");
  const fast = splitItems(src);
  if (fast) return fast;
  // Anything but the block layout kpt and kustomize write (JSON, flow style) takes the slow, general path.
  const doc = yamlLib().parseDocument(src);
  if (doc.errors.length) throw new ResourceListError(`input is not a valid ResourceList: ${firstLine(doc.errors[0]!.message)}`);
  const root = toData(doc, "the ResourceList");
  if (!isPlainObject(root) || root.kind !== "ResourceList") throw new ResourceListError("input is not a ResourceList (a mapping with kind: ResourceList)");
  if (root.items !== undefined && root.items !== null && !Array.isArray(root.items)) throw new ResourceListError("items of the ResourceList is not a list");
  const items = (root.items ?? []).map((o: unknown, i: number) => makeItem(yamlLib().stringify(o), undefined, i, o));
  return { items, functionConfig: root.functionConfig };
}

function splitItems(src: string): ResourceListIn | undefined {
  const m = LIST_KEY.exec(src);
  if (!m) return undefined;
  const head = src.slice(0, m.index);
  const lines = src.slice(m.index + m[0].length + 1).split("\n");
  const items: Item[] = [];
  let current: string[] | undefined;
  let indent = -1;
  let rest = lines.length;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const content = line.trimStart();
    const col = line.length - content.length;
    const blank = content === "" || content.startsWith("#");
    if (indent < 0) {
      if (blank) continue;
      indent = col;
      if (!SEQ_ENTRY.test(content)) return undefined;
    }
    if (col === indent && SEQ_ENTRY.test(content)) {
      if (current) items.push(fromLines(current, indent, items.length));
      current = [line];
      continue;
    }
    if (!blank && col <= indent) {
      rest = i;
      break;
    }
    current?.push(line);
  }
  if (current) items.push(fromLines(current, indent, items.length));
  const tail = lines.slice(rest).join("\n");
  const envelope = dataOf(`${head}\n${tail}`, "the ResourceList", "input is not a valid ResourceList");
  if (!isPlainObject(envelope) || envelope.kind !== "ResourceList") return undefined;
  return { items, functionConfig: envelope.functionConfig };
}

function fromLines(lines: string[], indent: number, index: number): Item {
  // The first line is the `- ` entry, never blank, so this stops there at the latest.
  while (lines[lines.length - 1]!.trim() === "") lines.pop();
  const verbatim = lines.join("\n");
  const pad = indent + 2;
  // The dash and the space after it are the item's indentation: what follows is its first line.
  const body = lines.map((l, i) => (i === 0 || l.slice(0, pad).trim() === "" ? l.slice(pad) : l.trimStart()));
  const source = body.join("\n");
  return makeItem(source, indent === 0 ? verbatim : undefined, index, dataOf(source, `item ${index}`, undefined, withoutBookkeeping(body).join("\n")));
}

const PATH_ANNOTATIONS = ["internal.config.kubernetes.io/path", "config.kubernetes.io/path"];
const firstLine = (message: string) => message.split("\n")[0]!;

/** A document's data; aliases are capped, so an alias bomb is an error, not an exhausted machine. */
function toData(doc: Document, what: string): unknown {
  try {
    return doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    throw new ResourceListError(`${what} cannot be read: ${firstLine((e as Error).message)}`);
  }
}

// Messages are cut to their first line, so the line-and-caret decoration yaml adds is never seen.
const READ_OPTIONS = { prettyErrors: false } as const;

/**
 * An item's data. js-yaml reads YAML 1.2 (core schema) several times faster
 * than the `yaml` package; anything it refuses, and any item with aliases
 * (which js-yaml shares instead of copying, so a bomb would stay hidden), is
 * read again by `yaml`, whose errors and alias limits then decide. js-yaml
 * may be given `fast`, the source without kustomize's bookkeeping
 * (bookkeeping.ts); `yaml` always reads the source, so messages count its lines.
 */
function dataOf(source: string, what: string, invalid = `${what} is not valid YAML`, fast = source): unknown {
  try {
    const data = load(fast, { schema: CORE_SCHEMA });
    if (!sharesNodes(data, new WeakSet())) return data;
  } catch {
    // read again below, for `yaml`'s verdict and message
  }
  const doc = yamlLib().parseDocument(source, READ_OPTIONS);
  if (doc.errors.length) throw new ResourceListError(`${invalid}: ${firstLine(doc.errors[0]!.message)}`);
  return toData(doc, what);
}

function sharesNodes(node: unknown, seen: WeakSet<object>): boolean {
  if (typeof node !== "object" || node === null) return false;
  if (seen.has(node)) return true;
  seen.add(node);
  return (Array.isArray(node) ? node : Object.values(node)).some((child) => sharesNodes(child, seen));
}

function makeItem(source: string, verbatim: string | undefined, index: number, data: unknown): Item {
  if (!isPlainObject(data)) throw new ResourceListError(`item ${index} is not an object`);
  const text = (value: unknown, field: string): string => {
    if (value === undefined || value === null) return "";
    if (typeof value === "string") return value;
    throw new ResourceListError(`item ${index}: ${field} is ${JSON.stringify(value)}, not a string`);
  };
  const metadata = data.metadata ?? {};
  if (!isPlainObject(metadata)) throw new ResourceListError(`item ${index}: metadata is not a mapping`);
  const annotations = metadata.annotations ?? {};
  if (!isPlainObject(annotations)) throw new ResourceListError(`item ${index}: metadata.annotations is not a mapping`);
  const path = PATH_ANNOTATIONS.map((k) => text(annotations[k], `metadata.annotations.${k}`)).find((p) => p !== "");
  return {
    source,
    verbatim,
    kind: text(data.kind, "kind"),
    apiVersion: text(data.apiVersion, "apiVersion"),
    name: text(metadata.name, "metadata.name"),
    path,
    object: () => data,
  };
}

/** The item as a Document to edit; from then on it is written from that document. */
export function editable(item: Item): Document {
  if (!item.edited) item.edited = yamlLib().parseDocument(item.source);
  return item.edited;
}

/**
 * The items of one package file, as kpt would hand them over: one per document that holds an object,
 * each knowing its file. `npm run render` reads only the files its overlays name, so a data file of a
 * generator (YAML or JSON that is no object) is never an item. A file that is not YAML is named.
 */
export function fileItems(text: string, path: string): Item[] {
  const src = text.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n");
  // One document and no aliases: the fast reader alone decides, as for every item of a ResourceList.
  const sources = /^(---|\.\.\.)/m.test(src) ? documentSources(src, path) : [src];
  return sources.flatMap((source, i) => {
    try {
      const data = dataOf(source, `item ${i}`);
      return isPlainObject(data) ? [{ ...makeItem(source, undefined, i, data), path }] : [];
    } catch (e) {
      throw new ResourceListError(`${path}: ${(e as Error).message.replace(/^item \d+:? /, "")}`);
    }
  });
}

function documentSources(src: string, path: string): string[] {
  return yamlLib().parseAllDocuments(src, READ_OPTIONS).flatMap((doc) => {
    if (doc.errors.length) throw new ResourceListError(`${path}: is not valid YAML: ${firstLine(doc.errors[0]!.message)}`);
    const [start, , end] = doc.range;
    // A document's range starts at its `---` line: the item is what follows it.
    return doc.contents === null ? [] : [src.slice(start, end).replace(/^---[^\n]*\n/, "")];
  });
}

/** The text kpt would write for an item: an edited one from its document, path annotations dropped. */
export function fileText(item: Item): string {
  if (!item.edited) return item.source;
  const doc = item.edited.clone();
  // Only a file the function created carries them: kpt drops them when it writes.
  if (doc.hasIn(["metadata", "annotations", PATH_ANNOTATIONS[0]])) {
    for (const key of PATH_ANNOTATIONS) doc.deleteIn(["metadata", "annotations", key]);
    for (const path of [["metadata", "annotations"], ["metadata"]]) {
      if ((doc.getIn(path) as { items: unknown[] }).items.length === 0) doc.deleteIn(path);
    }
  }
  // kpt writes sequences unindented, the form the derived files are committed in.
  return doc.toString({ lineWidth: 0, indentSeq: false });
}

export function newItem(source: string): Item {
  const edited = yamlLib().parseDocument(source);
  const item = makeItem(source, undefined, -1, edited.toJS());
  item.edited = edited;
  return item;
}

export function writeResourceList(items: readonly Item[], results: readonly Result[]): string {
  const out = ["apiVersion: config.kubernetes.io/v1", "kind: ResourceList"];
  if (items.length === 0) out.push("items: []");
  else {
    out.push("items:");
    for (const item of items) out.push(item.edited || item.verbatim === undefined ? asSeqItem(item) : item.verbatim);
  }
  if (results.length) out.push(yamlLib().stringify({ results }, { lineWidth: 0 }).trimEnd());
  return `${out.join("\n")}\n`;
}

function asSeqItem(item: Item): string {
  const text = item.edited ? item.edited.toString({ lineWidth: 0 }) : item.source;
  return text
    .trimEnd()
    .split("\n")
    .map((l, i) => (i === 0 ? `- ${l}` : l === "" ? "" : `  ${l}`))
    .join("\n");
}
