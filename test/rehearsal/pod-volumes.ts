/**
 * A pod's volumes on the host, made as the kubelet's volume plugins make them, shared by the pod's
 * containers (each container bind-mounts them into its own root).
 *
 *   preparePodVolumes(rehearsal, plan, { claimsDir? }): Promise<PodVolumes>
 *   releasePodVolumes(volumes): Promise<void>   unmounts and removes the pod's directory
 *   unmountUnder(dir): Promise<void>            unmounts every mount at or below dir, deepest first
 *
 * emptyDir: a tmpfs, `size=` from sizeLimit (for the default medium the kubelet would instead evict
 * the pod when the limit is passed; here writes fail with ENOSPC), mode 0777, with fsGroup owned by
 * that group and setgid (the kubelet's SetVolumeOwnership). configMap/secret: the kubelet's atomic
 * writer layout (`..data` → `..<timestamp>/`, one symlink per top-level name), file modes from
 * defaultMode/items, group-readable by fsGroup. persistentVolumeClaim: a directory under claimsDir
 * that outlives the pod, made like a fresh filesystem (root-owned 0755) and given to fsGroup, so a
 * pod without fsGroup that writes to its claim as non-root fails here as it would on a block volume.
 * /dev/shm: a 64 MiB tmpfs per pod (containerd's default). The pod's directory itself is a tmpfs
 * (containers' writable layers live there), so the host's temp filesystem type does not matter.
 */
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { run, tryRun } from "./host-command.ts";
import type { PodPlan } from "./pod-plan.ts";
import { podStateDir, stateDir } from "./state-dir.ts";

export interface PodVolumes {
  rehearsal: string;
  pod: string;
  /** The pod's state directory: volumes, shm, containers' roots. */
  dir: string;
  shm: string;
  /** Volume name → host directory. */
  paths: Map<string, string>;
}

const SHM_BYTES = 64 * 1024 * 1024;

export async function preparePodVolumes(rehearsal: string, plan: PodPlan, opts: { claimsDir?: string } = {}): Promise<PodVolumes> {
  const dir = podStateDir(rehearsal, plan.name);
  if (existsSync(dir)) {
    await unmountUnder(dir);
    rmSync(dir, { recursive: true, force: true });
  }
  // The pod's state (writable layers, configMap files) on its own tmpfs: overlayfs refuses an upper
  // directory on overlayfs, which os.tmpdir() may be on (a containerized CI machine).
  mkdirSync(dir, { recursive: true });
  await run("mount", ["-t", "tmpfs", "-o", "mode=0755", `pod-${plan.name}`.slice(0, 63), dir]);
  mkdirSync(join(dir, "volumes"));
  const shm = join(dir, "shm");
  mkdirSync(shm);
  await run("mount", ["-t", "tmpfs", "-o", `size=${SHM_BYTES},mode=1777,nosuid,nodev,noexec`, "shm", shm]);
  const paths = new Map<string, string>();
  const fsGroup = plan.fsGroup;
  try {
    for (const v of plan.volumes) {
      const path = join(dir, "volumes", v.name);
      if (v.kind === "emptyDir") {
        mkdirSync(path);
        const size = v.sizeLimitBytes !== undefined ? `size=${v.sizeLimitBytes},` : "";
        await run("mount", ["-t", "tmpfs", "-o", `${size}mode=0777,nosuid,nodev`, `emptydir-${v.name}`, path]);
        if (fsGroup !== undefined) setOwnership(path, fsGroup, false, false);
      } else if (v.kind === "configMap" || v.kind === "secret") {
        mkdirSync(path, { mode: 0o777 });
        chmodSync(path, 0o777);
        writeAtomically(path, v.files);
        if (fsGroup !== undefined) setOwnership(path, fsGroup, true, true);
      } else if (v.kind === "persistentVolumeClaim") {
        const claims = opts.claimsDir ?? join(stateDir(rehearsal), "claims");
        const claim = join(claims, v.claimName);
        if (!existsSync(claim)) {
          mkdirSync(claim, { recursive: true });
          chmodSync(claim, 0o755);
        }
        if (fsGroup !== undefined) setOwnership(claim, fsGroup, false, plan.fsGroupChangePolicy !== "OnRootMismatch" || lstatSync(claim).gid !== fsGroup);
        paths.set(v.name, claim);
        continue;
      }
      paths.set(v.name, path);
    }
  } catch (err) {
    await unmountUnder(dir).catch(() => {});
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`pod ${plan.name}: preparing volumes: ${(err as Error).message}`);
  }
  return { rehearsal, pod: plan.name, dir, shm, paths };
}

/** The kubelet's atomic writer: the files in a timestamped directory, `..data` pointing at it, a symlink per top-level name. */
function writeAtomically(root: string, files: Array<{ path: string; content: Buffer; mode: number }>): void {
  const stamp = `..${new Date().toISOString().replace(/[-:]/g, "_").replace("T", "_").replace("Z", "")}`;
  const data = join(root, stamp);
  mkdirSync(data, { mode: 0o755 });
  for (const f of files) {
    const target = join(data, f.path);
    mkdirSync(dirname(target), { recursive: true, mode: 0o755 });
    writeFileSync(target, f.content);
    chmodSync(target, f.mode);
  }
  symlinkSync(stamp, join(root, "..data"));
  for (const top of new Set(files.map((f) => f.path.split("/")[0]!))) symlinkSync(join("..data", top), join(root, top));
}

/** The kubelet's SetVolumeOwnership: group fsGroup, group read (and write unless read-only), setgid on directories. */
function setOwnership(path: string, gid: number, readOnly: boolean, recursive: boolean): void {
  const st = lstatSync(path);
  if (st.isSymbolicLink()) return;
  chownSync(path, st.uid, gid);
  let mask = readOnly ? 0o440 : 0o660;
  if (st.isDirectory()) mask |= 0o2000 | 0o110;
  chmodSync(path, (st.mode & 0o7777) | mask);
  if (recursive && st.isDirectory()) for (const e of readdirSync(path)) setOwnership(join(path, e), gid, readOnly, true);
}

export async function releasePodVolumes(v: PodVolumes): Promise<void> {
  await unmountUnder(v.dir);
  rmSync(v.dir, { recursive: true, force: true });
}

/** Mount points at or below dir, from /proc/self/mountinfo (octal escapes decoded), deepest first. */
export function mountsUnder(dir: string): string[] {
  const points = readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .map((l) => l.split(" ")[4])
    .filter((p): p is string => Boolean(p))
    .map((p) => p.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))));
  return [...new Set(points.filter((p) => p === dir || p.startsWith(`${dir}/`)))].sort((a, b) => b.length - a.length);
}

export async function unmountUnder(dir: string): Promise<void> {
  for (const p of mountsUnder(dir)) {
    const r = await tryRun("umount", [p]);
    if (r.code !== 0) await run("umount", ["-l", p]);
  }
}
