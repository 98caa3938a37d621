/** Re-rendering a bot's pull request: the files the render changed, the commit, the refusal with the drift. */
import { describe, expect, it } from "vitest";
import { branchProblem, commitMessage, driftMessage, renderedChanges, statusPaths } from "../../scripts/lib/rerender.ts";

describe("statusPaths", () => {
  it("reads modified, added, untracked and deleted paths from `git status --porcelain -z`, sorted", () => {
    expect(statusPaths(" M overlays/prod/derived/migration-job.yaml\0?? overlays/eu/derived/a b.yaml\0D  gone.yaml\0A  new.yaml\0")).toEqual([
      "gone.yaml", "new.yaml", "overlays/eu/derived/a b.yaml", "overlays/prod/derived/migration-job.yaml",
    ]);
  });

  it("takes a rename's or copy's new path and skips its source", () => {
    expect(statusPaths("R  new-name.yaml\0old-name.yaml\0 M x.yaml\0C  copy.yaml\0orig.yaml\0")).toEqual(["copy.yaml", "new-name.yaml", "x.yaml"]);
  });

  it("is empty for a clean tree", () => {
    expect(statusPaths("")).toEqual([]);
    expect(statusPaths(" M a\0?? b\0")).toEqual(["a", "b"]);
  });
});

describe("renderedChanges", () => {
  it("is what changed between before and after the render, not what was dirty already", () => {
    const before = new Map<string, string | undefined>([["stale-but-untouched", "1"], ["edited-again", "1"], ["deleted", "1"]]);
    const after = new Map<string, string | undefined>([["stale-but-untouched", "1"], ["edited-again", "2"], ["deleted", undefined], ["new", "x"]]);
    expect(renderedChanges(before, after)).toEqual(["deleted", "edited-again", "new"]);
    expect(renderedChanges(new Map(), new Map())).toEqual([]);
  });

  it("counts a file the render deleted that was untouched before", () => {
    expect(renderedChanges(new Map(), new Map([["x", undefined]]))).toEqual(["x"]);
  });
});

describe("branchProblem", () => {
  it.each(["renovate/postgres-17.x", "release/prod/medusa", "main", "a_b", "v1.2"])("accepts %j", (name) => {
    expect(branchProblem(name)).toBeUndefined();
  });

  it.each(["", "-f", "+main", "a:b", "a..b", "a/", "a.lock", "a b", "/a", ".a", "a~1", "refs/heads/x\nfoo"])("refuses %j", (name) => {
    expect(branchProblem(name)).toBe(`'${name}' is not a plain branch name`);
  });
});

describe("what is said and committed", () => {
  it("the commit names each file the render changed", () => {
    expect(commitMessage(["overlays/prod/derived/migration-job.yaml", "overlays/home-ops/derived/migration-job.yaml"])).toBe(
      "Re-render the derived files\n\nnpm run render on this pull request's update changed:\n" +
        "- overlays/prod/derived/migration-job.yaml\n- overlays/home-ops/derived/migration-job.yaml\n",
    );
  });

  it("the drift names the files, why they were not pushed and what to do", () => {
    expect(driftMessage(["a.yaml", "b.yaml"], "Not pushed: no --push branch.")).toBe(
      "the pull request's derived files are stale: npm run render changes a.yaml, b.yaml (the diff is above). Not pushed: no --push branch. " +
        "Run `npm run render` on the branch and commit the result: merged as it is, Flux would get the old derived values with the new versions.",
    );
  });
});
