import { Document, parse, parseDocument, stringify } from "yaml";
import type { Result } from "./results.ts";

/**
 * The ResourceList layer. Items the function leaves alone are passed through
 * as the exact text they arrived in: no re-serialising (kpt would otherwise
 * rewrite the quoting of every file) and no parsing cost for kinds the
 * function never reads. Items it edits go through the `yaml` Document API,
 * which keeps their comments and scalar styles.
 */
export interface Item {
  /** The item as a standalone YAML document (its lines, dedented). */
  readonly source: string;
  readonly kind: string;
  readonly apiVersion: string;
  /** The package-relative file kpt read it from; absent after a kustomize build. */
  readonly path: string | undefined;
  /** metadata.name, read without parsing the item. */
  readonly name: string;
  /** Plain data, parsed on first use. */
  object(): any;
  /** Whether object() has been called. */
  readonly parsed: boolean;
  /** Set when the item is edited; written instead of `source`. */
  edited?: Document;
  /** The original text inside the ResourceList, when it can be reused verbatim. */
  readonly verbatim: string | undefined;
}

export interface ResourceListIn {
  items: Item[];
  functionConfig: unknown;
}

const LIST_KEY = /^items:[ \t]*(#.*)?$/m;
const SEQ_ENTRY = /^-( |$)/;

export function readResourceList(src: string): ResourceListIn {
  const fast = splitItems(src);
  if (fast) return fast;
  // Anything but the block layout kpt and kustomize write (JSON, flow style) takes the slow, general path.
  const doc = parseDocument(src);
  if (doc.errors.length) throw new Error(`input is not a valid ResourceList: ${doc.errors[0]!.message}`);
  const root = doc.toJS() ?? {};
  const items = (root.items ?? []).map((o: unknown) => makeItem(stringify(o), undefined));
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
      if (current) items.push(fromLines(current, indent));
      current = [line];
      continue;
    }
    if (!blank && col <= indent) {
      rest = i;
      break;
    }
    current?.push(line);
  }
  if (current) items.push(fromLines(current, indent));
  const tail = lines.slice(rest).join("\n");
  const envelope = parse(`${head}\n${tail}`) ?? {};
  if (envelope.kind !== "ResourceList") return undefined;
  return { items, functionConfig: envelope.functionConfig };
}

function fromLines(lines: string[], indent: number): Item {
  while (lines.length > 1 && lines[lines.length - 1]!.trim() === "") lines.pop();
  const verbatim = lines.join("\n");
  const pad = indent + 2;
  const body = lines.map((l, i) => (i === 0 ? " ".repeat(indent) + "  " + l.slice(indent + 1).replace(/^ /, "") : l))
    .map((l) => (l.slice(0, pad).trim() === "" ? l.slice(pad) : l.trimStart()))
    .join("\n");
  return makeItem(body, indent === 0 ? verbatim : undefined);
}

const KIND = /^kind:[ \t]*(.*?)[ \t]*$/m;
const API_VERSION = /^apiVersion:[ \t]*(.*?)[ \t]*$/m;
const field = (src: string, pattern: RegExp): string => {
  const m = pattern.exec(src);
  return m ? unquote(m[1]!) : "";
};
const PATH = /^[ \t]+(?:internal\.)?config\.kubernetes\.io\/path:[ \t]*(.*?)[ \t]*$/m;
const unquote = (v: string) => v.replace(/^'(.*)'$/, "$1").replace(/^"(.*)"$/, "$1");

function makeItem(source: string, verbatim: string | undefined): Item {
  let parsed: any;
  const object = () => {
    if (parsed === undefined) parsed = parse(source) ?? {};
    return parsed;
  };
  const p = PATH.exec(source);
  let kind = field(source, KIND);
  let apiVersion = field(source, API_VERSION);
  let path = p ? unquote(p[1]!) : undefined;
  // Flow style (`{kind: Service, ...}`) or anything else the line scan misses: read it properly.
  if (!kind) {
    const o = object();
    kind = String(o?.kind ?? "");
    apiVersion = String(o?.apiVersion ?? "");
    const annotations = o?.metadata?.annotations ?? {};
    path = annotations["internal.config.kubernetes.io/path"] ?? annotations["config.kubernetes.io/path"];
  }
  return {
    source,
    verbatim,
    kind,
    apiVersion,
    path,
    get name() {
      return metadataName(source) ?? String(this.object()?.metadata?.name ?? "");
    },
    get parsed() {
      return parsed !== undefined;
    },
    object,
  };
}

const METADATA_BLOCK = /^metadata:[ \t]*\n((?:(?:[ \t]+.*|[ \t]*)(?:\n|$))*)/m;
const NAME = /^ {2}name:[ \t]*(.*?)[ \t]*$/m;

/** Block-style metadata's name; undefined when the layout is anything else. */
function metadataName(source: string): string | undefined {
  const block = METADATA_BLOCK.exec(source)?.[1];
  const m = block ? NAME.exec(block) : undefined;
  return m ? unquote(m[1]!) : undefined;
}

/** The item as a Document to edit; from then on it is written from that document. */
export function editable(item: Item): Document {
  if (!item.edited) item.edited = parseDocument(item.source);
  return item.edited;
}

export function newItem(source: string): Item {
  const item = makeItem(source, undefined);
  item.edited = parseDocument(source);
  return item;
}

export function writeResourceList(items: readonly Item[], results: readonly Result[]): string {
  const out = ["apiVersion: config.kubernetes.io/v1", "kind: ResourceList"];
  if (items.length === 0) out.push("items: []");
  else {
    out.push("items:");
    for (const item of items) out.push(item.edited || item.verbatim === undefined ? asSeqItem(item) : item.verbatim);
  }
  if (results.length) out.push(stringify({ results }, { lineWidth: 0 }).trimEnd());
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
