/**
 * What `npm run render` renders and reads, decided from the package's files before the function
 * runs: which overlays (every one that lists the derived component or carries a policy, or the one
 * named), each overlay's DeployPolicy (refused by name when missing, empty or misplaced), and the
 * files each overlay's kustomization names, which are all the function is given. A file kustomize
 * only reads as generator data is never an item, so its form never matters and it is never written.
 */
import { copyFileSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, symlinkSync } from "node:fs";
import { dirname, join, posix, relative, resolve, sep } from "node:path";
import { CORE_SCHEMA, load, loadAll } from "js-yaml";
import { CommandError } from "./command.ts";

export const DERIVED = "derived";
const POLICY_FILE = "policy/policy.yaml";
const POLICY_KIND = "DeployPolicy";
const KUSTOMIZATION_FILES = ["kustomization.yaml", "kustomization.yml", "Kustomization"];
// Dependencies and history anywhere, and the checkout's local state at its top, are no part of the package.
const SKIP_ANYWHERE = new Set(["node_modules", ".git"]);
const SKIP_AT_TOP = new Set([".cache", ".stryker-tmp", "reports"]);

export interface RenderTarget {
  /** The package's root directory (absolute). */
  root: string;
  /** The directory named inside it, package-relative with `/`: its overlays alone are rendered. */
  only?: string;
}

/**
 * The directory named on the command line, in its package: the nearest directory at or above it
 * that holds a Kptfile or .git (the whole package must be there for kustomize to build in a staging
 * copy). The overlays rendered are those in or below the directory named: one overlay, a folder of
 * them, or every one of the package.
 */
export function renderTarget(arg: string | undefined, cwd: string, defaultRoot: string): RenderTarget {
  const dir = arg === undefined ? defaultRoot : resolve(cwd, arg);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new CommandError("usage", `${arg} is not a directory: name a package (the repository by default), or a directory of overlays or one overlay in it\n${USAGE}`);
  }
  for (let up = dir; ; up = dirname(up)) {
    if (existsSync(join(up, "Kptfile")) || existsSync(join(up, ".git"))) return up === dir ? { root: dir } : { root: up, only: toPosix(relative(up, dir)) };
    if (up === dirname(up)) break;
  }
  if (!kustomizationIn(dir)) return { root: dir };
  throw new CommandError("usage", `${arg} holds a kustomization but no directory above it holds a Kptfile or .git: name the package it belongs to\n${USAGE}`);
}

export const USAGE = "usage: npm run render -- [<package or overlay directory>] [--results <file>]";

export interface OverlayPlan {
  overlay: string;
  policy: PolicyFile;
  /** Every file the overlay's kustomizations name, package-relative, the policy's file included. */
  files: string[];
  /** The directories its kustomizations name: a file written in one changes the overlay's build. */
  dirs: string[];
}

export interface PolicyFile {
  path: string;
  text: string;
  object: Record<string, unknown>;
}

/**
 * The overlays to render, each with its policy and the files it reads; a CommandError per overlay
 * or policy file that cannot be rendered, never a skipped overlay.
 */
export function planRender(target: RenderTarget): { plans: OverlayPlan[]; problems: CommandError[] } {
  const files = packageFiles(target.root);
  const kustomizations = new Map(files.filter((f) => KUSTOMIZATION_FILES.includes(posix.basename(f))).map((f) => [posix.dirname(f), f]));
  const overlays = [...kustomizations.keys()].filter((dir) => listsDerived(target.root, kustomizations.get(dir)!) || files.includes(posix.join(dir, POLICY_FILE)));
  const problems: CommandError[] = [];
  const within = (path: string) => target.only === undefined || path === target.only || path.startsWith(`${target.only}/`);
  const chosen = overlays.filter(within).sort();
  if (target.only !== undefined && kustomizations.has(target.only) && !chosen.includes(target.only)) {
    throw new CommandError("render-no-overlay", `${target.only} is not an overlay the function renders: its kustomization lists no \`${DERIVED}\` component and it has no ${POLICY_FILE}`);
  }
  if (chosen.length === 0) {
    throw new CommandError("render-no-overlay", `no overlay in ${target.only ?? target.root}: no kustomization lists the \`${DERIVED}\` component and no directory has a ${POLICY_FILE}`);
  }
  const owner = (file: string) => overlays.filter((o) => file.startsWith(`${o}/`)).sort((a, b) => b.length - a.length)[0];
  for (const file of files.filter((f) => /\.(ya?ml|json)$/.test(f) && !chosen.some((o) => f === posix.join(o, POLICY_FILE)))) {
    if (!within(file)) continue;
    const home = owner(file);
    const text = readFileSync(join(target.root, file), "utf8");
    if (!text.includes(POLICY_KIND) || !documents(text).some((d) => isPolicy(d))) continue;
    const where = home === undefined ? `in the \`${POLICY_FILE}\` of the overlay it configures` : `to ${posix.join(home, POLICY_FILE)}`;
    problems.push(new CommandError("render-policy-misplaced", `${file}: a ${POLICY_KIND} is read only from <overlay>/${POLICY_FILE}, so this one configures nothing: move it ${where}`));
  }
  const plans: OverlayPlan[] = [];
  for (const overlay of chosen) {
    try {
      const policy = policyOf(target.root, overlay);
      const read = filesOf(target.root, overlay);
      plans.push({ overlay, policy, files: [...read.files, policy.path], dirs: read.dirs });
    } catch (err) {
      if (!(err instanceof CommandError)) throw err;
      problems.push(err);
    }
  }
  return { plans, problems };
}

