// npm run release -- plan <medusa|storefront> <sha> [--out FILE] [--registry URL]
// npm run release -- apply <env> <medusa|storefront> <sha> [--out FILE] [--registry URL]
// The release workflow's steps (.github/workflows/release.yml, docs/operations.md "Releases"):
// `plan` checks that the app commit has a published image and lists the overlays to move; `apply`
// moves one overlay with set-image, records the tag in docs/published-images.yaml, checks the
// build and writes the pull request's text. GHCR_USERNAME and GHCR_TOKEN are used only when the
// registry refuses an anonymous look.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { parseArgs } from "node:util";
import { CommandError, main } from "./lib/command.ts";
import { imageRef, lookupTag, type Credentials } from "./lib/image-registry.ts";
import { buildOverlay } from "./lib/overlay.ts";
import { PUBLISHED_IMAGES_FILE, readPublishedImages } from "./lib/published-images.ts";
import {
  addPublishedTag,
  childError,
  followsReleases,
  migrationJobName,
  oneTag,
  parseRelease,
  pinnedTag,
  planOverlays,
  pullRequestText,
  unpublishedMessage,
  type Release,
} from "./lib/release.ts";
import { overlayDir, readText } from "./lib/repo.ts";
import { REPO_ROOT } from "./lib/repo-root.ts";
import { APP_IMAGES } from "./lib/set-image.ts";

const USAGE =
  "usage: npm run release -- plan <medusa|storefront> <sha> [--out FILE] [--registry URL]\n" +
  "       npm run release -- apply <env> <medusa|storefront> <sha> [--out FILE] [--registry URL]";

function credentials(): Credentials | undefined {
  const { GHCR_USERNAME: username, GHCR_TOKEN: password } = process.env;
  return username && password ? { username, password } : undefined;
}

/** The image's manifest digest; refuses a commit the app published no image for. */
async function published(release: Release, registry: string | undefined): Promise<string> {
  const found = await lookupTag(imageRef(release.image, registry), release.tag, { credentials: credentials() });
  if (!found.found) throw new CommandError("image-unpublished", unpublishedMessage(release, readPublishedImages(REPO_ROOT), found.anonymous));
  console.error(`release: ${release.image}:${release.tag} is on the registry${found.digest ? ` (${found.digest})` : ""}`);
  return found.digest;
}

function follows(env: string): boolean {
  const policy = join(REPO_ROOT, "overlays", env, "policy", "policy.yaml");
  return existsSync(policy) && followsReleases(readText(policy), relative(REPO_ROOT, policy));
}

const kustomization = (env: string) => join(overlayDir(env), "kustomization.yaml");

function writeOut(file: string | undefined, value: unknown): void {
  if (file) writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

async function plan(release: Release, opts: { out?: string; registry?: string }): Promise<void> {
  const digest = await published(release, opts.registry);
  const envs = readdirSync(join(REPO_ROOT, "overlays")).filter((e) => existsSync(join(REPO_ROOT, "overlays", e, "kustomization.yaml")));
  const result = planOverlays(envs.map((e) => ({ overlay: e, follows: follows(e), pinned: pinnedTag(readText(kustomization(e)), release.image) })), release.tag);
  for (const e of result.update) console.log(`overlays/${e}: moves to ${release.app} ${release.tag}`);
  for (const e of result.current) console.log(`overlays/${e}: already pins ${release.app} ${release.tag}`);
  writeOut(opts.out, { ...release, digest, ...result });
}

/** The files a release may change, with their contents, to name the ones it did. */
function snapshot(env: string): Map<string, string> {
  const derived = join(overlayDir(env), "derived");
  const files = [kustomization(env), join(REPO_ROOT, PUBLISHED_IMAGES_FILE), ...readdirSync(derived).map((f) => join(derived, f))];
  return new Map(files.map((f) => [relative(REPO_ROOT, f), readFileSync(f, "utf8")]));
}

async function apply(env: string, release: Release, opts: { out?: string; registry?: string }): Promise<void> {
  if (!follows(env)) {
    throw new CommandError(
      "overlay-unpinned",
      `overlays/${env} does not follow the releases: its policy does not set spec.requirePinnedSha, so it runs images built for it (docs/operations.md, "Building the images")`,
    );
  }
  const previous = pinnedTag(readText(kustomization(env)), release.image);
  if (previous === undefined) throw new CommandError("image-edit", `overlays/${env}/kustomization.yaml pins no tag for ${release.image}`);
  const digest = await published(release, opts.registry);
  if (previous === release.tag) {
    console.log(`overlays/${env} already pins ${release.app} ${release.tag}: nothing to change`);
    writeOut(opts.out, { changed: false });
    return;
  }
  const jobBefore = migrationJobName(buildOverlay(env), `overlays/${env}`);
  const before = snapshot(env);
  const table = join(REPO_ROOT, PUBLISHED_IMAGES_FILE);
  const tableText = readText(table);
  const note = `app commit ${release.sha}, found on the registry by npm run release`;
  writeFileSync(table, addPublishedTag(tableText, release.image, release.tag, new Date().toISOString().slice(0, 10), note));

  const setImage = spawnSync(process.execPath, [join(REPO_ROOT, "scripts", "set-image.ts"), env, release.app, release.tag], {
    cwd: REPO_ROOT, stdio: ["ignore", "inherit", "pipe"], encoding: "utf8",
  });
  process.stderr.write(setImage.stderr ?? "");
  if (setImage.status !== 0) {
    writeFileSync(table, tableText);
    const { code, message } = childError(setImage.stderr ?? "", setImage.error?.message);
    throw new CommandError(code, `set-image failed: ${message}`);
  }

  // Whatever set-image changed, the build decides: every medusa container on one tag, the released image on the new one.
  const after = buildOverlay(env);
  oneTag(after, APP_IMAGES.medusa, `overlays/${env}`);
  const released = oneTag(after, release.image, `overlays/${env}`);
  if (released.tag !== release.tag) throw new CommandError("internal", `overlays/${env} builds ${release.image}:${released.tag} after set-image, not ${release.tag}`);
  const afterFiles = snapshot(env);
  const files = [...afterFiles.keys()].filter((f) => afterFiles.get(f) !== before.get(f)).sort();
  const text = pullRequestText({
    overlay: env, release, previous, digest, job: { before: jobBefore, after: migrationJobName(after, `overlays/${env}`) }, containers: released.containers, files,
  });
  console.log(`\n${text.title}\n\n${text.body}`);
  writeOut(opts.out, { changed: true, files, ...text });
}

await main(async () => {
  const { values, positionals } = parseArgs({
    args: process.argv.slice(2),
    options: { out: { type: "string" }, registry: { type: "string" } },
    allowPositionals: true,
    strict: true,
  });
  const [step, ...rest] = positionals;
  if (step === "plan" && rest.length === 2) return plan(parseRelease(rest[0]!, rest[1]!), values);
  if (step === "apply" && rest.length === 3) {
    overlayDir(rest[0]!);
    return apply(rest[0]!, parseRelease(rest[1]!, rest[2]!), values);
  }
  throw new CommandError("usage", USAGE);
}, USAGE);
