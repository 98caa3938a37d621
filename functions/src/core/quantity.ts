/**
 * Kubernetes resource quantities exactly as k8s.io/apimachinery's
 * resource.ParseQuantity reads them: a decimal with an optional binary
 * (Ki..Ei), decimal (n..E) or exponent (e3, E-2) suffix, held as an exact
 * number of nano-units (rounded up, as the API server rounds), capped at
 * the API server's maximum. No floating point: `700m` and `0.7` are equal.
 * Negative values are rejected here: no resource request or limit may be one.
 */
const QUANTITY = /^\+?(\d*)(?:\.(\d*))?(?:([eE])([+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E))?$/;

const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, "": 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const NANO = 9;
/** The API server caps every quantity at 2^63-1 base units. */
const MAX_NANOS = ((1n << 63n) - 1n) * 10n ** BigInt(NANO);

/** The quantity in nano base units (nano-cores, nano-bytes), or undefined when it is not a valid non-negative quantity. */
export function parseQuantity(value: unknown): bigint | undefined {
  if (typeof value === "number") {
    // A YAML number reaches the API server as its JSON text, which JavaScript spells the same way.
    return Number.isFinite(value) ? parseQuantity(String(value)) : undefined;
  }
  if (typeof value !== "string") return undefined;
  const m = QUANTITY.exec(value);
  if (!m) return undefined;
  const [, whole = "", fraction = "", exponentMark, exponent, suffix = ""] = m;
  if (whole === "" && fraction === "") return undefined;
  // The API server reads the exponent as a 32-bit integer.
  if (exponentMark && Math.abs(Number(exponent)) > 2 ** 31 - 1) return undefined;
  const mantissa = BigInt(`${whole}${fraction}` || "0");
  if (mantissa === 0n) return 0n;
  const pow10 = NANO - fraction.length + (exponentMark ? Number(exponent) : (DECIMAL[suffix] ?? 0));
  const pow2 = BINARY[suffix] ?? 0;
  // Orders of magnitude first, so `1e999999999` costs nothing: far above the cap, or far below one nano-unit.
  const magnitude = mantissa.toString().length + pow10 + Math.ceil(pow2 * Math.log10(2));
  if (magnitude > 40) return MAX_NANOS;
  if (magnitude < -1) return 1n;
  const scaled = mantissa << BigInt(pow2);
  const nanos = pow10 >= 0 ? scaled * 10n ** BigInt(pow10) : ceilDiv(scaled, 10n ** BigInt(-pow10));
  return nanos > MAX_NANOS ? MAX_NANOS : nanos;
}

const ceilDiv = (a: bigint, b: bigint): bigint => (a + b - 1n) / b;
