/** The release pull request's decisions: the payload, the overlays that follow, one medusa tag, the published table, the text. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { parsePublishedImages, readPublishedImages } from "../../scripts/lib/published-images.ts";
import {
  addPublishedTag,
  APP_REPOSITORY,
  branchName,
  childError,
  DISPATCH_EVENT,
  followsReleases,
  imageTags,
  migrationJobName,
  oneTag,
  parseRelease,
  pinnedTag,
  planOverlays,
  pullRequestText,
  splitImage,
  unpublishedMessage,
  type Outcome,
} from "../../scripts/lib/release.ts";
import { APP_IMAGES } from "../../scripts/lib/set-image.ts";
import { built, overlayDirs } from "../support/builds.ts";
import { commandError } from "../support/command-error.ts";
import { REPO_ROOT } from "../support/tools.ts";

const MEDUSA = APP_IMAGES.medusa;
const FULL = "abc1234def5678901234567890abcdef01234567";
const TABLE_TEXT = readFileSync(join(REPO_ROOT, "docs/published-images.yaml"), "utf8");

const pod = (kind: string, name: string, containers: Array<[string, string]>, init: Array<[string, string]> = []) => ({
  kind,
  metadata: { name },
  spec: { template: { spec: { initContainers: init.map(([n, image]) => ({ name: n, image })), containers: containers.map(([n, image]) => ({ name: n, image })) } } },
});

describe("the dispatch payload", () => {
  it("takes the image and a full or short commit SHA; the tag is the 7-character short SHA", () => {
    expect(parseRelease("medusa", FULL)).toEqual({ app: "medusa", image: MEDUSA, sha: FULL, tag: "abc1234" });
    expect(parseRelease("storefront", "b60245b")).toEqual({ app: "storefront", image: APP_IMAGES.storefront, sha: "b60245b", tag: "b60245b" });
    expect(parseRelease("medusa", "abcdef01").tag).toBe("abcdef0");
  });

  it.each(["redis", "", "Medusa", "toString", "medusa "])("refuses the image %j", (image) => {
    const err = commandError(() => parseRelease(image, FULL));
    expect([err.code, err.message]).toEqual(["usage", `image ${JSON.stringify(image)} is not medusa or storefront`]);
  });

  it.each(["abc123", `${FULL}0`, "ABC1234", "abc123g", " abc1234", "abc1234 ", "abc1234\n", "$(reboot)", "", "latest"])("refuses the commit %j", (sha) => {
    const err = commandError(() => parseRelease("medusa", sha));
    expect([err.code, err.message]).toEqual(["sha-invalid", `${JSON.stringify(sha)} is not an app commit: expected its SHA, 7 to 40 lower-case hex characters`]);
  });

  it("is the event the workflow listens to", () => {
    expect(readFileSync(join(REPO_ROOT, ".github/workflows/release.yml"), "utf8")).toContain(`types: [${DISPATCH_EVENT}]`);
  });
});

describe("which overlays follow the releases", () => {
  const policy = (spec: string) => `apiVersion: fn.ecom.ekenheim.dev/v1alpha1\nkind: DeployPolicy\nmetadata: {name: x}\nspec:\n${spec}\n`;

  it("those whose policy requires pinned, published tags", () => {
    expect(followsReleases(policy("  requirePinnedSha: true"), "p.yaml")).toBe(true);
    expect(followsReleases(policy("  requirePinnedSha: false"), "p.yaml")).toBe(false);
    expect(followsReleases(policy('  requirePinnedSha: "true"'), "p.yaml")).toBe(false);
    expect(followsReleases(policy("  other: 1"), "p.yaml")).toBe(false);
    expect(followsReleases("kind: DeployPolicy\n", "p.yaml")).toBe(false);
  });

  it("refuses a file that is no DeployPolicy", () => {
    for (const text of ["", "kind: ConfigMap\n"]) expect(() => followsReleases(text, "overlays/x/policy/policy.yaml")).toThrow(new Error("overlays/x/policy/policy.yaml: not a DeployPolicy"));
  });

  it("prod and home-ops in this repository, never dev", () => {
    const follows = overlayDirs().filter((o) => followsReleases(readFileSync(join(REPO_ROOT, o, "policy/policy.yaml"), "utf8"), o));
    expect(follows.sort()).toEqual(["overlays/home-ops", "overlays/prod"]);
  });

  it("reads the tag an overlay pins, as a string even when YAML reads a number", () => {
    const k = `images:\n  - name: other\n    newTag: "1"\n  - name: ${MEDUSA}\n    newTag: 1234567\n  - name: ${APP_IMAGES.storefront}\n`;
    expect(pinnedTag(k, MEDUSA)).toBe("1234567");
    expect(pinnedTag(k, APP_IMAGES.storefront)).toBeUndefined();
    expect(pinnedTag(`images:\n  - name: ${MEDUSA}\n    newTag: null\n`, MEDUSA)).toBeUndefined();
    expect(pinnedTag("images:\n  - ~\n  - name: x\n", MEDUSA)).toBeUndefined();
    expect(pinnedTag("images: {}\n", MEDUSA)).toBeUndefined();
    expect(pinnedTag("", MEDUSA)).toBeUndefined();
    expect(pinnedTag(readFileSync(join(REPO_ROOT, "overlays/prod/kustomization.yaml"), "utf8"), MEDUSA)).toMatch(/^[0-9a-f]{7}$/);
  });

  it("moves the followers that pin another tag, and says which already pin it", () => {
    const plan = planOverlays(
      [
        { overlay: "prod", follows: true, pinned: "9496114" },
        { overlay: "dev", follows: false, pinned: "dev" },
        { overlay: "home-ops", follows: true, pinned: "abc1234" },
        { overlay: "eu", follows: true, pinned: undefined },
        { overlay: "ci", follows: false, pinned: "abc1234" },
        { overlay: "asia", follows: true, pinned: "abc1234" },
      ],
      "abc1234",
    );
    expect(plan).toEqual({ update: ["eu", "prod"], current: ["asia", "home-ops"] });
  });
});

describe("a commit without an image", () => {
  const table = readPublishedImages(REPO_ROOT);

  it("is refused with the app's rule: only commits touching the image's directory publish it", () => {
    const release = parseRelease("medusa", "b60245b");
    expect(unpublishedMessage(release, table, false)).toBe(
      "ghcr.io/ekenheim/ecom/medusa:b60245b is not on the registry: app commit b60245b published no medusa image. Nothing to release: " +
        "the app's .github/workflows/docker-backend.yml publishes medusa only for commits on main that touch medusa/ or .github/workflows/docker-backend.yml, " +
        "so most app commits have no medusa image (the newest that has one: `git log -1 --format=%h origin/main -- medusa/ .github/workflows/docker-backend.yml` in the app repository)",
    );
    expect(unpublishedMessage(parseRelease("storefront", FULL), table, true)).toMatch(
      new RegExp(`^ghcr\\.io/ekenheim/ecom/storefront:abc1234 is not on the registry: app commit ${FULL} published no storefront image\\. .*touch storefront/ or .*; the registry was asked without credentials$`),
    );
  });

  it("names the table when the image is not in it", () => {
    expect(unpublishedMessage(parseRelease("medusa", "b60245b"), new Map(), false)).toMatch(/Nothing to release: ghcr\.io\/ekenheim\/ecom\/medusa is not in docs\/published-images\.yaml$/);
  });
});

describe("server, worker and Jobs on one medusa tag", () => {
  it("splits image references into repository and tag", () => {
    expect(splitImage(`${MEDUSA}:abc1234`)).toEqual({ repository: MEDUSA, tag: "abc1234" });
    expect(splitImage(`${MEDUSA}:abc1234@sha256:00`)).toEqual({ repository: MEDUSA, tag: "abc1234" });
    expect(splitImage(`${MEDUSA}@sha256:00`)).toEqual({ repository: MEDUSA, tag: undefined });
    expect(splitImage("localhost:5000/medusa")).toEqual({ repository: "localhost:5000/medusa", tag: undefined });
    expect(splitImage("busybox")).toEqual({ repository: "busybox", tag: undefined });
  });

  const objects = [
    pod("Deployment", "medusa", [["medusa", `${MEDUSA}:abc1234`]], [["wait", "busybox:1.36"]]),
    pod("Deployment", "medusa-worker", [["medusa-worker", `${MEDUSA}:abc1234`]]),
    pod("Job", "medusa-migrate-abc1234", [["migrate", `${MEDUSA}:abc1234`]], [["wait", "busybox:1.36"]]),
    pod("Deployment", "storefront", [["storefront", `${APP_IMAGES.storefront}:b60245b`]]),
    { kind: "Service", metadata: { name: "medusa" }, spec: {} },
  ];

  it("finds every container of the image, init containers included, and where it is", () => {
    const withInit = [...objects, pod("CronJob", "x", [], [])];
    withInit.push({
      kind: "Job",
      metadata: { name: "seed" },
      spec: { template: { spec: { initContainers: [{ name: "schema", image: `${MEDUSA}:abc1234` }], containers: [{ name: "seed", image: `${MEDUSA}` }, { name: "no-image" }] } } },
    } as never);
    expect(imageTags(withInit, MEDUSA)).toEqual(
      new Map([
        ["abc1234", ["Deployment/medusa container medusa", "Deployment/medusa-worker container medusa-worker", "Job/medusa-migrate-abc1234 container migrate", "Job/seed init container schema"]],
        ["(no tag)", ["Job/seed container seed"]],
      ]),
    );
    expect(imageTags(objects, "busybox")).toEqual(new Map([["1.36", ["Deployment/medusa init container wait", "Job/medusa-migrate-abc1234 init container wait"]]]));
  });

  it("is the tag they all run", () => {
    expect(oneTag(objects, MEDUSA, "overlays/prod")).toEqual({
      tag: "abc1234",
      containers: ["Deployment/medusa container medusa", "Deployment/medusa-worker container medusa-worker", "Job/medusa-migrate-abc1234 container migrate"],
    });
  });

  it("refuses a server on another tag than the worker and the migration, naming each container", () => {
    const split = [pod("Deployment", "medusa", [["medusa", `${MEDUSA}:91076e7`]]), ...objects.slice(1)];
    const err = commandError(() => oneTag(split, MEDUSA, "overlays/home-ops"));
    expect(err.code).toBe("image-tags-differ");
    expect(err.message).toBe(
      `overlays/home-ops: the containers of ${MEDUSA} run different tags: 91076e7 (Deployment/medusa container medusa); ` +
        "abc1234 (Deployment/medusa-worker container medusa-worker, Job/medusa-migrate-abc1234 container migrate). " +
        "Pin the image once, in the overlay's `images:` entry, and remove what sets it elsewhere",
    );
  });

  it("refuses a build where nothing runs the image", () => {
    const err = commandError(() => oneTag(objects, "example.org/none", "overlays/prod"));
    expect([err.code, err.message]).toEqual(["overlay-facts", "overlays/prod: no container runs example.org/none"]);
  });

  for (const overlay of ["overlays/prod", "overlays/home-ops", "overlays/dev"]) {
    it(`${overlay} builds every medusa container on one tag, the one its kustomization pins`, () => {
      const { objects: builtObjects } = built(overlay);
      const { tag, containers } = oneTag(builtObjects, MEDUSA, overlay);
      expect(tag).toBe(pinnedTag(readFileSync(join(REPO_ROOT, overlay, "kustomization.yaml"), "utf8"), MEDUSA));
      expect(containers).toEqual(expect.arrayContaining(["Deployment/medusa container medusa", expect.stringMatching(/^Job\/medusa-migrate-\S+ container /)]));
      expect(migrationJobName(builtObjects, overlay)).toBe(`medusa-migrate-${tag}`);
    });
  }

  it("names the migration Job, and refuses a build with none or two", () => {
    expect(migrationJobName(objects, "o")).toBe("medusa-migrate-abc1234");
    const none = commandError(() => migrationJobName(objects.slice(0, 2), "overlays/x"));
    expect([none.code, none.message]).toEqual(["overlay-facts", "overlays/x: expected one migration Job, found 0 ()"]);
    const two = commandError(() => migrationJobName([...objects, pod("Job", "medusa-migrate-0000000", [])], "overlays/x"));
    expect(two.message).toBe("overlays/x: expected one migration Job, found 2 (medusa-migrate-abc1234, medusa-migrate-0000000)");
  });
});

describe("the verified tag in docs/published-images.yaml", () => {
  const NOTE = `app commit ${FULL}, found on the registry by npm run release`;

  it("goes first in the image's list, with its date and where it came from; the rest stays byte for byte", () => {
    const out = addPublishedTag(TABLE_TEXT, MEDUSA, "abc1234", "2026-08-20", NOTE);
    const added = out.split("\n").filter((l) => !TABLE_TEXT.split("\n").includes(l));
    expect(added).toEqual([`      # ${NOTE}`, '      - tag: "abc1234"', '        date: "2026-08-20"']);
    expect(out.replace(`${added.join("\n")}\n`, "")).toBe(TABLE_TEXT);
    expect(out.indexOf(added[0]!)).toBe(out.indexOf("\n", out.indexOf("tags:")) + 1);
    const table = parsePublishedImages(out);
    expect(table.get(MEDUSA)!.tags).toEqual(["abc1234", ...readPublishedImages(REPO_ROOT).get(MEDUSA)!.tags]);
    expect(table.get(APP_IMAGES.storefront)).toEqual(readPublishedImages(REPO_ROOT).get(APP_IMAGES.storefront));
  });

  it("adds the storefront's to the storefront's list", () => {
    const out = addPublishedTag(TABLE_TEXT, APP_IMAGES.storefront, "1234567", "2026-08-20", "n");
    expect(parsePublishedImages(out).get(APP_IMAGES.storefront)!.tags).toEqual(["1234567", "b60245b"]);
    expect(parsePublishedImages(out).get(MEDUSA)).toEqual(readPublishedImages(REPO_ROOT).get(MEDUSA));
  });

  it("is not added twice", () => {
    expect(addPublishedTag(TABLE_TEXT, MEDUSA, "9496114", "2026-08-20", NOTE)).toBe(TABLE_TEXT);
  });

  it("starts an empty list as a block list", () => {
    const text = "images:\n  x.io/a:\n    workflow: w\n    paths: [a/]\n    tags: []   # none yet\n  x.io/b:\n    workflow: w\n    paths: [b/]\n    tags: []\n";
    expect(addPublishedTag(text, "x.io/a", "1234567", "2026-01-02", "n")).toBe(
      "images:\n  x.io/a:\n    workflow: w\n    paths: [a/]\n    tags:\n      # n\n      - tag: \"1234567\"\n        date: \"2026-01-02\"   # none yet\n  x.io/b:\n    workflow: w\n    paths: [b/]\n    tags: []\n",
    );
  });

  it("keeps a list indented as it is", () => {
    const text = "images:\n  x.io/a:\n    workflow: w\n    paths: [a/]\n    tags:\n    - tag: \"0000000\"\n";
    expect(addPublishedTag(text, "x.io/a", "1234567", "d", "n")).toBe("images:\n  x.io/a:\n    workflow: w\n    paths: [a/]\n    tags:\n    # n\n    - tag: \"1234567\"\n      date: \"d\"\n    - tag: \"0000000\"\n");
  });

  it("refuses a table it cannot extend", () => {
    const flow = "images:\n  x.io/a:\n    workflow: w\n    paths: [a/]\n    tags: [{tag: \"0000000\"}]\n";
    expect(() => addPublishedTag(flow, "x.io/a", "1234567", "d", "n")).toThrow(new Error("docs/published-images.yaml: images.x.io/a.tags is a flow list; write it as a block list"));
    const other = "images:\n  x.io/a:\n    workflow: w\n    paths: [a/]\n    tags: []\n";
    expect(() => addPublishedTag(other, "x.io/b", "1234567", "d", "n")).toThrow(new Error("docs/published-images.yaml: images.x.io/b has no tags list"));
  });
});

describe("a child command's error", () => {
  it("keeps the code of ours and the message", () => {
    expect(childError("warning: x\nerror: render-stray-changes: render also changed a, b.\nThey were stale.\n", undefined)).toEqual({
      code: "render-stray-changes",
      message: "render also changed a, b.\nThey were stale.",
    });
  });

  it("is internal when the code is not ours, when there is no error line, or when the child did not start", () => {
    expect(childError("error: not-a-code: x\n", undefined)).toEqual({ code: "internal", message: "x" });
    expect(childError("something\nbroke\nbadly\n", undefined)).toEqual({ code: "internal", message: "badly" });
    expect(childError("npm error: usage: not ours\n", undefined)).toEqual({ code: "internal", message: "npm error: usage: not ours" });
    expect(childError("", undefined)).toEqual({ code: "internal", message: "it exited without a message" });
    expect(childError("error: usage: y", "spawn node ENOENT")).toEqual({ code: "internal", message: "spawn node ENOENT" });
  });
});

describe("the pull request", () => {
  const outcome: Outcome = {
    overlay: "prod",
    release: parseRelease("medusa", FULL),
    previous: "9496114",
    digest: "sha256:00ff",
    job: { before: "medusa-migrate-9496114", after: "medusa-migrate-abc1234" },
    containers: ["Deployment/medusa container medusa", "Job/medusa-migrate-abc1234 container migrate"],
    files: ["docs/published-images.yaml", "overlays/prod/derived/migration-job.yaml", "overlays/prod/kustomization.yaml"],
  };

  it("has one branch per overlay and image", () => {
    expect(branchName("home-ops", "storefront")).toBe("release/home-ops/storefront");
    expect(pullRequestText(outcome).branch).toBe("release/prod/medusa");
  });

  it("says old tag → new tag, the re-rendered Job name, the app's changes, where the tag was checked and what to do first", () => {
    const { title, body } = pullRequestText(outcome);
    expect(title).toBe("prod: medusa 9496114 → abc1234");
    expect(body).toBe(
      [
        `Moves overlays/prod to the medusa image of app commit [\`abc1234\`](${APP_REPOSITORY}/commit/${FULL}).`,
        "",
        "| | before | after |",
        "|---|---|---|",
        `| ${MEDUSA} | \`9496114\` | \`abc1234\` |`,
        "| migration Job | `medusa-migrate-9496114` | `medusa-migrate-abc1234` |",
        "",
        `- What changed in the app: ${APP_REPOSITORY}/compare/9496114...abc1234`,
        `- The registry has \`${MEDUSA}:abc1234\` (manifest \`sha256:00ff\`); it was checked before this branch was written.`,
        "- Every medusa container of the built overlay runs `abc1234`: `Deployment/medusa container medusa`, `Job/medusa-migrate-abc1234 container migrate`.",
        "- Files: `docs/published-images.yaml`, `overlays/prod/derived/migration-job.yaml`, `overlays/prod/kustomization.yaml`; written by `npm run release` (set-image, then render).",
        "- Before merging: take a database backup. The renamed migration Job runs `medusa db:migrate` for the new tag, and migrations only go forward (docs/operations.md, \"Rollback\").",
        "",
      ].join("\n"),
    );
  });

  it("for the storefront: the Job keeps its name, no backup advice, no digest when the registry gave none", () => {
    const { title, body } = pullRequestText({
      ...outcome,
      release: parseRelease("storefront", "1234567"),
      previous: "b60245b",
      digest: "",
      job: { before: "medusa-migrate-9496114", after: "medusa-migrate-9496114" },
    });
    expect(title).toBe("prod: storefront b60245b → 1234567");
    expect(body).toBe(
      [
        `Moves overlays/prod to the storefront image of app commit [\`1234567\`](${APP_REPOSITORY}/commit/1234567).`,
        "",
        "| | before | after |",
        "|---|---|---|",
        `| ${APP_IMAGES.storefront} | \`b60245b\` | \`1234567\` |`,
        "| migration Job | `medusa-migrate-9496114` (unchanged) | |",
        "",
        `- What changed in the app: ${APP_REPOSITORY}/compare/b60245b...1234567`,
        `- The registry has \`${APP_IMAGES.storefront}:1234567\`; it was checked before this branch was written.`,
        "- Every storefront container of the built overlay runs `1234567`: `Deployment/medusa container medusa`, `Job/medusa-migrate-abc1234 container migrate`.",
        "- Files: `docs/published-images.yaml`, `overlays/prod/derived/migration-job.yaml`, `overlays/prod/kustomization.yaml`; written by `npm run release` (set-image, then render).",
        "",
      ].join("\n"),
    );
  });
});

it("the kustomization's images: entries name each app image once (what set-image edits decides for every container)", () => {
  for (const overlay of ["overlays/prod", "overlays/home-ops", "overlays/dev"]) {
    const images = (parse(readFileSync(join(REPO_ROOT, overlay, "kustomization.yaml"), "utf8")) as { images: Array<{ name: string }> }).images.map((i) => i.name);
    expect(images.filter((n) => n === MEDUSA), overlay).toHaveLength(1);
  }
});
