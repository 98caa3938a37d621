/**
 * The shop's own images, medusa and storefront, built from the app's source the way their Dockerfiles
 * build them (builder stage, then a runner stage that keeps only what runs), without a container engine:
 * the RUN steps run on the host with its Node.js 20, the image's /app becomes a directory of the cache.
 *
 * Warm the cache from a shell:
 *   node test/rehearsal/images-apps.ts medusa|storefront [--source DIR] [--build-arg K=V]... [--build-env K=V]...
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { ImageFs } from "./image.ts";
import { cachedBuild, downloadsDir, inputKey } from "./images-cache.ts";
import { STANDARD_PATH } from "./images-layer.ts";
import { contextFiles, copyContext, hashContext } from "./images-context.ts";
import { effectiveArgs } from "./images-dockerfile.ts";
import { FONT_PACKAGES, mockGoogleFonts } from "./images-fonts.ts";
import { findNode, npmPackage, runStep, stepEnv, type NodeRuntime } from "./images-run.ts";
import { scratchParent } from "../support/scratch-dir.ts";

/** Bump when the way an image is made changes, so builds made the old way are not reused. */
const RECIPE = 1;

/** node:20-alpine's major version; the host's Node.js of that major builds and runs the images. */
const NODE_MAJOR = 20;

/** The npm node:20-alpine ships, which the medusa runner stage's `npm install` uses. */
const NPM_VERSION = "10.8.2";

type Log = (line: string) => void;

/** The accounts of node:20-alpine's /etc/passwd that a process may run as. */
const BASE_ACCOUNTS = [
  { name: "root", uid: 0, gid: 0, home: "/root" },
  { name: "node", uid: 1000, gid: 1000, home: "/home/node" },
];

/** `yarn@4.7.0+sha512...` → `4.7.0`: the version corepack would run for the project. */
function pinnedYarn(dir: string): string {
  const field = (JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { packageManager?: string }).packageManager;
  const m = field === undefined ? null : /^yarn@(\d+\.\d+\.\d+[^+]*)/.exec(field);
  if (!m) throw new Error(`${join(dir, "package.json")}: no yarn version in its packageManager field (${field ?? "absent"})`);
  return m[1]!;
}

/** What a Dockerfile's `COPY --chown` or `RUN chown -R` leaves; only root can give files away. */
function chownTree(path: string, uid: number, gid: number): void {
  if (process.getuid?.() !== 0) return;
  execFileSync("chown", ["-hR", `${uid}:${gid}`, path]);
}

function contextDir(source: string, app: string): string {
  const dir = join(resolve(source), app);
  if (!existsSync(join(dir, "Dockerfile"))) throw new Error(`${dir}: no Dockerfile there; the source must be an ecom checkout (the folder holding medusa/ and storefront/)`);
  return dir;
}

/**
 * A scratch directory for a builder stage, removed whatever happens. A builder holds a large
 * node_modules, which is slow to remove from a disk mounted with `discard` and quick from /dev/shm.
 */