function policyOf(root: string, overlay: string): PolicyFile {
  const path = posix.join(overlay, POLICY_FILE);
  const fix = `it must hold the overlay's ${POLICY_KIND} (functions/README.md, "Configuration"), or its derived values are never checked against its Ingress`;
  if (!existsSync(join(root, path))) throw new CommandError("render-policy-missing", `${overlay}: ${path} is missing: ${fix}`);
  const text = readFileSync(join(root, path), "utf8");
  let docs: unknown[];
  try {
    docs = documents(text);
  } catch (err) {
    throw new CommandError("render-policy-missing", `${path}: is not valid YAML (${(err as Error).message.split("\n")[0]}): ${fix}`);
  }
  const policies = docs.filter(isPolicy);
  if (docs.length === 0) throw new CommandError("render-policy-missing", `${path}: is empty: ${fix}`);
  if (policies.length !== 1 || docs.length !== 1) {
    const kinds = docs.map((d) => (typeof (d as any)?.kind === "string" ? (d as any).kind : "no kind")).join(", ");
    throw new CommandError("render-policy-missing", `${path}: holds ${kinds} where exactly one ${POLICY_KIND} belongs: ${fix}`);
  }
  return { path, text, object: policies[0] as Record<string, unknown> };
}

function documents(text: string): unknown[] {
  return loadAll(text, null, { schema: CORE_SCHEMA }).filter((d) => d !== null && d !== undefined);
}

const isPolicy = (d: unknown): boolean => typeof d === "object" && d !== null && (d as any).kind === POLICY_KIND;

/** The package's files, package-relative with `/`, as kpt would list them (.krmignore honoured); links are not followed into directories. */
export function packageFiles(root: string): string[] {
  const ignored = krmignore(root);
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      const path = dir ? `${dir}/${entry.name}` : entry.name;
      if (SKIP_ANYWHERE.has(entry.name) || (!dir && SKIP_AT_TOP.has(entry.name)) || ignored(path, entry.isDirectory())) continue;
      if (entry.isDirectory()) walk(path);
      else out.push(path);
    }
  };
  walk("");
  return out;
}

/**
 * The patterns of a package's .krmignore that this package uses, with gitignore's meaning: a name
 * or glob without a slash matches at any depth, a trailing slash only directories, a leading or
 * inner slash anchors the pattern at the root.
 */
function krmignore(root: string): (path: string, isDir: boolean) => boolean {
  const file = join(root, ".krmignore");
  if (!existsSync(file)) return () => false;
  const rules = readFileSync(file, "utf8").split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#")).map((line) => {
    const dirOnly = line.endsWith("/");
    const body = line.replace(/\/$/, "");
    const anchored = body.includes("/");
    const glob = new RegExp(`^${body.replace(/^\//, "").replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*").replace(/\?/g, "[^/]")}$`);
    return { dirOnly, anchored, glob };
  });
  return (path, isDir) => rules.some((r) => (!r.dirOnly || isDir) && r.glob.test(r.anchored ? path : posix.basename(path)));
}

function kustomizationIn(dir: string): string | undefined {
  return KUSTOMIZATION_FILES.find((name) => existsSync(join(dir, name)));
}

function readKustomization(root: string, file: string): Record<string, any> {
  try {
    return (load(readFileSync(join(root, file), "utf8"), { schema: CORE_SCHEMA }) ?? {}) as Record<string, any>;
  } catch {
    // kustomize build names what is wrong with it; the function reads nothing more from here.
    return {};
  }
}

function listsDerived(root: string, file: string): boolean {
  const components = readKustomization(root, file).components;
  // kustomize reads `derived`, `./derived` and `derived/` as the same directory.
  return Array.isArray(components) && components.some((c) => posix.normalize(`${String(c)}/`) === `${DERIVED}/`);
}

