/**
 * One container's cgroup v1 directories (cpu and memory), set as the kubelet sets a container's
 * cgroup: CFS quota from the CPU limit (period 100 ms, quota at least 1 ms), shares from the CPU
 * request (at least 2), memory.limit_in_bytes from the memory limit.
 *
 *   createCgroup(rehearsal, pod, container, resources): Cgroup
 *   Cgroup.procsFiles      the cgroup.procs files a process writes its pid to, to join
 *   Cgroup.peakMemory()    memory.max_usage_in_bytes (kept after remove())
 *   Cgroup.oomKills()      the oom_kill count of memory.oom_control
 *   Cgroup.remove()        waits for the cgroup to empty, then removes it and empty parents
 *   removeCgroups(rehearsal)   removes every cgroup of a rehearsal (after its processes are gone)
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { ContainerPlan } from "./pod-plan.ts";
import { cgroupDirs } from "./state-dir.ts";

export const CFS_PERIOD_US = 100_000;

export interface Cgroup {
  cpuDir: string;
  memoryDir: string;
  procsFiles: string[];
  peakMemory(): number | undefined;
  oomKills(): number;
  remove(): Promise<void>;
}

/** The kubelet's milliCPUToQuota. */
export const cpuQuota = (millis: number | undefined): number => (millis ? Math.max(1000, Math.floor((millis * CFS_PERIOD_US) / 1000)) : -1);
/** The kubelet's milliCPUToShares. */
export const cpuShares = (millis: number | undefined): number => Math.max(2, Math.floor(((millis ?? 0) * 1024) / 1000));

export function createCgroup(rehearsal: string, pod: string, container: string, resources: ContainerPlan["resources"]): Cgroup {
  const parents = cgroupDirs(rehearsal);
  const cpuDir = join(parents.cpu, pod, container);
  const memoryDir = join(parents.memory, pod, container);
  for (const d of [cpuDir, memoryDir]) {
    if (existsSync(d)) removeTree(d);
    mkdirSync(d, { recursive: true });
  }
  const write = (dir: string, file: string, value: number | string): void => {
    try {
      writeFileSync(join(dir, file), String(value));
    } catch (err) {
      throw new Error(`cgroup ${join(dir, file)} = ${value}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  };
  write(cpuDir, "cpu.cfs_period_us", CFS_PERIOD_US);
  write(cpuDir, "cpu.cfs_quota_us", cpuQuota(resources.cpuLimitMillis));
  write(cpuDir, "cpu.shares", cpuShares(resources.cpuRequestMillis));
  write(memoryDir, "memory.limit_in_bytes", resources.memoryLimitBytes ?? -1);

  let peak: number | undefined;
  let ooms = 0;
  const readPeak = (): number | undefined => {
    try {
      peak = Number(readFileSync(join(memoryDir, "memory.max_usage_in_bytes"), "utf8").trim());
    } catch {
      // removed: keep the last reading
    }
    return peak;
  };
  const readOoms = (): number => {
    try {
      ooms = Number(/oom_kill (\d+)/.exec(readFileSync(join(memoryDir, "memory.oom_control"), "utf8"))?.[1] ?? 0);
    } catch {
      // removed: keep the last reading
    }
    return ooms;
  };
  return {
    cpuDir,
    memoryDir,
    procsFiles: [join(cpuDir, "cgroup.procs"), join(memoryDir, "cgroup.procs")],
    peakMemory: readPeak,
    oomKills: readOoms,
    async remove() {
      readPeak();
      readOoms();
      for (const d of [cpuDir, memoryDir]) {
        await waitEmpty(d);
        removeTree(d);
        pruneEmptyParents(d, rehearsal);
      }
    },
  };
}

async function waitEmpty(dir: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (!existsSync(dir) || readFileSync(join(dir, "cgroup.procs"), "utf8").trim() === "") return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`cgroup ${dir} still has processes`);
}

/** cgroup directories are removed bottom-up with rmdir; their control files go with them. */
function removeTree(dir: string): void {
  if (!existsSync(dir)) return;
  for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) removeTree(join(dir, e.name));
  rmdirSync(dir);
}

function pruneEmptyParents(dir: string, rehearsal: string): void {
  // The shared `rehearsal` parent stays: another rehearsal may be creating its directories under it.
  const stops = new Set(Object.values(cgroupDirs(rehearsal)).map((d) => dirname(d)));
  for (let d = dirname(dir); !stops.has(d); d = dirname(d)) {
    try {
      if (readdirSync(d, { withFileTypes: true }).some((e) => e.isDirectory())) return;
      rmdirSync(d);
    } catch {
      return;
    }
  }
}

/** Removes every cgroup of a rehearsal; what still runs in one is killed first (a killed run's containers). */
export async function removeCgroups(rehearsal: string): Promise<void> {
  for (const parent of Object.values(cgroupDirs(rehearsal))) {
    if (!existsSync(parent)) continue;
    killTree(parent);
    for (const d of allDirs(parent)) await waitEmpty(d);
    removeTree(parent);
  }
}

function allDirs(dir: string): string[] {
  return [dir, ...readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).flatMap((e) => allDirs(join(dir, e.name)))];
}

function killTree(parent: string): void {
  for (const d of allDirs(parent)) {
    for (const pid of readFileSync(join(d, "cgroup.procs"), "utf8").split("\n").filter(Boolean).map(Number)) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  }
}
