import { describe, expect, test } from "vitest";
import { parseQuantity } from "../../src/core/quantity.ts";

const NANO = 10n ** 9n;

describe("parseQuantity: exact nano-units, as the API server reads them", () => {
  test.each([
    ["250m", NANO / 4n],
    ["1", NANO],
    ["0.5", NANO / 2n],
    ["1Gi", (1n << 30n) * NANO],
    ["512Mi", 512n * (1n << 20n) * NANO],
    ["1e3", 1000n * NANO],
    ["1E3", 1000n * NANO],
    ["1.5e-3", 1_500_000n],
    ["+2", 2n * NANO],
    ["2k", 2000n * NANO],
    ["1000m", NANO],
    [".5", NANO / 2n],
    ["1.", NANO],
    ["1E", 10n ** 18n * NANO],
    ["5n", 5n],
    ["3u", 3000n],
    ["0", 0n],
    ["0.0Gi", 0n],
  ])("%s is %s nano-units", (q, nanos) => {
    expect(parseQuantity(q)).toBe(nanos);
  });

  test("every spelling of 0.7 cores is the same quantity", () => {
    for (const q of ["700m", "0.7", "0.70", "7e-1", "7E-1", "700000u", "700000000n", "0.0007k", 0.7]) expect(parseQuantity(q), String(q)).toBe(700_000_000n);
  });

  test("a YAML number is a quantity, spelled as its JSON text", () => {
    expect(parseQuantity(2)).toBe(2n * NANO);
    expect(parseQuantity(0.5)).toBe(NANO / 2n);
    expect(parseQuantity(1e-7)).toBe(100n);
    expect(parseQuantity(1e21)).toBe(((1n << 63n) - 1n) * NANO);
  });

  test("below one nano-unit rounds up, above 2^63-1 base units is capped, as the API server does", () => {
    expect(parseQuantity("0.1n")).toBe(1n);
    expect(parseQuantity("1.5n")).toBe(2n);
    expect(parseQuantity("1.0n")).toBe(1n);
    expect(parseQuantity("10e-10")).toBe(1n);
    expect(parseQuantity("0e-99999")).toBe(0n);
    expect(parseQuantity("1e2147483647")).toBe(((1n << 63n) - 1n) * NANO);
    expect(parseQuantity("1e-2147483647")).toBe(1n);
    expect(parseQuantity("1e-99999")).toBe(1n);
    expect(parseQuantity("1e999999999")).toBe(((1n << 63n) - 1n) * NANO);
    expect(parseQuantity("9Ei")).toBe(((1n << 63n) - 1n) * NANO);
  });

  // Each of these is refused by the API server (or, negative, by its resource validation).
  test.each(["1Gb", "-1", "500mi", "", "1 Gi", "1.5.5", "Gi", "1GiB", " 1", "0x10", ".", "1e", "1e3Ki", "1KI", "1e99999999999", "Infinity", "NaN"])(
    "%j is not a quantity", (q) => {
      expect(parseQuantity(q)).toBeUndefined();
    });

  test("negative, infinite and non-numeric values are not quantities", () => {
    for (const v of [-1, Number.POSITIVE_INFINITY, Number.NaN, null, undefined, true, {}, [], 1n]) expect(parseQuantity(v)).toBeUndefined();
  });

  test("binary and decimal suffixes differ", () => {
    expect(parseQuantity("1Mi")!).toBeGreaterThan(parseQuantity("1M")!);
    expect(parseQuantity("1G")).toBe(10n ** 9n * NANO);
  });
});