async function inScratch<T>(app: string, work: (scratch: string) => Promise<T>): Promise<T> {
  const scratch = mkdtempSync(join(scratchParent(process.env) ?? tmpdir(), `ecom-image-${app}-`));
  try {
    return await work(scratch);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Runs a step that is not a command (copying files between stages), naming it when it fails. */
function fileStep<T>(step: string, work: () => T): T {
  try {
    return work();
  } catch (err) {
    throw new Error(`${step} failed: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function timed(log: Log): (step: string) => void {
  let last = Date.now();
  return (step) => {
    const now = Date.now();
    log(`${step} done in ${((now - last) / 1000).toFixed(1)} s`);
    last = now;
  };
}

/** What both builds start from: the app's build context, its Dockerfile's args, its yarn and Node.js. */
function buildInputs(source: string, app: "medusa" | "storefront", buildArgs: Record<string, string>, log: Log) {
  const context = contextDir(source, app);
  return {
    context,
    files: contextFiles(context),
    args: effectiveArgs(join(context, "Dockerfile"), buildArgs, log),
    yarnVersion: pinnedYarn(context),
    node: findNode(NODE_MAJOR),
  };
}

export async function medusaImage(opts: { source: string; buildArgs: Record<string, string>; log: Log }): Promise<ImageFs> {
  const { log } = opts;
  const { context, files, args, yarnVersion, node } = buildInputs(opts.source, "medusa", opts.buildArgs, log);
  const key = inputKey({ recipe: RECIPE, context: hashContext(context, files), args, yarn: yarnVersion, node: node.version, npm: NPM_VERSION });
  const dir = await cachedBuild("medusa", key, (out) => buildMedusa({ context, files, args, yarnVersion, node, out, log }), log);
  return {
    ref: `medusa:${key}`,
    layers: [{ host: join(dir, "app"), at: "/app" }],
    cmd: ["node", "index.js"],
    workingDir: "/app",
    env: { PATH: STANDARD_PATH, NODE_VERSION: node.version },
    user: { uid: 1000, gid: 1000 },
    accounts: BASE_ACCOUNTS,
  };
}

async function buildMedusa(b: {
  context: string; files: ReturnType<typeof contextFiles>; args: Record<string, string>;
  yarnVersion: string; node: NodeRuntime; out: string; log: Log;
}): Promise<void> {
  const { node, log } = b;
  const done = timed(log);
  const yarn = join(await npmPackage(node, "@yarnpkg/cli-dist", b.yarnVersion, log), "bin", "yarn.js");
  const npm = join(await npmPackage(node, "npm", NPM_VERSION, log), "bin", "npm-cli.js");
  await inScratch("medusa", async (scratch) => {
    const builder = join(scratch, "app");
    fileStep("medusa: copying the build context", () => copyContext(b.context, b.files, builder));
    const env = stepEnv(node, join(scratch, "home"), {
      YARN_GLOBAL_FOLDER: join(downloadsDir(), "yarn-berry"),
      YARN_ENABLE_TELEMETRY: "0",
      YARN_ENABLE_PROGRESS_BARS: "0",
    });
    mkdirSync(env.HOME!, { recursive: true });
    done("medusa: package managers and build context");
    log(`medusa: yarn ${b.yarnVersion} install --immutable`);
    await runStep("medusa: yarn install --immutable", [node.path, yarn, "install", "--immutable"], { cwd: builder, env, log });
    done("medusa: yarn install");
    await runStep("medusa: yarn build", [node.path, yarn, "build"], { cwd: builder, env: { ...env, ...b.args }, log });
    done("medusa: yarn build");

    const server = join(builder, ".medusa", "server");
    const app = join(b.out, "app");
    fileStep("medusa: runner stage (COPY package.json)", () => {
      mkdirSync(app);
      copyFileSync(join(server, "package.json"), join(app, "package.json"));
    });
    await runStep("medusa: npm install --omit=dev", [node.path, npm, "install", "--omit=dev"], {
      cwd: app,
      env: stepEnv(node, join(scratch, "home"), {
        npm_config_cache: join(downloadsDir(), "npm"),
        npm_config_update_notifier: "false",
        npm_config_audit: "false",
        npm_config_fund: "false",
      }),
      log,
    });
    done("medusa: npm install --omit=dev");
    fileStep("medusa: runner stage (COPY .medusa/server, chown)", () => {
      cpSync(server, app, { recursive: true, verbatimSymlinks: true });
      chownTree(app, 1000, 1000);
    });
    done("medusa: runner stage");
  });
}

/** The Dockerfile's base stage sets it for every later stage, the runner included. */
const STOREFRONT_BASE_ENV = { NEXT_TELEMETRY_DISABLED: "1" };

/**
 * `addedFiles` are written into the build context before the build, as an operator copies them into
 * the app's checkout (the dev overlay's `.env.production`, docs/operations.md).
 */
export async function storefrontImage(opts: {
  source: string; buildArgs: Record<string, string>; addedFiles: Record<string, string>; log: Log;
}): Promise<ImageFs> {
  const { log } = opts;
  const { context, files, args, yarnVersion, node } = buildInputs(opts.source, "storefront", opts.buildArgs, log);
  const key = inputKey({
    recipe: RECIPE, context: hashContext(context, files), args, addedFiles: opts.addedFiles,
    yarn: yarnVersion, node: node.version, fonts: FONT_PACKAGES,
  });
  const dir = await cachedBuild("storefront", key, (out) => buildStorefront({ context, files, args, addedFiles: opts.addedFiles, yarnVersion, node, out, log }), log);
  return {
    ref: `storefront:${key}`,
    layers: [{ host: join(dir, "app"), at: "/app" }],
    cmd: ["node", "server.js"],
    workingDir: "/app",
    env: { PATH: STANDARD_PATH, NODE_VERSION: node.version, ...STOREFRONT_BASE_ENV, NODE_ENV: "production", PORT: "8000", HOSTNAME: "0.0.0.0" },
    // `adduser --system` without a group puts nextjs in Alpine's nogroup (65533), not in nodejs (1001).
    user: { uid: 1001, gid: 65533 },
    accounts: [...BASE_ACCOUNTS, { name: "nextjs", uid: 1001, gid: 65533, home: "/home/nextjs" }],
  };
}

async function buildStorefront(b: {
  context: string; files: ReturnType<typeof contextFiles>; args: Record<string, string>; addedFiles: Record<string, string>;
  yarnVersion: string; node: NodeRuntime; out: string; log: Log;
}): Promise<void> {
  const { node, log } = b;
  const done = timed(log);
  const yarn = join(await npmPackage(node, "yarn", b.yarnVersion, log), "bin", "yarn.js");
  await inScratch("storefront", async (scratch) => {
    const builder = join(scratch, "app");
    fileStep("storefront: copying the build context", () => {
      copyContext(b.context, b.files, builder);
      for (const [name, content] of Object.entries(b.addedFiles)) writeFileSync(join(builder, name), content);
    });
    const env = stepEnv(node, join(scratch, "home"), { ...STOREFRONT_BASE_ENV, YARN_CACHE_FOLDER: join(downloadsDir(), "yarn-classic") });
    mkdirSync(env.HOME!, { recursive: true });
    done("storefront: package manager and build context");
    log(`storefront: yarn ${b.yarnVersion} install --frozen-lockfile`);
    await runStep("storefront: yarn install --frozen-lockfile", [node.path, yarn, "install", "--frozen-lockfile"], { cwd: builder, env, log });
    done("storefront: yarn install");
    const fonts = await mockGoogleFonts(builder, scratch, node, log);
    await runStep("storefront: yarn build", [node.path, yarn, "build"], { cwd: builder, env: { ...env, ...b.args, ...fonts }, log });
    done("storefront: yarn build");

    fileStep("storefront: runner stage (COPY public, .next/standalone, .next/static)", () => {
      const app = join(b.out, "app");
      mkdirSync(app);
      cpSync(join(builder, "public"), join(app, "public"), { recursive: true, verbatimSymlinks: true });
      const standalone = join(builder, ".next", "standalone");
      const owned = readdirSync(standalone);
      cpSync(standalone, app, { recursive: true, verbatimSymlinks: true });
      cpSync(join(builder, ".next", "static"), join(app, ".next", "static"), { recursive: true, verbatimSymlinks: true });
      // COPY --chown=nextjs:nodejs: what came from standalone and static; /app itself and public/ stay root's.
      for (const entry of owned) chownTree(join(app, entry), 1001, 1001);
      chownTree(join(app, ".next", "static"), 1001, 1001);
    });
    done("storefront: runner stage");
  });
}

function parseCli(argv: string[]): { app: string; source: string; buildArgs: Record<string, string>; addedFiles: Record<string, string> } {
  const usage = "usage: node test/rehearsal/images-apps.ts medusa|storefront [--source DIR] [--build-arg K=V]... [--add-file NAME=PATH]...";
  const [app, ...rest] = argv;
  if (app !== "medusa" && app !== "storefront") throw new Error(usage);
  let source = process.env.ECOM_APP_SOURCE;
  const buildArgs: Record<string, string> = {};
  const addedFiles: Record<string, string> = {};
  for (let i = 0; i < rest.length; i++) {
    const flag = rest[i];
    const value = rest[++i];
    if (value === undefined) throw new Error(usage);
    if (flag === "--source") source = value;
    else if (flag === "--build-arg" || flag === "--add-file") {
      const eq = value.indexOf("=");
      if (eq <= 0) throw new Error(`${flag} ${value}: expected NAME=VALUE`);
      if (flag === "--build-arg") buildArgs[value.slice(0, eq)] = value.slice(eq + 1);
      else addedFiles[value.slice(0, eq)] = readFileSync(value.slice(eq + 1), "utf8");
    } else throw new Error(usage);
  }
  if (!source) throw new Error(`no app source: pass --source DIR or set ECOM_APP_SOURCE\n${usage}`);
  return { app, source, buildArgs, addedFiles };
}

if (import.meta.main) {
  const started = Date.now();
  try {
    const cli = parseCli(process.argv.slice(2));
    const log = (line: string) => process.stderr.write(`${line}\n`);
    const image = cli.app === "medusa"
      ? await medusaImage({ source: cli.source, buildArgs: cli.buildArgs, log })
      : await storefrontImage({ source: cli.source, buildArgs: cli.buildArgs, addedFiles: cli.addedFiles, log });
    process.stdout.write(`${image.layers[0]!.host}\n`);
    process.stderr.write(`${cli.app} image ready in ${((Date.now() - started) / 1000).toFixed(2)} s\n`);
  } catch (err) {
    process.stderr.write(`images-apps: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}
