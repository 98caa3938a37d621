/**
 * Property tests of quantities: fast-check picks an exact amount of
 * nano-units and spells it every way the API server accepts; every spelling
 * must read as that amount, and request-above-limit must be decided on the
 * amounts alone, whatever the spellings.
 */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { parseQuantity } from "../../src/core/quantity.ts";
import { checkResources } from "../../src/checks/resources.ts";
import { container, deployment, policy, view } from "../support/hand-built-overlay.ts";

const NANO = 10n ** 9n;
const amount = fc.bigInt({ min: 0n, max: 10n ** 18n });

/** A decimal spelling of nanos × 10^-9, with or without an exponent. */
function decimal(nanos: bigint, exponentForm: boolean): string {
  const digits = nanos.toString().padStart(10, "0");
  const whole = digits.slice(0, -9).replace(/^0+(?=\d)/, "");
  const fraction = digits.slice(-9).replace(/0+$/, "");
  if (!exponentForm) return fraction ? `${whole}.${fraction}` : whole;
  const mantissa = nanos.toString().replace(/0+$/, "") || "0";
  const exponent = nanos.toString().length - mantissa.length - 9;
  return `${mantissa}e${exponent}`;
}

/** Every spelling of the amount that is exact. */
function spellings(nanos: bigint): string[] {
  const out = [`${nanos}n`, decimal(nanos, false), decimal(nanos, true), decimal(nanos, false).replace(/^/, "+")];
  const unit = (scale: bigint, suffix: string) => {
    if (nanos % scale === 0n) out.push(`${nanos / scale}${suffix}`);
  };
  unit(1000n, "u");
  unit(10n ** 6n, "m");
  unit(10n ** 12n, "k");
  unit(10n ** 15n, "M");
  unit(1024n * NANO, "Ki");
  unit(1024n ** 2n * NANO, "Mi");
  if (nanos % NANO === 0n) out.push(`${nanos / NANO}E0`, `${nanos / NANO}.`);
  return out;
}

describe("quantities, generated", () => {
  test("every spelling of an amount reads as exactly that amount", () => {
    fc.assert(fc.property(amount, (nanos) => {
      for (const q of spellings(nanos)) expect(parseQuantity(q), q).toBe(nanos);
    }), { numRuns: 2000 });
  });

  test("request above limit is decided on the amounts, whatever the spellings", () => {
    const spelled = amount.chain((n) => fc.constantFrom(...spellings(n)).map((q) => ({ n, q })));
    fc.assert(fc.property(spelled, spelled, (request, limit) => {
      const resources = { requests: { cpu: request.q, memory: "1Gi" }, limits: { cpu: limit.q, memory: "1Gi" } };
      const found = checkResources(view([deployment("app", "app", [container("app", "app:1", resources)])]), policy())
        .map((r) => r.field?.path);
      expect(found.includes("spec.template.spec.containers[0].resources.requests.cpu")).toBe(request.n > limit.n);
    }), { numRuns: 1000 });
  });
});
