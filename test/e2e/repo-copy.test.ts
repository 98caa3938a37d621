import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { RepoCopy, render, requireBundle } from "../support/repo-copy.ts";

const copies: RepoCopy[] = [];
afterEach(() => {
  for (const c of copies.splice(0)) c.remove();
});
beforeAll(requireBundle);

/** A policy out of its place: wherever the package holds it, render refuses it. */
const STRAY = "apiVersion: fn.ecom.ekenheim.dev/v1alpha1\nkind: DeployPolicy\nmetadata:\n  name: stray\n";

describe("the scratch repository the end-to-end tests render in", () => {
  it("holds the checkout's tracked files with their uncommitted edits and staged new files, never an untracked one", () => {
    const checkout = new RepoCopy();
    copies.push(checkout);
    checkout.edit("README.md", /^# ecom-deploy$/m, "# ecom-deploy, edited");
    mkdirSync(join(checkout.root, "overlays/prod/scratch"), { recursive: true });
    writeFileSync(join(checkout.root, "overlays/prod/scratch/stray.yaml"), STRAY);
    writeFileSync(join(checkout.root, "overlays/prod/staged.txt"), "added\n");
    checkout.git("add", "overlays/prod/staged.txt");
    expect(render(checkout.root).status, "the stray file must break a render where it is").not.toBe(0);

    const copy = new RepoCopy({ checkout: checkout.root });
    copies.push(copy);
    expect(existsSync(join(copy.root, "overlays/prod/scratch/stray.yaml"))).toBe(false);
    expect(copy.read("overlays/prod/staged.txt")).toBe("added\n");
    expect(copy.read("README.md")).toMatch(/^# ecom-deploy, edited$/m);
    const out = render(copy.root);
    expect(out.status, out.stderr).toBe(0);
    expect(copy.changedFiles()).toEqual([]);
  });
});