/**
 * The files an overlay's build reads as objects, patches or kustomizations, package-relative:
 * resources, components and patch files, followed through every kustomization they name. Generator
 * sources, JSON 6902 patch files and anything not named are left out; a name that is no file is too
 * (the function and kustomize both report it).
 */
export function filesOf(root: string, overlay: string): { files: string[]; dirs: string[] } {
  const out = new Set<string>();
  const dirs = new Set<string>();
  const visit = (dir: string) => {
    dirs.add(dir);
    const name = kustomizationIn(join(root, dir));
    if (!name) return;
    const file = posix.join(dir, name);
    if (out.has(file)) return;
    out.add(file);
    const k = readKustomization(root, file);
    const paths = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);
    const isFile = (p: string) => existsSync(join(root, p)) && statSync(join(root, p)).isFile();
    for (const entry of [...paths(k.resources), ...paths(k.components)]) {
      const path = posix.normalize(posix.join(dir, entry));
      if (isFile(path)) out.add(path);
      else visit(path);
    }
    const patchFiles = [...paths(k.patchesStrategicMerge), ...(Array.isArray(k.patches) ? paths(k.patches.map((p: any) => p?.path)) : [])];
    for (const entry of patchFiles) {
      const path = posix.normalize(posix.join(dir, entry));
      // A JSON 6902 patch file is a list of operations, not an object: the function refuses it by name.
      if (isFile(path) && !/\.jsonpatch\.ya?ml$/.test(path)) out.add(path);
    }
  };
  visit(overlay);
  return { files: [...out], dirs: [...dirs] };
}

/**
 * Why the render may not write `file` (package-relative): a symbolic link on its way, which would
 * carry the write out of the overlay, into another file of the tree.
 */
export function linkOnTheWay(root: string, file: string): string | undefined {
  const parts = file.split("/");
  for (let i = 1; i <= parts.length; i++) {
    const path = join(root, ...parts.slice(0, i));
    if (isLink(path)) return `${parts.slice(0, i).join("/")} is a symbolic link (to ${readlinkSync(path)})`;
    if (!existsSync(path)) return undefined;
  }
  return undefined;
}

/**
 * What kustomize's own refusal of a linked file leaves out: it names the link, says the link is not
 * in its own directory, and means the file the link leads to.
 */
export function linkHint(root: string, problem: string): string {
  const refused = /security; file '([^']+)' is not in or below '([^']+)'/.exec(problem);
  if (!refused || !isLink(refused[1]!)) return "";
  const [, file, dir] = refused as unknown as [string, string, string];
  return `; ${relative(root, file)} is a symbolic link to ${readlinkSync(file)}, and kustomize reads a file only when what a link leads to is in or below ${relative(root, dir)}: move the file there and link to it from elsewhere, or replace the link with a copy`;
}

const isLink = (path: string): boolean => {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
};

const toPosix = (p: string): string => p.split(sep).join("/");

/**
 * A copy of the package to judge a render in before the tree is written. A link whose target stays
 * inside the package is copied as it is, so it resolves to the copy; any other one points at its
 * absolute target, so the copy builds as the tree does.
 */
export function stagePackage(root: string, stage: string): void {
  const copy = (dir: string) => {
    mkdirSync(join(stage, dir), { recursive: true });
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      const path = dir ? join(dir, entry.name) : entry.name;
      if (SKIP_ANYWHERE.has(entry.name) || (!dir && SKIP_AT_TOP.has(entry.name))) continue;
      if (entry.isSymbolicLink()) {
        const link = readlinkSync(join(root, path));
        const to = resolve(root, dir, link);
        symlinkSync(to === root || to.startsWith(root + sep) ? link : to, join(stage, path));
      } else if (entry.isDirectory()) copy(path);
      else copyFileSync(join(root, path), join(stage, path));
    }
  };
  copy("");
}

/**
 * Whether the function's bundle is missing or older than anything it is built from: its sources,
 * its build script, and the manifests and lock files that pin what it bundles.
 */
export function bundleStale(repo: string): boolean {
  const dist = join(repo, "functions", "dist");
  if (!existsSync(dist) || readdirSync(dist).length === 0) return true;
  const built = Math.min(...readdirSync(dist).map((f) => statSync(join(dist, f)).mtimeMs));
  const src = join(repo, "functions", "src");
  const inputs = [
    ...readdirSync(src, { recursive: true, encoding: "utf8" }).map((f) => join(src, f)),
    ...["functions/build.mjs", "functions/package.json", "functions/package-lock.json", "package-lock.json"].map((f) => join(repo, f)),
  ];
  return inputs.some((f) => existsSync(f) && statSync(f).mtimeMs > built);
}
