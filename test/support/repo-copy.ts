import { execFileSync, spawn } from "node:child_process";
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { REPO_ROOT } from "./tools.ts";

export const BUNDLE = join(REPO_ROOT, "functions", "dist", "ecom-fn.mjs");
/** The module the executable loads, and npm run render's judge imports. */
export const BUNDLE_CORE = join(REPO_ROOT, "functions", "dist", "ecom-fn-core.mjs");

export function requireBundle(): void {
  for (const file of [BUNDLE, BUNDLE_CORE]) if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` (npm test does it first)`);
}

export interface CopyOptions {
  /** The checkout to copy; this repository by default. */
  checkout?: string;
  /**
   * Only these overlays (and their plugin directories): a scenario about one overlay then renders
   * and judges that one instead of every overlay. Every overlay by default.
   */
  overlays?: readonly string[];
}

/** The test suites: kpt never reads them (.krmignore), no command imports them, and they are most of the bytes. */
const TEST_SUITES = /^(?:test|functions\/test)\//;

/**
 * A scratch git repository holding the files git tracks in the checkout (as
 * they are in the working tree, so an uncommitted edit is tested; a new file
 * once it is `git add`ed) but the test suites, plus the built bundle,
 * committed so `git diff` shows exactly what a command changed. Untracked
 * files stay out: kpt reads every YAML file it finds, and a stray one in a
 * checkout must not fail a test.
 */
export class RepoCopy {
  readonly root = mkdtempSync(join(tmpdir(), "ecom-deploy-"));

  constructor({ checkout = REPO_ROOT, overlays }: CopyOptions = {}) {
    requireBundle();
    const otherOverlay = (f: string) => {
      const env = /^(?:overlays|plugin)\/([^/]+)\//.exec(f)?.[1];
      return overlays !== undefined && env !== undefined && !overlays.includes(env);
    };
    const files = execFileSync("git", ["ls-files", "-z", "--cached"], { cwd: checkout, encoding: "utf8" })
      .split("\0")
      .filter((f) => f && !TEST_SUITES.test(f) && !otherOverlay(f) && existsSync(join(checkout, f)));
    for (const f of files) {
      mkdirSync(dirname(join(this.root, f)), { recursive: true });
      cpSync(join(checkout, f), join(this.root, f));
    }
    cpSync(dirname(BUNDLE), join(this.root, "functions/dist"), { recursive: true });
    this.git("init", "-q");
    this.commit("copy");
  }

  git(...args: string[]): string {
    return execFileSync("git", ["-c", "user.name=test", "-c", "user.email=test@localhost", "-c", "commit.gpgsign=false", ...args], {
      cwd: this.root, encoding: "utf8",
    });
  }

  commit(message: string): void {
    this.git("add", "-A");
    this.git("commit", "-q", "--allow-empty", "-m", message);
  }

  /** The day-2 commands import their dependencies (yaml) from the repository's node_modules. */
  linkNodeModules(): void {
    symlinkSync(join(REPO_ROOT, "node_modules"), join(this.root, "node_modules"));
    appendFileSync(join(this.root, ".git", "info", "exclude"), "/node_modules\n");
  }

  read(file: string): string {
    return readFileSync(join(this.root, file), "utf8");
  }

  /** Replaces text that must be present, so a test can't silently edit nothing. */
  edit(file: string, from: string | RegExp, to: string): void {
    const before = this.read(file);
    const after = before.replace(from, to);
    if (after === before) throw new Error(`${file}: ${String(from)} not found`);
    writeFileSync(join(this.root, file), after);
  }

  changedFiles(): string[] {
    return this.git("status", "--porcelain").split("\n").filter(Boolean).map((l) => l.slice(3)).sort();
  }

  /** The +/- lines of the working-tree diff, without file headers. */
  changedLines(): string[] {
    return this.git("diff", "-U0").split("\n").filter((l) => /^[+-](?![+-])/.test(l));
  }

  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

export interface Outcome {
  status: number;
  stdout: string;
  stderr: string;
}

export function runCommand(bin: string, args: string[], cwd: string): Outcome {
  try {
    const stdout = execFileSync(bin, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 << 20 });
    return { status: 0, stdout, stderr: "" };
  } catch (err) {
    const e = err as { status?: number | null; stdout?: string; stderr?: string };
    return { status: e.status ?? 1, stdout: String(e.stdout ?? ""), stderr: String(e.stderr ?? "") };
  }
}

/** `runCommand` without blocking the worker, so tests in one file can overlap; `input` goes to stdin. */
export function runCommandAsync(bin: string, args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Outcome> {
  return new Promise((done, fail) => {
    const child = spawn(bin, args, { env: opts.env ?? process.env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", fail);
    child.on("close", (status) => done({ status: status ?? 1, stdout, stderr }));
    child.stdin.end(opts.input ?? "");
  });
}

/** `npm run render` on a directory: the local bundle through real `kpt fn eval`. */
export function render(dir: string): Outcome {
  return runCommand(process.execPath, [join(REPO_ROOT, "scripts", "render.ts"), dir], dir);
}
