/**
 * The two shell scripts that start a container the way runc does, and the command that execs into
 * one. Pure: the caller (sandbox.ts) decides every host path and runs them.
 *
 *   launchScripts(spec): { setup, stage2 }
 *   processArgs(proc, { chdir }): string[]     setpriv + env -i + argv, run inside the root
 *   execScript(pid, procsFiles, proc, argv): string
 *
 * `setup` runs as root in fresh mount, UTS and IPC namespaces (inside the pod's network namespace):
 * it builds the root on `spec.root` from overlayfs mounts (each image layer, the host's operating
 * system dirs and a generated /etc as lower dirs, an upper dir per container, so the image's host
 * directories are never written), creates mount points, remounts the root's mounts read-only when
 * readOnlyRootFilesystem is set, mounts /dev, /sys, the kubelet's /etc files and the volumes, sets
 * the hostname, then starts `stage2` as the first process of a new PID namespace while it stays
 * behind to report the exact exit status ("pid N", "exit N" on fd 3; unshare --fork loses it).
 * `stage2` (PID 1) joins the cgroups, mounts /proc (with runc's read-only and masked paths), and
 * execs chroot → setpriv (uid, gid, groups, capability bounding set, no_new_privs) → env -i with
 * exactly the planned environment → argv. Diagnostics go to fd 3, "exec" marks the hand-over.
 * setpriv and env are found inside the new root (the host's, through /usr): an image layer that
 * replaced /usr/bin/env or /usr/bin/setpriv with another implementation would break the launch.
 */
import { shellQuote as q } from "./host-command.ts";

export interface ProcessSpec {
  uid: number;
  gid: number;
  groups: number[];
  /** Bounding set, CAP_ names. */
  capabilities: string[];
  noNewPrivs: boolean;
  env: Array<{ name: string; value: string }>;
  argv: string[];
  workingDir: string;
}

export interface Bind {
  host: string;
  /** Path inside the container. */
  at: string;
  readOnly: boolean;
  /** A file (its mount point is an empty file), not a directory. */
  file: boolean;
}

export interface OverlayMount {
  /** Path inside the container ("/" for the root). */
  at: string;
  /** Lower directories, top-most first. */
  lowers: string[];
  upper: string;
  work: string;
}

export interface LaunchSpec {
  /** Mount point of the container's root on the host (an empty directory). */
  root: string;
  /** In mount order: the root first, then the OS dirs and /etc, then the image layers at other paths. */
  overlays: OverlayMount[];
  /** Host OS dirs that are symlinks (e.g. /bin → usr/bin): made as the same symlinks unless the image has the path. */
  symlinks: Array<{ at: string; target: string }>;
  /** Directories the image should have: [path, mode, uid, gid]; made only when missing. */
  skeleton: Array<{ at: string; mode: number; uid: number; gid: number }>;
  workingDir: string;
  shm: string;
  /** The kubelet's /etc/hosts (rw), resolv.conf and hostname, host /etc/ssl, then volumes; sorted by depth. */
  binds: Bind[];
  cgroupProcs: string[];
  cgroupViews: Array<{ host: string; at: string }>;
  hostname: string;
  readOnlyRoot: boolean;
  stage2Path: string;
  process: ProcessSpec;
}

const DEVICES = ["null", "zero", "full", "random", "urandom", "tty"];
const PROC_READ_ONLY = ["bus", "fs", "irq", "sys", "sysrq-trigger"];
const PROC_MASKED_FILES = ["kcore", "keys", "latency_stats", "timer_list", "timer_stats", "sched_debug"];
const PROC_MASKED_DIRS = ["acpi", "scsi"];

const depth = (p: string): number => p.split("/").filter(Boolean).length;

