/**
 * Runs the host tools the rehearsal is built from (ip, mount, nsenter, ...) and turns a failure into
 * one line naming the command and what it printed.
 *
 *   run(cmd, args, { input?, timeoutMs? }): Promise<{ stdout, stderr }>   rejects on non-zero exit
 *   tryRun(cmd, args, opts?): Promise<{ code, stdout, stderr }>            never rejects on exit status
 *   requireHost(tools?): void  throws unless running as root with every tool on PATH, cgroup v1 cpu
 *                              and memory controllers and overlayfs
 *   shellQuote(s): string      s as one sh word (scripts/lib/shell-quote.ts, which render uses too)
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";

export { shellQuote } from "../../scripts/lib/shell-quote.ts";

export interface RunOptions {
  input?: string;
  timeoutMs?: number;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function tryRun(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = opts.timeoutMs ? setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs) : undefined;
    child.on("error", (err) => {
      if (timer) clearTimeout(timer);
      reject(new Error(`${cmd}: ${err.message}`));
    });
    child.on("close", (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.on("error", () => {});
    child.stdin.end(opts.input ?? "");
  });
}

export async function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const r = await tryRun(cmd, args, opts);
  if (r.code !== 0) {
    const said = (r.stderr.trim() || r.stdout.trim()).split("\n").slice(-3).join(" / ");
    throw new Error(`${[cmd, ...args].join(" ")} failed (${r.signal ?? `exit ${r.code}`})${said ? `: ${said}` : ""}`);
  }
  return r;
}

/** The tools every part of the runner needs. */
export const HOST_TOOLS = ["ip", "unshare", "nsenter", "setpriv", "mount", "umount", "chroot", "env", "sh"];

export function requireHost(tools: readonly string[] = HOST_TOOLS): void {
  if (process.getuid?.() !== 0) throw new Error("the pod runner needs root (mount and network namespaces, cgroups, chroot)");
  const missing = tools.filter((t) => spawnSync("sh", ["-c", `command -v ${t}`]).status !== 0);
  if (missing.length > 0) throw new Error(`the pod runner needs these tools on PATH: ${missing.join(", ")}`);
  const controllers = ["/sys/fs/cgroup/cpu/cpu.cfs_quota_us", "/sys/fs/cgroup/memory/memory.limit_in_bytes"].filter((f) => !existsSync(f));
  if (controllers.length > 0) throw new Error(`the pod runner needs the cgroup v1 cpu and memory controllers at /sys/fs/cgroup/cpu and /sys/fs/cgroup/memory (missing ${controllers.join(", ")})`);
  if (!/\toverlay$/m.test(readFileSync("/proc/filesystems", "utf8"))) throw new Error("the pod runner needs overlayfs (modprobe overlay)");
}

