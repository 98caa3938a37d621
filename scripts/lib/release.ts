/**
 * What a release pull request is made of: the app commit it was asked for, the overlays that
 * follow the published images, the one tag every medusa container must run after the edit, the
 * line that records the verified tag in docs/published-images.yaml, and the pull request's text.
 * scripts/release.ts does the I/O (registry, set-image, the build); every decision is here.
 */
import { isMap, isSeq, parse, parseDocument, type Scalar } from "yaml";
import { containersOf, isMigrationJob, type ObjectLike } from "../../functions/src/core/shop-objects.ts";
import { SCRIPT_CODES, type ScriptCode } from "./codes.ts";
import { CommandError } from "./command.ts";
import { parsePublishedImages, PUBLISHED_IMAGES_FILE, type PublishedImages } from "./published-images.ts";
import { APP_IMAGES, isApp, type App } from "./set-image.ts";

/** The repository_dispatch event type the app's image workflows send (docs/operations.md, "Releases"). */
export const DISPATCH_EVENT = "ecom-image-published";
export const APP_REPOSITORY = "https://github.com/ekenheim/ecom";

export interface Release {
  app: App;
  image: string;
  /** the app commit as it was given: full or short */
  sha: string;
  /** the tag the app's workflows push for it: the 7-character short SHA */
  tag: string;
}

/** The dispatch payload's (or the manual inputs') image and commit, checked before anything runs on them. */
export function parseRelease(app: string, sha: string): Release {
  if (!isApp(app)) throw new CommandError("usage", `image ${JSON.stringify(app)} is not medusa or storefront`);
  if (!/^[0-9a-f]{7,40}$/.test(sha)) {
    throw new CommandError("sha-invalid", `${JSON.stringify(sha)} is not an app commit: expected its SHA, 7 to 40 lower-case hex characters`);
  }
  return { app, image: APP_IMAGES[app], sha, tag: sha.slice(0, 7) };
}

/** Whether an overlay follows the releases: its DeployPolicy requires published, pinned tags (dev builds its own). */
export function followsReleases(policyText: string, file: string): boolean {
  const doc = parse(policyText) as { kind?: unknown; spec?: { requirePinnedSha?: unknown } } | null;
  if (doc?.kind !== "DeployPolicy") throw new Error(`${file}: not a DeployPolicy`);
  return doc.spec?.requirePinnedSha === true;
}

/** The tag an overlay's kustomization.yaml pins for `image`, or undefined when it pins none. */
export function pinnedTag(kustomizationText: string, image: string): string | undefined {
  const images = (parse(kustomizationText) as { images?: unknown } | null)?.images;
  const entry = Array.isArray(images) ? (images as Array<{ name?: unknown; newTag?: unknown } | null>).find((i) => i?.name === image) : undefined;
  return entry?.newTag == null ? undefined : String(entry.newTag);
}

export interface Plan {
  /** overlays that follow the releases and pin another tag */
  update: string[];
  /** overlays that follow the releases and already pin this tag */
  current: string[];
}

export function planOverlays(overlays: ReadonlyArray<{ overlay: string; follows: boolean; pinned: string | undefined }>, tag: string): Plan {
  const followers = overlays.filter((o) => o.follows);
  return {
    update: followers.filter((o) => o.pinned !== tag).map((o) => o.overlay).sort(),
    current: followers.filter((o) => o.pinned === tag).map((o) => o.overlay).sort(),
  };
}

/** Why the registry has no image for the commit, in the app repository's own terms. */
export function unpublishedMessage(release: Release, table: PublishedImages, anonymous: boolean): string {
  const entry = table.get(release.image);
  const rule = entry
    ? `the app's ${entry.workflow} publishes ${release.app} only for commits on main that touch ${entry.paths.join(" or ")}, ` +
      `so most app commits have no ${release.app} image (the newest that has one: \`git log -1 --format=%h origin/main -- ${entry.paths.join(" ")}\` in the app repository)`
    : `${release.image} is not in ${PUBLISHED_IMAGES_FILE}`;
  const asked = anonymous ? "; the registry was asked without credentials" : "";
  return `${release.image}:${release.tag} is not on the registry: app commit ${release.sha} published no ${release.app} image. Nothing to release: ${rule}${asked}`;
}

/** `repo[:tag][@digest]` → repository and tag. */
export function splitImage(ref: string): { repository: string; tag: string | undefined } {
  const name = ref.split("@")[0]!;
  const colon = name.lastIndexOf(":");
  return colon > name.lastIndexOf("/") ? { repository: name.slice(0, colon), tag: name.slice(colon + 1) } : { repository: name, tag: undefined };
}

/** Each tag the containers of `image` run with, and which containers: `Deployment/medusa container medusa`. */
export function imageTags(objects: readonly ObjectLike[], image: string): Map<string, string[]> {
  const tags = new Map<string, string[]>();
  for (const o of objects) {
    for (const { container, init } of containersOf(o)) {
      if (container.image === undefined) continue;
      const { repository, tag } = splitImage(container.image);
      if (repository !== image) continue;
      const key = tag ?? "(no tag)";
      tags.set(key, [...(tags.get(key) ?? []), `${o.kind}/${o.metadata?.name} ${init ? "init container" : "container"} ${container.name}`]);
    }
  }
  return tags;
}

/**
 * The one tag every container of `image` runs with. Server, worker and Jobs share a database
 * schema: a build where they disagree (the owner's cluster once ran its server on one medusa tag
 * and the worker and migration on another) is refused, naming each container.
 */
