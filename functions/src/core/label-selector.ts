/**
 * Kubernetes label selectors (matchLabels, matchExpressions) over plain label maps. An operator the
 * API does not define is reported by the caller, never treated as a match or a miss.
 */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
}

export const SELECTOR_OPERATORS = ["In", "NotIn", "Exists", "DoesNotExist"];

/** Operators in the selector that are not the API's four. */
export const unknownOperators = (selector: LabelSelector | undefined): string[] =>
  (selector?.matchExpressions ?? []).map((e) => e?.operator).filter((op) => !SELECTOR_OPERATORS.includes(op));

export function selects(selector: LabelSelector | undefined, labels: Record<string, string>): boolean {
  const byLabel = Object.entries(selector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  return byLabel && (selector?.matchExpressions ?? []).every((e) => {
    const has = Object.hasOwn(labels, e.key);
    const listed = (e.values ?? []).includes(labels[e.key]!);
    if (e.operator === "In") return has && listed;
    if (e.operator === "NotIn") return !has || !listed;
    if (e.operator === "Exists") return has;
    return !has;
  });
}

/** A Service's selector is a plain map: every pair must be on the pod. */
export const selectsByMap = (selector: Record<string, string>, labels: Record<string, string>): boolean =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);
