import { describe, expect, test } from "vitest";
import { parseQuantity } from "../../src/quantity.js";

describe("parseQuantity", () => {
  test.each([
    ["250m", 0.25],
    ["1", 1],
    ["0.5", 0.5],
    ["1Gi", 2 ** 30],
    ["512Mi", 512 * 2 ** 20],
    ["1e3", 1000],
    ["2k", 2000],
    ["1000m", 1],
    [".5", 0.5],
  ])("%s is %d base units", (q, value) => {
    expect(parseQuantity(q)).toBeCloseTo(value, 9);
  });

  test("a YAML number is a quantity", () => {
    expect(parseQuantity(2)).toBe(2);
    expect(parseQuantity(0.5)).toBe(0.5);
  });

  // Each of these is refused by the API server, so each must be refused here.
  test.each(["1Gb", "-1", "500mi", "", "1 Gi", "1.5.5", "Gi", "1GiB", " 1", "0x10"])("%j is not a quantity", (q) => {
    expect(parseQuantity(q)).toBeUndefined();
  });

  test("negative, infinite and non-numeric values are not quantities", () => {
    for (const v of [-1, Number.POSITIVE_INFINITY, Number.NaN, null, undefined, true, {}]) expect(parseQuantity(v)).toBeUndefined();
  });

  test("binary and decimal suffixes differ", () => {
    expect(parseQuantity("1Mi")!).toBeGreaterThan(parseQuantity("1M")!);
    expect(parseQuantity("1G")).toBe(1e9);
  });
});
