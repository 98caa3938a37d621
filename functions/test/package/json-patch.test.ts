import { describe, expect, test } from "vitest";
import { type Operation, applyJsonPatch, operationsProblem } from "../../src/package/json-patch.ts";

const doc = () => ({ spec: { list: [{ name: "a" }, { name: "b" }], value: 1 } });
const problemOf = (target: unknown, ops: Operation[]) => {
  const out = applyJsonPatch(target, ops);
  return "problem" in out ? out.problem : undefined;
};

describe("applyJsonPatch: RFC 6902 as kustomize applies it", () => {
  test("add, remove, replace, move, copy and test, in order", () => {
    const out = applyJsonPatch(doc(), [
      { op: "test", path: "/spec/list/0/name", value: "a" },
      { op: "replace", path: "/spec/list/0/name", value: "z" },
      { op: "add", path: "/spec/list/-", value: { name: "c" } },
      { op: "add", path: "/spec/list/0", value: { name: "first" } },
      { op: "remove", path: "/spec/value" },
      { op: "copy", from: "/spec/list/1", path: "/spec/copied" },
      { op: "move", from: "/spec/copied", path: "/spec/moved" },
      { op: "add", path: "/spec/a~1b~0c", value: true },
    ]);
    expect(out).toEqual({ doc: { spec: { list: [{ name: "first" }, { name: "z" }, { name: "b" }, { name: "c" }], moved: { name: "z" }, "a/b~c": true } } });
  });

  test.each([
    [{ op: "test", path: "/spec/value", value: 2 }, 'operation 0 (test /spec/value): the value is 1, not 2'],
    [{ op: "replace", path: "/spec/missing", value: 1 }, 'operation 0 (replace /spec/missing): "/spec/missing" does not exist'],
    [{ op: "remove", path: "/spec/list/5" }, 'operation 0 (remove /spec/list/5): "/spec/list/5" does not exist'],
    [{ op: "remove", path: "/spec/value/x" }, 'operation 0 (remove /spec/value/x): "/spec/value/x" does not exist'],
    [{ op: "add", path: "/spec/list/9", value: 1 }, 'operation 0 (add /spec/list/9): "/spec/list/9" is not an index of the list'],
    [{ op: "add", path: "/spec/list/x", value: 1 }, 'operation 0 (add /spec/list/x): "/spec/list/x" is not an index of the list'],
    [{ op: "add", path: "/spec/list/1x", value: 1 }, 'operation 0 (add /spec/list/1x): "/spec/list/1x" is not an index of the list'],
    [{ op: "add", path: "/spec/list/01", value: 1 }, 'operation 0 (add /spec/list/01): "/spec/list/01" is not an index of the list'],
    [{ op: "add", path: "/nope/deeper", value: 1 }, 'operation 0 (add /nope/deeper): "/nope/deeper" does not exist'],
    [{ op: "add", path: "/spec/value/x", value: 1 }, 'operation 0 (add /spec/value/x): "/spec/value/x" does not exist'],
    [{ op: "replace", path: "/spec/list/-1", value: 1 }, 'operation 0 (replace /spec/list/-1): "/spec/list/-1" does not exist'],
    [{ op: "replace", path: "/spec/list/01", value: 1 }, 'operation 0 (replace /spec/list/01): "/spec/list/01" does not exist'],
    [{ op: "test", path: "/spec/list/-", value: 1 }, 'operation 0 (test /spec/list/-): "/spec/list/-" does not exist'],
    [{ op: "add", path: "spec", value: 1 }, 'operation 0 (add spec): "spec" is not a JSON pointer'],
    [{ op: "test", path: "spec", value: 1 }, 'operation 0 (test spec): "spec" is not a JSON pointer'],
    [{ op: "add", path: "", value: 1 }, "operation 0 (add ): the whole document cannot be the target"],
    [{ op: "copy", from: "/spec/missing", path: "/spec/x" }, 'operation 0 (copy /spec/x): "/spec/missing" does not exist'],
    [{ op: "move", from: "/spec/missing", path: "/spec/x" }, 'operation 0 (move /spec/x): "/spec/missing" does not exist'],
    [{ op: "move", from: "/spec", path: "/spec/list/0" }, "operation 0 (move /spec/list/0): cannot move a value into itself"],
    [{ op: "move", from: "/spec/value", path: "/spec/list/7" }, 'operation 0 (move /spec/list/7): "/spec/list/7" is not an index of the list'],
    [{ op: "frobnicate", path: "/spec" }, 'operation 0 (frobnicate /spec): unknown op "frobnicate"'],
  ])("%j fails the patch, as it fails kustomize build", (op, problem) => {
    expect(problemOf(doc(), [op])).toBe(problem);
  });

  test("a failure names the operation's position in the patch", () => {
    expect(problemOf(doc(), [{ op: "remove", path: "/spec/value" }, { op: "remove", path: "/spec/value" }]))
      .toBe('operation 1 (remove /spec/value): "/spec/value" does not exist');
  });

  // Only the object's own fields exist; what every JavaScript object inherits is not one of them.
  test.each(["/spec/toString", "/spec/constructor", "/spec/list/length"])("%s does not exist", (path) => {
    expect(problemOf(doc(), [{ op: "test", path, value: 1 }])).toBe(`operation 0 (test ${path}): "${path}" does not exist`);
    expect(problemOf(doc(), [{ op: "remove", path }])).toBe(`operation 0 (remove ${path}): "${path}" does not exist`);
  });

  test("~1 is read before ~0, so ~01 is a key holding ~1", () => {
    expect(applyJsonPatch({ "~1": "tilde-one", "/": "slash" }, [{ op: "replace", path: "/~01", value: "x" }]))
      .toEqual({ doc: { "~1": "x", "/": "slash" } });
  });

  test("the empty pointer is the whole document", () => {
    expect(applyJsonPatch(doc(), [{ op: "test", path: "", value: doc() }])).toEqual({ doc: doc() });
  });

  test("an index may have several digits", () => {
    const list = Array.from({ length: 12 }, (_, i) => i);
    expect(applyJsonPatch({ list }, [{ op: "replace", path: "/list/10", value: "ten" }, { op: "test", path: "/list/11", value: 11 }]))
      .toEqual({ doc: { list: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, "ten", 11] } });
  });

  test("every escaped slash in a key is read", () => {
    expect(applyJsonPatch({ "a/b/c": 1 }, [{ op: "remove", path: "/a~1b~1c" }])).toEqual({ doc: {} });
  });

  test("a list index may be the list's length (appending), and a removed element closes the gap", () => {
    expect(applyJsonPatch(doc(), [{ op: "add", path: "/spec/list/2", value: { name: "c" } }, { op: "remove", path: "/spec/list/0" }]))
      .toEqual({ doc: { spec: { list: [{ name: "b" }, { name: "c" }], value: 1 } } });
  });

  test("a moved value leaves its place; a move to a sibling with a longer name is no move into itself", () => {
    const out = applyJsonPatch({ a: { x: 1 }, ab: 2 }, [{ op: "move", from: "/a", path: "/abc" }]);
    expect(out).toEqual({ doc: { ab: 2, abc: { x: 1 } } });
  });

  test("a copy is independent of its source", () => {
    const out = applyJsonPatch(doc(), [
      { op: "copy", from: "/spec/list/0", path: "/spec/copy" },
      { op: "replace", path: "/spec/copy/name", value: "changed" },
    ]);
    expect(out).toEqual({ doc: { spec: { list: [{ name: "a" }, { name: "b" }], value: 1, copy: { name: "changed" } } } });
  });

  test("an added value is independent of the patch, so applying it twice gives two equal objects", () => {
    const ops: Operation[] = [{ op: "add", path: "/spec/extra", value: { n: 1 } }, { op: "replace", path: "/spec/extra/n", value: 2 }];
    applyJsonPatch(doc(), ops);
    expect(applyJsonPatch(doc(), ops)).toEqual({ doc: { spec: { list: [{ name: "a" }, { name: "b" }], value: 1, extra: { n: 2 } } } });
  });

  describe("test compares by value", () => {
    const target = { s: "1", n: 1, nil: null, list: [1, { a: [2] }], map: { a: 1, b: { c: [] } }, empty: {} };
    test.each([
      ["/s", "1"], ["/n", 1], ["/nil", null], ["/list", [1, { a: [2] }]], ["/map", { b: { c: [] }, a: 1 }], ["/empty", {}],
    ])("%s equals %j", (path, value) => {
      expect(applyJsonPatch(target, [{ op: "test", path, value }])).toEqual({ doc: target });
    });

    test.each([
      ["/s", 1], ["/n", "1"], ["/nil", {}], ["/empty", null], ["/list", [1]], ["/list", [1, { a: [2] }, 3]], ["/list", [1, { a: [3] }]], ["/list", { 0: 1, 1: { a: [2] } }],
      ["/map", [1]], ["/map", { a: 1 }], ["/map", { a: 1, b: { c: [] }, d: 1 }], ["/map", { a: 1, c: { c: [] } }], ["/map", { a: 1, b: { c: {} } }],
      ["/empty", []],
    ])("%s does not equal %j", (path, value) => {
      expect(problemOf(target, [{ op: "test", path, value }])).toMatch(/^operation 0 \(test \/\w+\): the value is .*, not /);
    });
  });
});

