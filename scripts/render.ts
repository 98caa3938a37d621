// npm run render -- [<package or overlay directory>] [--results <file>]
// Runs the function's package mode from the local bundle over every overlay of the package (the
// repository by default), or over the one overlay named, then lets the real kustomize judge what it
// derived (scripts/lib/render-check.ts). The files are read and written here, not by kpt: only the
// files the overlays' kustomizations name are read, only derived files are written, and only once
// every overlay rendered and was judged, so a failed render leaves the tree as it was.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync, existsSync, mkdirSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, posix, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { dump } from "js-yaml";
import { CommandError, main } from "./lib/command.ts";
import { goInstalledTool, SETUP_HINT } from "./lib/find-tool.ts";
import { bundleStale, linkHint, planRender, linkOnTheWay, renderTarget, stagePackage, USAGE, type OverlayPlan } from "./lib/render.ts";
import { kustomizeBuildText, judgeOverlay, overlayBuildsConfig, type Build, type Respond } from "./lib/render-check.ts";
import { REPO_ROOT } from "./lib/repo-root.ts";

const CORE = join(REPO_ROOT, "functions", "dist", "ecom-fn-core.mjs");

interface Item {
  path: string | undefined;
  edited?: unknown;
}
interface Result {
  severity: string;
  tags: { code: string };
}
type Rendered = { results: Result[]; writes: Map<string, string> } | { results: Result[]; problem: CommandError };
interface Core {
  respond: Respond;
  run(input: { items: Item[]; functionConfig: unknown }): { items: Item[]; results: Result[] };
  fileItems(text: string, path: string): Item[];
  fileText(item: Item): string;
  formatResult(r: Result): string;
  hasErrors(results: Result[]): boolean;
}

await main(async () => {
  const { values, positionals } = parseArgs({ args: process.argv.slice(2), options: { results: { type: "string" } }, allowPositionals: true, strict: true });
  if (positionals.length > 1) throw new CommandError("usage", `expected at most one directory, got ${positionals.join(" ")}\n${USAGE}`);
  // npm runs scripts from the repository's root; INIT_CWD is where `npm run render` was typed.
  const underNpm = process.env.npm_lifecycle_event === "render";
  const cwd = (underNpm && process.env.INIT_CWD) || process.cwd();
  const target = renderTarget(positionals[0], cwd, REPO_ROOT);
  const found = goInstalledTool("kustomize", "KUSTOMIZE");
  if (!("path" in found)) throw new CommandError("tool-missing", `the standalone kustomize is ${found.missing}; ${SETUP_HINT}`);
  // `npm run render` builds the function when its sources changed; run directly, render takes the bundle as it is.
  if (underNpm && bundleStale(REPO_ROOT)) {
    const built = spawnSync(process.execPath, [join(REPO_ROOT, "functions", "build.mjs")], { stdio: "inherit" });
    if (built.status !== 0) throw new CommandError("render-failed", "building the function failed (its messages are above); nothing was written");
  }
  if (!existsSync(CORE)) throw new CommandError("tool-missing", `${relative(cwd, CORE)} is missing; run \`npm run build\` first`);
  const { plans, problems } = planRender(target);
  // The builds run side by side while the function reads the files; each is made once.
  const builds = new Map(plans.map((p) => [p.overlay, kustomizeBuildText(found.path, target.root, p.overlay)]));
  const core = (await import(pathToFileURL(CORE).href)) as Core;

  const results: Result[] = [];
  const writes = new Map<string, string>();
  const built = new Map<string, Build>();
  for (const plan of plans) {
    // The function first composes the overlay itself, while kustomize builds it; the build is
    // handed over only for what the composition refuses.
    // A build that fails before the render may be what the render repairs (a derived file not written yet).
    let rendered = renderOverlay(core, target.root, plan, undefined);
    const build = await builds.get(plan.overlay)!;
    built.set(plan.overlay, build);
    if (rendered.results.some((r) => r.tags.code === "not-modelled")) {
      rendered = "problem" in build
        ? { results: [], problem: new CommandError("render-build-failed", `${plan.overlay}: the function's composition does not model this overlay, and ${build.problem}`) }
        : renderOverlay(core, target.root, plan, build.text);
    }
    for (const r of rendered.results) console.error(core.formatResult(r));
    results.push(...rendered.results);
    if ("problem" in rendered) problems.push(rendered.problem);
    else for (const [file, text] of rendered.writes) writes.set(file, text);
  }
  const finish = (status: number) => {
    if (values.results) writeFileSync(values.results, dump({ exitCode: status, results }, { lineWidth: -1 }));
  };
  if (problems.length === 0) problems.push(...(await judge(core, found.path, target.root, plans, built, writes)));
  if (problems.length) {
    finish(1);
    throw new AggregateError([...problems, new CommandError("render-failed", "nothing was written: the render stops at the errors above")]);
  }
  finish(0);
  write(target.root, writes);
  const overlays = plans.map((p) => p.overlay).join(", ");
  console.log(`render: ${overlays}: ${writes.size ? `wrote ${[...writes.keys()].join(", ")}` : "every derived file is current"}`);
}, USAGE);

