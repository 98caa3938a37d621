/**
 * `npm run release` end to end, on a scratch copy of the repository, against a registry of our
 * own on 127.0.0.1 that holds the tags each test says: the dispatch payload refused before the
 * registry is asked, a commit without an image refused with the app's rule, the plan, and one
 * overlay moved with set-image and render, its build checked and its pull request's text written.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { parsePublishedImages } from "../../scripts/lib/published-images.ts";
import { imageTags } from "../../scripts/lib/release.ts";
import { APP_IMAGES } from "../../scripts/lib/set-image.ts";
import { RepoCopy, runCommandAsync } from "../support/repo-copy.ts";
import { tool } from "../support/tools.ts";

const MEDUSA = APP_IMAGES.medusa;
const SHA = "abc1234def5678901234567890abcdef01234567";
/** What the registry holds, by repository path; tests change it. */
const published = new Map<string, Set<string>>([["ekenheim/ecom/medusa", new Set(["abc1234"])], ["ekenheim/ecom/storefront", new Set()]]);
const asked: string[] = [];
let server: Server;
let registry: string;
let copy: RepoCopy;

beforeAll(async () => {
  server = createServer((req, res) => {
    asked.push(`${req.method} ${req.url}`);
    if (req.url!.startsWith("/token")) return res.writeHead(200, { "content-type": "application/json" }).end('{"token":"t"}');
    const m = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(req.url!);
    const found = m !== null && req.headers.authorization === "Bearer t" && published.get(m[1]!)?.has(m[2]!);
    res.writeHead(found ? 200 : 404, found ? { "docker-content-digest": `sha256:${"0".repeat(64)}` } : {}).end();
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  registry = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  copy = new RepoCopy();
  copy.linkNodeModules();
});
afterAll(async () => {
  copy?.remove();
  await new Promise((done) => server.close(done));
});

function release(...args: string[]) {
  // Asynchronous: the registry answers from this process.
  return runCommandAsync(process.execPath, [join(copy.root, "scripts/release.ts"), ...args, "--registry", registry], {
    env: { ...process.env, GHCR_USERNAME: "", GHCR_TOKEN: "", NO_COLOR: "1" },
  });
}
const outFile = (name: string) => join(copy.root, ".git", name);
const out = (name: string) => JSON.parse(readFileSync(outFile(name), "utf8"));
const build = (overlay: string) => parseAllDocuments(execFileSync(tool("kubectl"), ["kustomize", join(copy.root, "overlays", overlay)], { encoding: "utf8" })).map((d) => d.toJS());

describe("npm run release -- plan", () => {
  it("refuses a payload that is not medusa|storefront and a commit SHA, before asking the registry", async () => {
    asked.length = 0;
    const image = await release("plan", "redis", SHA);
    expect([image.status, image.stderr]).toEqual([1, 'error: usage: image "redis" is not medusa or storefront\n']);
    const sha = await release("plan", "medusa", "$(id)");
    expect([sha.status, sha.stderr]).toEqual([1, 'error: sha-invalid: "$(id)" is not an app commit: expected its SHA, 7 to 40 lower-case hex characters\n']);
    const usage = await release("plan", "medusa");
    expect(usage.stderr).toMatch(/^error: usage: npm run release -- plan <medusa\|storefront> <sha>/);
    expect(asked).toEqual([]);
  });

  it("refuses a commit the app published no image for, saying why, and changes nothing", async () => {
    const r = await release("plan", "storefront", SHA, "--out", outFile("plan-none.json"));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /^error: image-unpublished: ghcr\.io\/ekenheim\/ecom\/storefront:abc1234 is not on the registry: app commit abc1234def\S+ published no storefront image\. Nothing to release: the app's \.github\/workflows\/docker-storefront\.yml publishes storefront only for commits on main that touch storefront\//,
    );
    expect(asked.slice(-2)).toEqual(["GET /token?scope=repository%3Aekenheim%2Fecom%2Fstorefront%3Apull", "HEAD /v2/ekenheim/ecom/storefront/manifests/abc1234"]);
    expect(copy.changedFiles()).toEqual([]);
  });

  it("lists the overlays that follow the releases and pin another tag: prod and home-ops, not dev", async () => {
    const r = await release("plan", "medusa", SHA, "--out", outFile("plan.json"));
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe("overlays/home-ops: moves to medusa abc1234\noverlays/prod: moves to medusa abc1234\n");
    expect(out("plan.json")).toEqual({
      app: "medusa", image: MEDUSA, sha: SHA, tag: "abc1234", digest: `sha256:${"0".repeat(64)}`, update: ["home-ops", "prod"], current: [],
    });
    expect(copy.changedFiles()).toEqual([]);
  });
});

describe("npm run release -- apply", () => {
  it("refuses an overlay that does not pull the published images", async () => {
    const r = await release("apply", "dev", "medusa", SHA);
    expect(r.stderr).toMatch(/^error: overlay-unpinned: overlays\/dev does not follow the releases/);
    const missing = await release("apply", "staging", "medusa", SHA);
    expect(missing.stderr).toBe("error: overlay-missing: no overlay overlays/staging/kustomization.yaml\n");
  });

  it("moves prod: the tag, the re-rendered migration Job, the published table; every medusa container on the new tag", async () => {
    const before = build("prod");
    const r = await release("apply", "prod", "medusa", SHA, "--out", outFile("apply.json"));
    expect(r.status, r.stderr).toBe(0);
    expect(copy.changedFiles()).toEqual(["docs/published-images.yaml", "overlays/prod/derived/migration-job.yaml", "overlays/prod/kustomization.yaml"]);
    expect(copy.read("overlays/prod/kustomization.yaml")).toContain(`  - name: ${MEDUSA}\n    newTag: "abc1234"\n`);
    expect(parsePublishedImages(copy.read("docs/published-images.yaml")).get(MEDUSA)!.tags[0]).toBe("abc1234");
    expect(copy.read("docs/published-images.yaml")).toContain(`# app commit ${SHA}, found on the registry by npm run release\n`);

    const after = build("prod");
    expect([...imageTags(after, MEDUSA).keys()]).toEqual(["abc1234"]);
    expect(imageTags(after, MEDUSA).get("abc1234")).toEqual(expect.arrayContaining([
      "Deployment/medusa container medusa", "Deployment/medusa-worker container medusa-worker", "Job/medusa-migrate-abc1234 container migrate",
    ]));
    expect(after.filter((o) => o.kind === "Job").map((o) => o.metadata.name)).toEqual(["medusa-migrate-abc1234"]);
    expect(imageTags(after, APP_IMAGES.storefront)).toEqual(imageTags(before, APP_IMAGES.storefront));

    const result = out("apply.json");
    expect(result).toMatchObject({ changed: true, branch: "release/prod/medusa", title: "prod: medusa 9496114 → abc1234", files: copy.changedFiles() });
    expect(result.body).toContain("| migration Job | `medusa-migrate-9496114` | `medusa-migrate-abc1234` |");
    expect(result.body).toContain("`Deployment/medusa-worker container medusa-worker`");
    expect(r.stdout).toContain(`prod: medusa 9496114 → abc1234\n\n${result.body}`);
  });

  it("has nothing to do when the overlay already pins the tag", async () => {
    const r = await release("apply", "prod", "medusa", "abc1234", "--out", outFile("again.json"));
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe("overlays/prod already pins medusa abc1234: nothing to change\n");
    expect(out("again.json")).toEqual({ changed: false });
    copy.git("checkout", "--", ".");
  });

  it("refuses a tag the registry does not have, leaving the overlay as it was", async () => {
    const r = await release("apply", "prod", "medusa", "fedcba9");
    expect(r.stderr).toMatch(/^error: image-unpublished: ghcr\.io\/ekenheim\/ecom\/medusa:fedcba9 is not on the registry/);
    expect(copy.changedFiles()).toEqual([]);
  });

  it("refuses a build where the worker runs another medusa tag than the server (the owner's cluster once did)", async () => {
    // A second images entry renames the worker's image to medusa at its own tag, after the first entry ran.
    copy.edit("overlays/prod/kustomization.yaml", /^replicas:\n/m, `  - name: ${MEDUSA}-worker-pin\n    newName: ${MEDUSA}\n    newTag: "0000000"\nreplicas:\n`);
    copy.edit("overlays/prod/kustomization.yaml", /^patches:\n/m, [
      "patches:",
      "  - target: {kind: Deployment, name: medusa-worker}",
      "    patch: |-",
      "      - op: replace",
      "        path: /spec/template/spec/containers/0/image",
      `        value: ${MEDUSA}-worker-pin`,
      "",
    ].join("\n"));
    copy.commit("pin the worker by hand");
    const r = await release("apply", "prod", "medusa", SHA);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /error: image-tags-differ: overlays\/prod: the containers of ghcr\.io\/ekenheim\/ecom\/medusa run different tags: abc1234 \(Deployment\/medusa container medusa, .*Job\/medusa-migrate-abc1234 container migrate\); 0000000 \(Deployment\/medusa-worker container medusa-worker\)\./,
    );
  });
});
