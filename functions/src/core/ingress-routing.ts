/**
 * Which Ingress path answers a request, as the Ingress API defines it: all rules for one host
 * count together, whichever Ingress holds them; the longest matching path wins and, at equal
 * length, Exact beats Prefix. ImplementationSpecific is matched as Prefix, which is what
 * ingress-nginx does without its regex annotation.
 */
export interface PathRule<T> {
  path: string;
  pathType: string;
  target: T;
}

const elements = (path: string): string[] => path.split("/").filter((e) => e !== "");

// A Prefix path's trailing slash does not make it longer: `/app/` and `/app` match the same requests.
const weight = (rule: PathRule<unknown>): number => (rule.pathType === "Exact" ? rule.path : rule.path.replace(/\/+$/, "")).length;

function matches(rule: PathRule<unknown>, request: string): boolean {
  if (rule.pathType === "Exact") return rule.path === request;
  const want = elements(rule.path);
  const got = elements(request);
  return want.length <= got.length && want.every((e, i) => got[i] === e);
}

/** The rule that serves `request`, or undefined when no path of the host matches it. */
export function routeOf<T>(rules: readonly PathRule<T>[], request: string): PathRule<T> | undefined {
  let best: PathRule<T> | undefined;
  for (const rule of rules) {
    if (!matches(rule, request)) continue;
    const longer = !best || weight(rule) > weight(best);
    const exactOverPrefix = best !== undefined && weight(rule) === weight(best) && rule.pathType === "Exact" && best.pathType !== "Exact";
    if (longer || exactOverPrefix) best = rule;
  }
  return best;
}