export function oneTag(objects: readonly ObjectLike[], image: string, overlay: string): { tag: string; containers: string[] } {
  const tags = imageTags(objects, image);
  if (tags.size === 0) throw new CommandError("overlay-facts", `${overlay}: no container runs ${image}`);
  if (tags.size > 1) {
    const each = [...tags].map(([tag, where]) => `${tag} (${where.join(", ")})`).join("; ");
    throw new CommandError(
      "image-tags-differ",
      `${overlay}: the containers of ${image} run different tags: ${each}. Pin the image once, in the overlay's \`images:\` entry, and remove what sets it elsewhere`,
    );
  }
  const [tag, containers] = [...tags][0]!;
  return { tag, containers };
}

export function migrationJobName(objects: readonly ObjectLike[], overlay: string): string {
  // isMigrationJob matched the name, so there is one.
  const jobs = objects.filter(isMigrationJob).map((o) => o.metadata!.name!);
  if (jobs.length !== 1) throw new CommandError("overlay-facts", `${overlay}: expected one migration Job, found ${jobs.length} (${jobs.join(", ")})`);
  return jobs[0]!;
}

/**
 * docs/published-images.yaml with `tag` first in `image`'s list, the rest of the file byte for
 * byte; unchanged when the tag is listed. The tests refuse an overlay that pins an unlisted tag,
 * and the release has just seen this one on the registry.
 */
export function addPublishedTag(text: string, image: string, tag: string, date: string, note: string): string {
  if (parsePublishedImages(text).get(image)?.tags.includes(tag)) return text;
  const doc = parseDocument(text);
  const entry = doc.getIn(["images", image]);
  // The table parsed above: every key is a plain scalar, every node has its range.
  const pair = isMap(entry) ? entry.items.find((p) => (p.key as Scalar).value === "tags") : undefined;
  const list = pair?.value;
  if (!isSeq(list)) throw new Error(`${PUBLISHED_IMAGES_FILE}: images.${image} has no tags list`);
  const key = (pair!.key as Scalar).range!;
  const keyIndent = key[0] - (text.lastIndexOf("\n", key[0]) + 1);
  const lines = (indent: string) => `${indent}# ${note}\n${indent}- tag: "${tag}"\n${indent}  date: "${date}"\n`;
  // A block list has at least one entry: the new one goes right under `tags:`, above the first
  // entry's own comments. An empty list is written `[]` and becomes a block list.
  if (!list.flow) {
    const at = text.indexOf("\n", key[1]) + 1;
    const first = list.range![0];
    return `${text.slice(0, at)}${lines(" ".repeat(first - (text.lastIndexOf("\n", first) + 1)))}${text.slice(at)}`;
  }
  if (list.items.length === 0) {
    const [start, end] = list.range!;
    return `${text.slice(0, start).trimEnd()}\n${lines(" ".repeat(keyIndent + 2)).trimEnd()}${text.slice(end)}`;
  }
  throw new Error(`${PUBLISHED_IMAGES_FILE}: images.${image}.tags is a flow list; write it as a block list`);
}

/** A child command's `error: <code>: <message>` as this command's error, keeping the code when it is one of ours. */
export function childError(stderr: string, spawnError: string | undefined): { code: ScriptCode; message: string } {
  if (spawnError !== undefined) return { code: "internal", message: spawnError };
  const m = /^error: ([a-z0-9-]+): ([\s\S]*)/m.exec(stderr);
  if (!m) return { code: "internal", message: stderr.trim().split("\n").at(-1) || "it exited without a message" };
  const code = (SCRIPT_CODES as readonly string[]).includes(m[1]!) ? (m[1] as ScriptCode) : "internal";
  return { code, message: m[2]!.trim() };
}

export function branchName(overlay: string, app: App): string {
  return `release/${overlay}/${app}`;
}

export interface Outcome {
  overlay: string;
  release: Release;
  previous: string;
  digest: string;
  /** the migration Job's name before and after the render */
  job: { before: string; after: string };
  /** the containers that run the new tag */
  containers: string[];
  files: string[];
}

export interface PullRequestText {
  branch: string;
  title: string;
  body: string;
}

/** The pull request's branch, title and body: what changes, why it is safe to look at, what to do before merging. */
export function pullRequestText(o: Outcome): PullRequestText {
  const { app, image, sha, tag } = o.release;
  const jobRow = o.job.before === o.job.after ? `| migration Job | \`${o.job.after}\` (unchanged) | |` : `| migration Job | \`${o.job.before}\` | \`${o.job.after}\` |`;
  const body = [
    `Moves overlays/${o.overlay} to the ${app} image of app commit [\`${tag}\`](${APP_REPOSITORY}/commit/${sha}).`,
    "",
    "| | before | after |",
    "|---|---|---|",
    `| ${image} | \`${o.previous}\` | \`${tag}\` |`,
    jobRow,
    "",
    `- What changed in the app: ${APP_REPOSITORY}/compare/${o.previous}...${tag}`,
    `- The registry has \`${image}:${tag}\`${o.digest ? ` (manifest \`${o.digest}\`)` : ""}; it was checked before this branch was written.`,
    `- Every ${app} container of the built overlay runs \`${tag}\`: ${o.containers.map((c) => `\`${c}\``).join(", ")}.`,
    `- Files: ${o.files.map((f) => `\`${f}\``).join(", ")}; written by \`npm run release\` (set-image, then render).`,
    ...(app === "medusa"
      ? ["- Before merging: take a database backup. The renamed migration Job runs `medusa db:migrate` for the new tag, and migrations only go forward (docs/operations.md, \"Rollback\")."]
      : []),
  ].join("\n");
  return { branch: branchName(o.overlay, app), title: `${o.overlay}: ${app} ${o.previous} → ${tag}`, body: `${body}\n` };
}