describe("operationsProblem: what is wrong with a patch, or nothing", () => {
  test.each([
    [{}, "is not a list of operations"],
    [[{ op: "add", path: "/a", value: 1 }, null], "operation 1 is not a mapping"],
    [["add"], "operation 0 is not a mapping"],
    [[{ op: "frobnicate", path: "/a" }], 'operation 0 has the unknown op "frobnicate"'],
    [[{ path: "/a" }], "operation 0 has the unknown op undefined"],
    [[{ op: "remove" }], "operation 0 has no path"],
    [[{ op: "remove", path: 1 }], "operation 0 has no path"],
    [[{ op: "add", path: "/a" }], "operation 0 (add) has no value"],
    [[{ op: "replace", path: "/a" }], "operation 0 (replace) has no value"],
    [[{ op: "test", path: "/a" }], "operation 0 (test) has no value"],
    [[{ op: "move", path: "/a" }], "operation 0 (move) has no from"],
    [[{ op: "copy", path: "/a", from: 1 }], "operation 0 (copy) has no from"],
  ])("%j: %s", (ops, problem) => {
    expect(operationsProblem(ops)).toBe(problem);
  });

  test("every well-formed operation passes, null being a value", () => {
    expect(operationsProblem([
      { op: "add", path: "/a", value: null }, { op: "replace", path: "/a", value: 1 }, { op: "test", path: "/a", value: 1 },
      { op: "remove", path: "/a" }, { op: "move", from: "/b", path: "/a" }, { op: "copy", from: "/a", path: "/b" },
    ])).toBeUndefined();
    expect(operationsProblem([])).toBeUndefined();
  });
});