export function launchScripts(spec: LaunchSpec): { setup: string; stage2: string } {
  const R = spec.root;
  const at = (p: string): string => q(p === "/" ? R : R + p);
  const s: string[] = [
    "set -eu",
    "exec 4>&2 2>&3",
    `ro() { mount -o remount,bind,ro "$1"; }`,
    `mp_dir() { mkdir -p "$1"; }`,
    `mp_file() { mkdir -p "$(dirname "$1")"; [ -e "$1" ] || : > "$1"; }`,
  ];
  for (const o of spec.overlays) {
    for (const p of [...o.lowers, o.upper, o.work]) if (/[,:\s]/.test(p)) throw new Error(`overlay directory ${p} contains a character overlayfs cannot take (',', ':' or space)`);
    if (o.at !== "/") s.push(`mkdir -p ${at(o.at)}`);
    s.push(`mount -t overlay overlay -o ${q(`lowerdir=${o.lowers.join(":")},upperdir=${o.upper},workdir=${o.work}`)} ${at(o.at)}`);
    if (o.at === "/") for (const l of spec.symlinks) s.push(`[ -e ${at(l.at)} ] || [ -L ${at(l.at)} ] || ln -s ${q(l.target)} ${at(l.at)}`);
  }

  // Mount points and the directories every image has, while the root is still writable (runc makes
  // them the same way before it remounts the root read-only).
  for (const d of spec.skeleton) {
    s.push(`[ -d ${at(d.at)} ] || { mkdir -p ${at(d.at)}; chmod ${d.mode.toString(8)} ${at(d.at)}; chown ${d.uid}:${d.gid} ${at(d.at)}; }`);
  }
  for (const d of ["/proc", "/sys", "/dev"]) s.push(`mkdir -p ${at(d)}`);
  s.push(`mkdir -p ${at(spec.workingDir)}`);
  const mountPoint = (b: Bind): string => (b.file ? `mp_file ${at(b.at)}` : `mp_dir ${at(b.at)}`);
  const topLevel = spec.binds.filter((b) => !spec.binds.some((o) => o !== b && !o.file && b.at.startsWith(`${o.at}/`)));
  for (const b of topLevel) s.push(mountPoint(b));

  if (spec.readOnlyRoot) for (const o of spec.overlays) s.push(`ro ${at(o.at)}`);

  s.push(
    `mount -t tmpfs -o nosuid,strictatime,mode=755,size=65536k tmpfs ${at("/dev")}`,
    ...DEVICES.map((d) => `: > ${at(`/dev/${d}`)}; mount --bind /dev/${d} ${at(`/dev/${d}`)}`),
    `ln -s /proc/self/fd ${at("/dev/fd")}`,
    ...["stdin", "stdout", "stderr"].map((n, i) => `ln -s /proc/self/fd/${i} ${at(`/dev/${n}`)}`),
    `ln -s /proc/kcore ${at("/dev/core")}`,
    `mkdir ${at("/dev/pts")} ${at("/dev/shm")}`,
    `mount -t devpts -o newinstance,ptmxmode=0666,mode=0620,nosuid,noexec devpts ${at("/dev/pts")}`,
    `ln -s pts/ptmx ${at("/dev/ptmx")}`,
    `mount --bind ${q(spec.shm)} ${at("/dev/shm")}`,
    `mount -t sysfs -o ro,nosuid,nodev,noexec sysfs ${at("/sys")}`,
    `mount -t tmpfs -o nosuid,nodev,noexec,mode=755 cgroup ${at("/sys/fs/cgroup")}`,
  );
  for (const v of spec.cgroupViews) s.push(`mkdir -p ${at(v.at)}`, `mount --bind ${q(v.host)} ${at(v.at)}`, `ro ${at(v.at)}`);
  s.push(`ro ${at("/sys/fs/cgroup")}`);

  for (const b of [...spec.binds].sort((a, b) => depth(a.at) - depth(b.at))) {
    s.push(mountPoint(b), `mount --bind ${q(b.host)} ${at(b.at)}`);
    if (b.readOnly) s.push(`ro ${at(b.at)}`);
  }

  s.push(
    `printf %s ${q(spec.hostname)} > /proc/sys/kernel/hostname`,
    "exec 2>&4 4>&-",
    // The waiter's own stderr goes nowhere once the container has it: the shell would report a killed job there.
    `exec unshare --pid -- /bin/sh -c ${q(`/bin/sh "$0" & echo "pid $!" >&3; exec 2>/dev/null; wait $!; echo "exit $?" >&3`)} ${q(spec.stage2Path)}`,
  );

  const t: string[] = ["set -eu", "exec 4>&2 2>&3", "umask 022", `ro() { mount -o remount,bind,ro "$1"; }`];
  for (const f of spec.cgroupProcs) t.push(`echo $$ > ${q(f)}`);
  t.push(`mount -t proc -o nosuid,nodev,noexec proc ${at("/proc")}`);
  for (const p of PROC_READ_ONLY) t.push(`if [ -e ${at(`/proc/${p}`)} ]; then mount --bind ${at(`/proc/${p}`)} ${at(`/proc/${p}`)}; ro ${at(`/proc/${p}`)}; fi`);
  for (const p of PROC_MASKED_FILES) t.push(`if [ -f ${at(`/proc/${p}`)} ]; then mount --bind /dev/null ${at(`/proc/${p}`)}; fi`);
  for (const p of PROC_MASKED_DIRS) t.push(`if [ -d ${at(`/proc/${p}`)} ]; then mount -t tmpfs -o ro tmpfs ${at(`/proc/${p}`)}; fi`);
  t.push("echo exec >&3", "exec 2>&4 4>&- 3>&-", `exec chroot ${q(R)} ${processArgs(spec.process, { chdir: true }).map(q).join(" ")}`);
  return { setup: s.join("\n") + "\n", stage2: t.join("\n") + "\n" };
}

export function processArgs(p: ProcessSpec, opts: { chdir: boolean }): string[] {
  if (p.argv.length === 0) throw new Error("no command to run");
  if (p.argv[0]!.includes("=")) throw new Error(`command ${JSON.stringify(p.argv[0])} contains '=', which env(1) would read as a variable`);
  const bounding = ["-all", ...p.capabilities.map((c) => `+${c.replace(/^CAP_/, "").toLowerCase()}`)].join(",");
  return [
    "/usr/bin/setpriv",
    `--reuid=${p.uid}`,
    `--regid=${p.gid}`,
    `--groups=${p.groups.join(",")}`,
    "--inh-caps=-all",
    `--bounding-set=${bounding}`,
    ...(p.noNewPrivs ? ["--no-new-privs"] : []),
    "--",
    "/usr/bin/env",
    "-i",
    ...(opts.chdir ? ["-C", p.workingDir] : []),
    "--",
    ...p.env.map((e) => `${e.name}=${e.value}`),
    ...p.argv,
  ];
}

/** Runs argv in a running container: its cgroups, namespaces, root, working directory, user and environment. */
export function execScript(pid: number, procsFiles: string[], p: ProcessSpec, argv: string[]): string {
  const lines = procsFiles.map((f) => `echo $$ > ${q(f)}`);
  const args = processArgs({ ...p, argv }, { chdir: false });
  lines.push(`exec nsenter --target=${pid} --mount --uts --ipc --net --pid --root --wd -- ${args.map(q).join(" ")}`);
  return lines.join("\n") + "\n";
}
