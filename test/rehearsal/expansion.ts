/**
 * `$(VAR)` references in env values, command, args and subPathExpr, read the way the kubelet's
 * third_party/forked/golang/expansion package reads them.
 *
 *   expand(input, lookup): string   lookup returns undefined for an unknown name
 *   lookupIn(...maps): lookup       the first map holding the name wins
 *
 * Rules: `$(NAME)` is replaced when NAME is known and left as written when not; `$$` is one `$`
 * (so `$$(NAME)` is the literal `$(NAME)`); a `$` before any other character, or a `$(` with no
 * closing parenthesis, is copied unchanged. Go walks bytes and this walks UTF-16 units; they differ
 * only for a `$` directly before a non-ASCII character, which Go copies as a mangled byte.
 */
export type Lookup = (name: string) => string | undefined;

export function expand(input: string, lookup: Lookup): string {
  let out = "";
  let i = 0;
  while (i < input.length) {
    const c = input[i]!;
    if (c !== "$" || i + 1 >= input.length) {
      out += c;
      i += 1;
      continue;
    }
    const next = input[i + 1]!;
    if (next === "$") {
      out += "$";
      i += 2;
    } else if (next === "(") {
      const close = input.indexOf(")", i + 2);
      if (close < 0) {
        out += "$(";
        i += 2;
      } else {
        const name = input.slice(i + 2, close);
        out += lookup(name) ?? `$(${name})`;
        i = close + 1;
      }
    } else {
      out += "$" + next;
      i += 2;
    }
  }
  return out;
}

export const lookupIn =
  (...maps: ReadonlyMap<string, string>[]): Lookup =>
  (name) => {
    for (const m of maps) if (m.has(name)) return m.get(name);
    return undefined;
  };
