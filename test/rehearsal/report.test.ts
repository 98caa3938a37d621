import { describe, expect, test } from "vitest";
import { Report } from "./report.ts";

describe("the rehearsal's report", () => {
  test("counts checks and keeps each failed one's line, with its prefix, for the end of the log", async () => {
    const printed: string[] = [];
    const report = new Report("[dev]", (l) => printed.push(l));
    report.check("first", true, "fine");
    report.check("second", false, "answered 502");
    await report.attempt("third", async () => {
      throw new Error("timed out");
    });
    report.note("not a check");
    expect(report.summary()).toBe("1 passed, 2 failed");
    expect(report.failures).toEqual(["[dev] FAIL second: answered 502", "[dev] FAIL third: timed out"]);
    expect(printed).toEqual(["[dev] ok   first: fine", ...report.failures, "[dev] note not a check"]);
  });
});
