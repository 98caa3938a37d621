import { expect, test } from "vitest";
import { olderThan } from "../../src/entry/node-version.ts";

test.each([
  ["18.19.1", "20.0.0", true],
  ["19.9.0", "20.0.0", true],
  ["20.0.0", "20.0.0", false],
  ["20.0.1", "20.0.0", false],
  ["20.1.0", "20.0.5", false],
  ["20.0.4", "20.0.5", true],
  ["24.2.0", "20.0.0", false],
  ["20", "20.0.1", true],
  ["20.0.0", "20", false],
])("Node.js %s older than %s: %s", (version, minimum, older) => {
  expect(olderThan(version, minimum)).toBe(older);
});
