import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { APP_IMAGES, isApp, setImageTag, shaProblem, unexpectedChanges } from "../../scripts/lib/set-image.ts";
import { REPO_ROOT, tool } from "../support/tools.ts";

const PROD = readFileSync(join(REPO_ROOT, "overlays/prod/kustomization.yaml"), "utf8");

function changedLines(a: string, b: string): Array<[string, string]> {
  const x = a.split("\n");
  const y = b.split("\n");
  expect(y.length).toBe(x.length);
  return x.flatMap((line, i): Array<[string, string]> => (line === y[i] ? [] : [[line, y[i]!]]));
}

describe("set-image: the edit", () => {
  it("changes only the tag's characters, always as a quoted string", () => {
    const { text, previous } = setImageTag(PROD, APP_IMAGES.medusa, "1234567");
    expect(previous).toBe(parse(PROD).images.find((i: { name: string }) => i.name === APP_IMAGES.medusa).newTag);
    expect(changedLines(PROD, text)).toEqual([[`    newTag: "${previous}"`, '    newTag: "1234567"']]);
    const images = parse(text).images as Array<{ name: string; newTag: unknown }>;
    expect(images.find((i) => i.name === APP_IMAGES.medusa)!.newTag).toBe("1234567");
    expect(images.find((i) => i.name === APP_IMAGES.storefront)!.newTag).toBe(parse(PROD).images[1].newTag);
  });

  it("keeps comments and re-quotes a tag that was written unquoted or single-quoted", () => {
    const src = ["# header", "images:", "  # medusa", "  - name: ghcr.io/ekenheim/ecom/medusa", "    newTag: 12e4567 # was a number!", "  - name: ghcr.io/ekenheim/ecom/storefront", "    newTag: 'abcdef0'", ""].join("\n");
    const medusa = setImageTag(src, APP_IMAGES.medusa, "00aa11b").text;
    expect(medusa).toBe(src.replace("newTag: 12e4567", 'newTag: "00aa11b"'));
    expect(setImageTag(src, APP_IMAGES.storefront, "1111111").text).toBe(src.replace("'abcdef0'", '"1111111"'));
  });

  it("is a no-op on the text when the tag is already pinned", () => {
    const current = parse(PROD).images[0].newTag as string;
    expect(setImageTag(PROD, parse(PROD).images[0].name, current).text).toBe(PROD);
  });

  it.each([
    ["abc123", /7-character/],
    ["ABC1234", /upper-case/],
    ["abc12345", /8 characters.*abc1234/],
    ["g123456", /hex/],
    ["latest", /hex/],
    ["", /hex/],
  ])("refuses the tag %j", (sha, why) => {
    expect(shaProblem(sha)).toMatch(why);
    expect(() => setImageTag(PROD, APP_IMAGES.medusa, sha)).toThrow(why);
  });

  it("refuses a file without the image or without newTag", () => {
    expect(() => setImageTag("resources: []\n", APP_IMAGES.medusa, "1234567")).toThrow(/no `images:`/);
    expect(() => setImageTag("images:\n  - name: other\n    newTag: x\n", APP_IMAGES.medusa, "1234567")).toThrow(/no images entry/);
    expect(() => setImageTag(`images:\n  - name: ${APP_IMAGES.medusa}\n    digest: sha256:00\n`, APP_IMAGES.medusa, "1234567")).toThrow(/no newTag/);
  });

  it("reports files that changed without being allowed to", () => {
    const before = new Map([["a", "1"], ["b", "1"], ["c", "1"]]);
    const after = new Map([["a", "2"], ["b", "1"], ["c", "2"], ["d", "new"]]);
    expect(unexpectedChanges(before, after, (p) => p === "a")).toEqual(["c", "d"]);
  });
});

describe("set-image: what the operator is told", () => {
  it("knows the two apps by name, nothing else", () => {
    expect(["medusa", "storefront", "web", "toString", ""].filter(isApp)).toEqual(["medusa", "storefront"]);
  });

  it("says what is wrong with a tag that is not a short SHA", () => {
    expect(shaProblem("abcdef0")).toBeUndefined();
    expect(shaProblem("ABCDEF0")).toBe("'ABCDEF0' has upper-case letters; git short SHAs (and the published tags) are lower case");
    expect(shaProblem("abcdef01")).toBe("'abcdef01' is 8 characters; the images are tagged with the 7-character short SHA (abcdef0)");
    const full = "0123456789abcdef0123456789abcdef01234567";
    expect(shaProblem(full)).toBe(`'${full}' is 40 characters; the images are tagged with the 7-character short SHA (0123456)`);
    for (const sha of [`${full}8`, "ABCDEF01", "abcdef", " abcdef0", "abcdef0 ", "gabcdef01", "abcdef01g"]) expect(shaProblem(sha)).toBe(`'${sha}' is not a 7-character lower-case hex short SHA`);
  });

  it("names what is missing or broken in the kustomization", () => {
    expect(() => setImageTag("images: [\n", APP_IMAGES.medusa, "1234567")).toThrow(/^kustomization\.yaml does not parse: \S/);
    expect(() => setImageTag("images: {}\n", APP_IMAGES.medusa, "1234567")).toThrow(new Error("kustomization.yaml has no `images:` list"));
    expect(() => setImageTag("images:\n  - other\n", APP_IMAGES.medusa, "1234567")).toThrow(new Error(`kustomization.yaml has no images entry named ${APP_IMAGES.medusa}`));
    expect(() => setImageTag(`images:\n  - name: ${APP_IMAGES.medusa}\n    newTag: {a: 1}\n`, APP_IMAGES.medusa, "1234567")).toThrow(
      new Error(`the images entry ${APP_IMAGES.medusa} has no newTag to replace; add \`newTag: "<sha>"\` first`),
    );
  });

  it("refuses an edit that would not read back as the tag: an explicit !!int type keeps it a number", () => {
    expect(() => setImageTag(`images:\n  - name: ${APP_IMAGES.medusa}\n    newTag: !!int 1234567\n`, APP_IMAGES.medusa, "7654321")).toThrow(
      new Error('internal: the edit produced newTag 7654321, not "7654321"'),
    );
  });

  it("edits the entry of the image asked for when several are listed", () => {
    const src = `images:\n  - name: other\n    newTag: "0000000"\n  - name: ${APP_IMAGES.storefront}\n    newTag: "1111111"\n`;
    expect(setImageTag(src, APP_IMAGES.storefront, "2222222")).toEqual({ text: src.replace("1111111", "2222222"), previous: "1111111" });
  });

  it("lists changed, added and deleted files that were not allowed, sorted", () => {
    const before = new Map([["z", "1"], ["m", "1"], ["gone", "1"], ["same", "1"]]);
    const after = new Map([["z", "2"], ["m", "2"], ["new", "1"], ["same", "1"], ["ok", "2"]]);
    expect(unexpectedChanges(before, after, (p) => p === "ok")).toEqual(["gone", "m", "new", "z"]);
    expect(unexpectedChanges(before, before, () => false)).toEqual([]);
  });
});

