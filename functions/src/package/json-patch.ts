/**
 * JSON 6902 patches (RFC 6902) as kustomize applies them: every operation
 * in order on one object, in place, any failure (a `test` that does not
 * hold, a path that does not exist) failing the whole build, so the caller
 * discards a partly patched object. Negative list indices, which kustomize's
 * library also reads, are reported as not existing: the caller refuses them.
 */
export interface Operation {
  op: string;
  path: string;
  from?: string;
  value?: unknown;
}

type Container = Record<string, unknown> | unknown[];

export function applyJsonPatch(doc: unknown, ops: readonly Operation[]): { doc: unknown } | { problem: string } {
  let current = doc;
  for (const [i, op] of ops.entries()) {
    const outcome = applyOne(current, op);
    if ("problem" in outcome) return { problem: `operation ${i} (${op.op} ${op.path}): ${outcome.problem}` };
    current = outcome.doc;
  }
  return { doc: current };
}

/** Why a parsed patch is not a list of well-formed operations, or undefined. */
export function operationsProblem(ops: unknown): string | undefined {
  if (!Array.isArray(ops)) return "is not a list of operations";
  for (const [i, op] of ops.entries()) {
    if (typeof op !== "object" || op === null) return `operation ${i} is not a mapping`;
    if (!["add", "remove", "replace", "move", "copy", "test"].includes(op.op)) return `operation ${i} has the unknown op ${JSON.stringify(op.op)}`;
    if (typeof op.path !== "string") return `operation ${i} has no path`;
    if ((op.op === "move" || op.op === "copy") && typeof op.from !== "string") return `operation ${i} (${op.op}) has no from`;
    if (["add", "replace", "test"].includes(op.op) && !("value" in op)) return `operation ${i} (${op.op}) has no value`;
  }
  return undefined;
}

function applyOne(doc: unknown, op: Operation): { doc: unknown } | { problem: string } {
  switch (op.op) {
    case "test": {
      const found = get(doc, op.path);
      if ("problem" in found) return found;
      return deepEqual(found.value, op.value) ? { doc } : { problem: `the value is ${JSON.stringify(found.value)}, not ${JSON.stringify(op.value)}` };
    }
    case "remove":
      return remove(doc, op.path);
    case "add":
      return add(doc, op.path, structuredClone(op.value));
    case "replace": {
      const removed = remove(doc, op.path);
      return "problem" in removed ? removed : add(removed.doc, op.path, structuredClone(op.value));
    }
    case "copy": {
      const found = get(doc, op.from!);
      return "problem" in found ? found : add(doc, op.path, structuredClone(found.value));
    }
    case "move": {
      if (op.path.startsWith(`${op.from}/`)) return { problem: "cannot move a value into itself" };
      const found = get(doc, op.from!);
      if ("problem" in found) return found;
      const removed = remove(doc, op.from!);
      return "problem" in removed ? removed : add(removed.doc, op.path, found.value);
    }
    default:
      return { problem: `unknown op ${JSON.stringify(op.op)}` };
  }
}

function tokens(pointer: string): string[] | undefined {
  if (pointer === "") return [];
  if (!pointer.startsWith("/")) return undefined;
  return pointer.slice(1).split("/").map((t) => t.replace(/~1/g, "/").replace(/~0/g, "~"));
}

const isContainer = (v: unknown): v is Container => typeof v === "object" && v !== null;
const INDEX = /^(0|[1-9]\d*)$/;

/** The parent container of a pointer's target and the last token, or why there is none. */
function parentOf(doc: unknown, pointer: string): { parent: Container; key: string } | { problem: string } {
  const path = tokens(pointer);
  if (!path) return { problem: `"${pointer}" is not a JSON pointer` };
  if (path.length === 0) return { problem: "the whole document cannot be the target" };
  let node: unknown = doc;
  for (const t of path.slice(0, -1)) {
    const next = child(node, t);
    if (next === undefined) return { problem: `"${pointer}" does not exist` };
    node = next;
  }
  return isContainer(node) ? { parent: node, key: path[path.length - 1]! } : { problem: `"${pointer}" does not exist` };
}

function child(node: unknown, t: string): unknown {
  if (Array.isArray(node)) return INDEX.test(t) ? node[Number(t)] : undefined;
  if (isContainer(node) && Object.hasOwn(node, t)) return (node as Record<string, unknown>)[t];
  return undefined;
}

function get(doc: unknown, pointer: string): { value: unknown } | { problem: string } {
  const path = tokens(pointer);
  if (!path) return { problem: `"${pointer}" is not a JSON pointer` };
  let node: unknown = doc;
  for (const t of path) {
    node = child(node, t);
    if (node === undefined) return { problem: `"${pointer}" does not exist` };
  }
  return { value: node };
}

function add(doc: unknown, pointer: string, value: unknown): { doc: unknown } | { problem: string } {
  const at = parentOf(doc, pointer);
  if ("problem" in at) return at;
  const { parent, key } = at;
  if (Array.isArray(parent)) {
    const index = key === "-" ? parent.length : INDEX.test(key) ? Number(key) : -1;
    if (index < 0 || index > parent.length) return { problem: `"${pointer}" is not an index of the list` };
    parent.splice(index, 0, value);
  } else {
    parent[key] = value;
  }
  return { doc };
}

function remove(doc: unknown, pointer: string): { doc: unknown } | { problem: string } {
  const at = parentOf(doc, pointer);
  if ("problem" in at) return at;
  const { parent, key } = at;
  if (child(parent, key) === undefined) return { problem: `"${pointer}" does not exist` };
  if (Array.isArray(parent)) parent.splice(Number(key), 1);
  else delete parent[key];
  return { doc };
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  }
  if (!isContainer(a) || !isContainer(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && deepEqual((a as any)[k], (b as any)[k]));
}
