import { describe, expect, test } from "vitest";
import { type LabelSelector, selects, selectsByMap, unknownOperators } from "../../src/core/label-selector.ts";

const POD = { app: "medusa", tier: "web" };

describe("selects: a LabelSelector as the API server reads it", () => {
  test.each<[string, LabelSelector | undefined, boolean]>([
    ["no selector", undefined, true],
    ["an empty selector", {}, true],
    ["matching labels", { matchLabels: { app: "medusa", tier: "web" } }, true],
    ["one label that differs", { matchLabels: { app: "medusa", tier: "db" } }, false],
    ["a label the pod lacks", { matchLabels: { zone: "a" } }, false],
    ["In, listed", { matchExpressions: [{ key: "tier", operator: "In", values: ["db", "web"] }] }, true],
    ["In, not listed", { matchExpressions: [{ key: "tier", operator: "In", values: ["db"] }] }, false],
    ["In, without values", { matchExpressions: [{ key: "tier", operator: "In" }] }, false],
    ["In, a label the pod lacks", { matchExpressions: [{ key: "zone", operator: "In", values: ["a"] }] }, false],
    ["NotIn, listed", { matchExpressions: [{ key: "tier", operator: "NotIn", values: ["web"] }] }, false],
    ["NotIn, not listed", { matchExpressions: [{ key: "tier", operator: "NotIn", values: ["db"] }] }, true],
    ["NotIn, a label the pod lacks", { matchExpressions: [{ key: "zone", operator: "NotIn", values: ["a"] }] }, true],
    ["Exists", { matchExpressions: [{ key: "tier", operator: "Exists" }] }, true],
    ["Exists, a label the pod lacks", { matchExpressions: [{ key: "zone", operator: "Exists" }] }, false],
    ["Exists, a name every object has", { matchExpressions: [{ key: "constructor", operator: "Exists" }] }, false],
    ["DoesNotExist", { matchExpressions: [{ key: "zone", operator: "DoesNotExist" }] }, true],
    ["DoesNotExist, a label the pod has", { matchExpressions: [{ key: "app", operator: "DoesNotExist" }] }, false],
    ["labels and expressions, both holding", { matchLabels: { app: "medusa" }, matchExpressions: [{ key: "tier", operator: "Exists" }] }, true],
    ["labels holding, an expression not", { matchLabels: { app: "medusa" }, matchExpressions: [{ key: "zone", operator: "Exists" }] }, false],
    ["an expression holding, labels not", { matchLabels: { app: "x" }, matchExpressions: [{ key: "tier", operator: "Exists" }] }, false],
    ["every expression must hold", { matchExpressions: [{ key: "tier", operator: "Exists" }, { key: "app", operator: "In", values: ["x"] }] }, false],
  ])("%s", (_, selector, selected) => {
    expect(selects(selector, POD)).toBe(selected);
  });
});

describe("unknownOperators", () => {
  test("names the operators that are not the API's four, in order", () => {
    expect(unknownOperators({
      matchExpressions: [
        { key: "a", operator: "In", values: ["x"] }, { key: "b", operator: "Equals" }, { key: "c", operator: "NotIn", values: [] },
        { key: "d", operator: "Exists" }, { key: "e", operator: "DoesNotExist" }, { key: "f", operator: "in" },
      ],
    })).toEqual(["Equals", "in"]);
  });

  test("a selector without expressions has none", () => {
    expect(unknownOperators(undefined)).toEqual([]);
    expect(unknownOperators({ matchLabels: { a: "b" } })).toEqual([]);
  });
});

describe("selectsByMap: a Service's selector", () => {
  test.each<[Record<string, string>, boolean]>([
    [{}, true],
    [{ app: "medusa" }, true],
    [{ app: "medusa", tier: "web" }, true],
    [{ app: "medusa", tier: "db" }, false],
    [{ zone: "a" }, false],
  ])("%j", (selector, selected) => {
    expect(selectsByMap(selector, POD)).toBe(selected);
  });
});