/** The whole command on a throwaway copy of the repo: real render (kpt), real git diff. */
describe("npm run set-image (end to end, on a copy of the repository)", () => {
  let copy: string;
  const git = (...args: string[]) => execFileSync("git", args, { cwd: copy, encoding: "utf8" });
  const build = (dir: string) =>
    parseAllDocuments(execFileSync(tool("kustomize"), ["build", join(dir, "overlays/prod")], { encoding: "utf8" })).map((d) => d.toJS());

  beforeAll(() => {
    copy = mkdtempSync(join(tmpdir(), "ecom-set-image-"));
    // The checkout as it is (Stryker's sandbox has no git to list tracked files): no dependencies,
    // history, test suites or local state (.cache/ holds built tools, tens of MB for git to hash).
    cpSync(REPO_ROOT, copy, {
      recursive: true,
      filter: (src) => !/^(node_modules|\.git|\.cache|\.stryker-tmp|reports|test|functions\/test|tools)(\/|$)/.test(relative(REPO_ROOT, src)),
    });
    symlinkSync(join(REPO_ROOT, "node_modules"), join(copy, "node_modules"));
    if (!existsSync(join(copy, "functions/dist/ecom-fn.mjs"))) execFileSync(process.execPath, [join(copy, "functions/build.mjs")]);
    git("init", "-q");
    git("add", "-A");
    git("-c", "user.name=test", "-c", "user.email=test@example.invalid", "commit", "-qm", "snapshot");
  });
  afterAll(() => rmSync(copy, { recursive: true, force: true }));

  const run = (...args: string[]) =>
    spawnSync(process.execPath, [join(copy, "scripts/set-image.ts"), ...args], { cwd: copy, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });

  it("refuses a malformed SHA and leaves the tree untouched", () => {
    const r = run("prod", "medusa", "12345");
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/7-character/);
    expect(git("status", "--porcelain")).toBe("");
  });

  it("pinning a new medusa SHA renames the migration Job and changes nothing else", () => {
    const before = build(copy);
    const r = run("prod", "medusa", "1234567");
    expect(r.status, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toMatch(/medusa in overlays\/prod: \w+ → 1234567/);
    // 1234567 was never built: the command says how to find a tag that was.
    expect(r.stderr).toMatch(/1234567 is not a known published tag: only commits that touch medusa\/ .*git log -1 --format=%h origin\/main -- medusa\//);
    expect(r.stdout).toMatch(/2 files changed/);
    expect(git("status", "--porcelain").split("\n").filter(Boolean).sort()).toEqual([
      " M overlays/prod/derived/migration-job.yaml",
      " M overlays/prod/kustomization.yaml",
    ]);
    expect(readFileSync(join(copy, "overlays/prod/kustomization.yaml"), "utf8")).toContain('newTag: "1234567"');

    const after = build(copy);
    const oldJob = before.find((o) => o.kind === "Job" && o.metadata.name.startsWith("medusa-migrate-")).metadata.name;
    // Undo exactly the two expected differences; then the builds must be identical.
    const normalised = JSON.parse(
      JSON.stringify(after).replaceAll("medusa-migrate-1234567", oldJob).replaceAll(`${APP_IMAGES.medusa}:1234567`, `${APP_IMAGES.medusa}:${oldJob.slice("medusa-migrate-".length)}`),
    );
    expect(normalised).toEqual(before);
    expect(after.find((o) => o.kind === "Job" && o.metadata.name === "medusa-migrate-1234567")).toBeDefined();
  });

  it("pinning storefront changes only its tag (no derived file depends on it)", () => {
    git("checkout", "-q", "--", ".");
    const r = run("prod", "storefront", "abcdef0");
    expect(r.status, r.stderr + r.stdout).toBe(0);
    expect(git("status", "--porcelain").trim()).toBe("M overlays/prod/kustomization.yaml");
  });
});
