/**
 * Kubernetes resource quantities (k8s.io/apimachinery resource.Quantity):
 * a non-negative decimal with an optional binary (Ki..Ei), decimal (n..E)
 * or exponent (e3) suffix. Anything else is rejected by the API server, so
 * it is rejected here first, where the error can name the file.
 */
const QUANTITY = /^\+?(\d+(?:\.\d*)?|\.\d+)(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E))?$/;

const SUFFIX: Record<string, number> = {
  n: 1e-9, u: 1e-6, m: 1e-3, "": 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/** The quantity's value in base units (cores, bytes), or undefined when it is not a valid quantity. */
export function parseQuantity(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) && value >= 0 ? value : undefined;
  if (typeof value !== "string") return undefined;
  const m = QUANTITY.exec(value);
  if (!m) return undefined;
  const [, digits = "", exponent, suffix = ""] = m;
  const base = Number(digits);
  const scale = exponent ? 10 ** Number(exponent.slice(1)) : (SUFFIX[suffix] ?? 1);
  const out = base * scale;
  return Number.isFinite(out) ? out : undefined;
}