/** The package mode over one overlay's files, with its real build when given: the derived files it would write, or why it cannot. */
function renderOverlay(core: Core, root: string, plan: OverlayPlan, build: string | undefined): Rendered {
  const { overlay } = plan;
  let items: Item[];
  try {
    items = plan.files.flatMap((file) => core.fileItems(readFileSync(join(root, file), "utf8"), file));
  } catch (err) {
    return { results: [], problem: new CommandError("render-input", `${overlay}: ${(err as Error).message}`) };
  }
  const out = core.run({ items, functionConfig: overlayBuildsConfig(build === undefined ? {} : { [overlay]: build }) });
  if (core.hasErrors(out.results)) return { results: out.results, problem: new CommandError("render-failed", `${overlay}: the function's findings are above`) };
  const writes = new Map<string, string>();
  for (const item of out.items) {
    if (!item.edited || !item.path) continue;
    const text = core.fileText(item);
    const file = join(root, item.path);
    if (existsSync(file) && readFileSync(file, "utf8") === text) continue;
    const link = linkOnTheWay(root, item.path);
    if (link) return { results: out.results, problem: new CommandError("render-link", `${overlay}: ${link}: render writes ${item.path} and never through a link, which would change the file it points to; make it a plain file or directory (a derived file may be deleted: render writes it again)`) };
    writes.set(item.path, text);
  }
  return { results: out.results, writes };
}

/**
 * The real kustomize judges each overlay: the build made before the render when the render changes
 * none of the files it reads, else a build of a staging copy that holds the new derived files.
 */
async function judge(core: Core, kustomize: string, root: string, plans: OverlayPlan[], built: Map<string, Build>, writes: Map<string, string>): Promise<CommandError[]> {
  const touched = (plan: OverlayPlan) => [...writes.keys()].some((f) => plan.dirs.includes(posix.dirname(f)));
  const stale = plans.filter(touched);
  const before = new Map(built);
  let scratch: string | undefined;
  try {
    if (stale.length) {
      scratch = mkdtempSync(join(tmpdir(), "ecom-render-"));
      const stage = join(scratch, "package");
      stagePackage(root, stage);
      write(stage, writes);
      const rebuilt = await Promise.all(stale.map((p) => kustomizeBuildText(kustomize, stage, p.overlay)));
      stale.forEach((p, i) => built.set(p.overlay, rebuilt[i]!));
    }
    return plans.flatMap(({ overlay, policy }) => {
      const was = before.get(overlay)!;
      // An overlay that did not build before the render either is no finding about the render.
      if ("problem" in was && "problem" in built.get(overlay)!) {
        return [new CommandError("render-build-failed", `${overlay}: ${was.problem} (before the render as after it)${linkHint(root, was.problem)}`)];
      }
      return judgeOverlay(core.respond, overlay, policy.object, built.get(overlay)!)
        .map((d) => new CommandError(d.code as "render-disagrees", `${d.overlay}: ${scratch ? d.message.replaceAll(join(scratch, "package"), root) : d.message}`));
    });
  } finally {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
}

/** Every file at once: each is written beside its place, and only when all are written are they moved in. */
function write(root: string, files: Map<string, string>): void {
  const staged: [string, string][] = [];
  try {
    for (const [file, text] of files) {
      const path = join(root, file);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(`${path}.render-${process.pid}`, text);
      staged.push([`${path}.render-${process.pid}`, path]);
    }
  } catch (err) {
    for (const [tmp] of staged) unlinkSync(tmp);
    throw new CommandError("cannot-read", `cannot write the derived files, so none was written: ${(err as Error).message}`);
  }
  for (const [tmp, path] of staged) renameSync(tmp, path);
}
