/**
 * Core: the annotations with which kustomize and kpt keep track of each item while a function runs
 * (its position and identity in the list). They never reach the cluster, since both tools strip
 * them from what they write, and no check reads them; yet they are a large share of a build's text,
 * and parsing was most of the plugin's time. The reader leaves them out of what it parses; the items
 * keep their full text for output.
 */

/** The annotations left out: every one a tool adds to every item, none the function reads. */
export const BOOKKEEPING_ANNOTATIONS: readonly string[] = [
  "config.kubernetes.io/index",
  "internal.config.kubernetes.io/index",
  "internal.config.kubernetes.io/id",
  "internal.config.kubernetes.io/annotations-migration-resource-id",
  "config.k8s.io/id",
  "kustomize.config.k8s.io/id",
];

const KEYS = BOOKKEEPING_ANNOTATIONS.map((k) => k.replace(/[./]/g, "\\$&")).join("|");
/** An entry as kyaml writes one: a single-quoted string on its line, or a literal block. */
const ENTRY = new RegExp(`^    (${KEYS}): (?:'[^']*'|(\\|[-+]?))$`);
/** A plain key and the colon after it: what starts a mapping entry as kyaml writes it. */
const KEY = /^[^\s#'"&*!|>%@`{}[\],?:-][^#]*?:(?: |$)/;
// Only spaces indent YAML; a tab is content.
const indent = (line: string) => line.length - line.replace(/^ +/, "").length;
const blank = (line: string) => /^ *$/.test(line);
const isComment = (line: string) => /^ *#/.test(line);

/**
 * The lines of an item (its root mapping at the left margin) without the bookkeeping entries of its
 * `metadata.annotations`, and without that key when nothing else is left in it. Only the block
 * layout kyaml writes, two spaces a level, is recognised: anything else comes back as it was, whole.
 */
export function withoutBookkeeping(lines: readonly string[]): readonly string[] {
  const metadata = lineOf(lines, "metadata:");
  const keys = metadata === undefined ? undefined : metadataKeys(lines, metadata);
  const annotations = keys?.filter((k) => k.name === "annotations");
  // A second annotations key is one YAML refuses, which must stay for the reader to refuse it.
  if (!keys || annotations?.length !== 1 || lines[annotations[0]!.at] !== "  annotations:") return lines;
  const start = annotations[0]!.at;
  const kept: string[] = [];
  const dropped = new Set<string>();
  let i = start + 1;
  // The annotations run until a line two spaces in or fewer that is neither blank nor a comment.
  while (i < lines.length && isWithinKey(lines[i]!)) {
    const line = lines[i]!;
    if (blank(line) || isComment(line)) {
      kept.push(line);
      i++;
      continue;
    }
    // Entries sit four spaces in and start with a plain key; any other start is a layout this does not read.
    if (!isKeyAt(line, 4)) return lines;
    let end = i + 1;
    while (end < lines.length && (blank(lines[end]!) || indent(lines[end]!) > 4)) end++;
    const entry = ENTRY.exec(line);
    if (entry) {
      // A quoted string ends on its line, and a literal block's lines stay as far in as its first:
      // anything else is a text YAML refuses, which must stay for the reader to refuse it. So must
      // a key given twice.
      const content = lines.slice(i + 1, end).filter((l) => !blank(l));
      if (!entry[2] ? content.length > 0 : content.some((l) => indent(l) < indent(content[0]!))) return lines;
      if (dropped.has(entry[1]!)) return lines;
      dropped.add(entry[1]!);
    } else kept.push(...lines.slice(i, end));
    i = end;
  }
  const keepsEntries = kept.some((l) => !blank(l) && !isComment(l));
  // Every object has a name, so metadata always keeps a key; one that would be left empty is no object's.
  if (dropped.size === 0 || (!keepsEntries && keys.length === 1)) return lines;
  return [...lines.slice(0, keepsEntries ? start + 1 : start), ...(keepsEntries ? kept : []), ...lines.slice(i)];
}

/** A line that starts a mapping entry with a plain key, `n` spaces in. */
function isKeyAt(line: string, n: number): boolean {
  return indent(line) === n && KEY.test(line.slice(n));
}

/** A line that belongs to the value of a key two spaces in: blank, a comment, or further in. */
const isWithinKey = (line: string) => blank(line) || isComment(line) || indent(line) > 2;

function lineOf(lines: readonly string[], text: string): number | undefined {
  const at = lines.indexOf(text);
  return at < 0 ? undefined : at;
}

/**
 * Metadata's keys and their lines, when each sits two spaces in and metadata ends at the next line
 * at the left margin, as kyaml writes them; anything else is a layout this does not read.
 */
function metadataKeys(lines: readonly string[], metadata: number): { name: string; at: number }[] | undefined {
  const keys: { name: string; at: number }[] = [];
  for (let i = metadata + 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (blank(line) || isComment(line)) continue;
    if (indent(line) === 0) break;
    if (!isKeyAt(line, 2)) return undefined;
    keys.push({ name: line.slice(2, line.indexOf(":", 2)), at: i });
    while (i + 1 < lines.length && isWithinKey(lines[i + 1]!)) i++;
  }
  return keys;
}
