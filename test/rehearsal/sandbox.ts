/**
 * Runs one container of a pod as the kubelet and runc would, with no container engine: inside the
 * pod's network namespace, in private mount/UTS/IPC/PID namespaces, on an overlayfs root built from
 * the image's layers and the host's operating system, with its volumes, user, capabilities and
 * cgroup v1 limits (see launch-script.ts for the exact steps).
 *
 *   preparePod(rehearsal, plan, net, { logDir?, claimsDir? }): Promise<PodSandbox>
 *       the pod's volumes, /dev/shm and log directory; shared by its containers
 *   startContainer(pod, container, { onLine? }): Promise<ContainerHandle>
 *       resolves once the container's process is about to exec (rejects with the setup's message,
 *       as CreateContainerError, when its root cannot be built); each call is a new instance with
 *       a fresh writable layer, as a restart is in Kubernetes
 *   ContainerHandle: pid (host pid of the container's PID 1), startedAt, logFile, wait(), exited(),
 *       signal(sig), stop(gracePeriodSeconds?) (preStop hook, SIGTERM, SIGKILL after the grace
 *       period, at least 2 s as the kubelet gives), peakMemory(), exec(argv, timeoutMs), target
 *   releasePod(pod): Promise<void>           after its containers have exited
 *   teardownSandboxes(rehearsal): Promise<void>   kills what is left, unmounts, removes state and cgroups
 *
 * Logs: one file per container instance, `<logDir>/<namespace>_<pod>/<container>/<n>.log`, in the
 * CRI format the kubelet writes (`<RFC3339 time> <stdout|stderr> F <line>`), plus `onLine`.
 * Exit: `reason` is Completed, Error, OOMKilled (the cgroup's oom_kill count rose) or StartError
 * (the command could not be executed); `message` is the termination message file's content.
 */
import { spawn } from "node:child_process";
import { appendFileSync, chmodSync, chownSync, copyFileSync, cpSync, existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from "node:fs";
import { constants } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { type Cgroup, createCgroup, removeCgroups } from "./cgroup.ts";
import { type HandlerTarget, runHandler, sleep } from "./handlers.ts";
import { type Bind, type LaunchSpec, type OverlayMount, type ProcessSpec, execScript, launchScripts } from "./launch-script.ts";
import type { PodNetwork } from "./pod-network.ts";
import type { ContainerPlan, PodPlan } from "./pod-plan.ts";
import { type PodVolumes, preparePodVolumes, releasePodVolumes, unmountUnder } from "./pod-volumes.ts";
import { stateDir } from "./state-dir.ts";

export interface PodSandbox {
  rehearsal: string;
  plan: PodPlan;
  net: PodNetwork;
  volumes: PodVolumes;
  logDir: string;
  /** Starts so far per container name: the next instance's number. */
  starts: Map<string, number>;
}

export interface ExitStatus {
  exitCode: number;
  reason: "Completed" | "Error" | "OOMKilled" | "StartError";
  message?: string;
  startedAt: number;
  finishedAt: number;
}

export interface ExecResult {
  exitCode: number;
  output: string;
  timedOut: boolean;
}

export interface ContainerHandle {
  readonly name: string;
  readonly instance: number;
  readonly pid: number;
  readonly startedAt: number;
  readonly logFile: string;
  /** For probes and hooks: the pod's address and exec inside this container. */
  readonly target: HandlerTarget;
  wait(): Promise<ExitStatus>;
  exited(): ExitStatus | undefined;
  signal(sig: NodeJS.Signals): void;
  stop(gracePeriodSeconds?: number): Promise<ExitStatus>;
  peakMemory(): number | undefined;
  exec(argv: string[], timeoutMs: number): Promise<ExecResult>;
}

export interface StartOptions {
  onLine?: (stream: "stdout" | "stderr", line: string) => void;
  /** What the kubelet would record as an event (a failed preStop hook). */
  onEvent?: (message: string) => void;
}

/** Host operating-system directories a container gets under its image (only those present). */
const OS_DIRS = ["/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32"];
/** Host /etc entries the generated /etc copies: how glibc finds libraries, services and protocols. */
const ETC_COPIES = ["ld.so.cache", "ld.so.conf", "ld.so.conf.d", "services", "protocols"];
/** Host /etc directories mounted read-only unless the image has its own: CA certificates, Debian's alternatives. */
const ETC_BINDS = ["ssl", "alternatives"];
const MINIMUM_GRACE_SECONDS = 2;
const TERMINATION_MESSAGE_LIMIT = 4096;

export async function preparePod(rehearsal: string, plan: PodPlan, net: PodNetwork, opts: { logDir?: string; claimsDir?: string } = {}): Promise<PodSandbox> {
  const volumes = await preparePodVolumes(rehearsal, plan, opts.claimsDir ? { claimsDir: opts.claimsDir } : {});
  const logDir = join(opts.logDir ?? join(stateDir(rehearsal), "logs"), `${plan.namespace}_${plan.name}`);
  mkdirSync(logDir, { recursive: true });
  return { rehearsal, plan, net, volumes, logDir, starts: new Map() };
}

export async function releasePod(pod: PodSandbox): Promise<void> {
  await releasePodVolumes(pod.volumes);
}

export async function startContainer(pod: PodSandbox, c: ContainerPlan, opts: StartOptions = {}): Promise<ContainerHandle> {
  const instance = pod.starts.get(c.name) ?? 0;
  pod.starts.set(c.name, instance + 1);
  const where = `pod ${pod.plan.name} container ${c.name}`;
  const dir = join(pod.volumes.dir, "containers", `${c.name}-${instance}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const logFile = join(pod.logDir, c.name, `${instance}.log`);
  mkdirSync(dirname(logFile), { recursive: true });
  writeFileSync(logFile, "");

  const proc: ProcessSpec = {
    uid: c.uid,
    gid: c.gid,
    groups: c.groups,
    capabilities: c.capabilities,
    noNewPrivs: !c.allowPrivilegeEscalation,
    env: c.env,
    argv: c.argv,
    workingDir: c.workingDir,
  };
  const cgroup = createCgroup(pod.rehearsal, pod.plan.name, `${c.name}-${instance}`, c.resources);
  let spec: LaunchSpec;
  try {
    spec = launchSpec(pod, c, dir, cgroup, proc);
  } catch (err) {
    await cgroup.remove();
    throw new Error(`${where}: ${(err as Error).message}`);
  }
  const scripts = launchScripts(spec);
  writeFileSync(join(dir, "setup.sh"), scripts.setup, { mode: 0o700 });
  writeFileSync(spec.stage2Path, scripts.stage2, { mode: 0o700 });

  const child = spawn("nsenter", [`--net=${pod.net.netnsPath}`, "--", "unshare", "--mount", "--uts", "--ipc", "--propagation", "private", "--", "/bin/sh", join(dir, "setup.sh")], {
    stdio: ["ignore", "pipe", "pipe", "pipe"],
  });
  const log = (stream: "stdout" | "stderr", line: string): void => {
    appendFileSync(logFile, `${new Date().toISOString()} ${stream} F ${line}\n`);
    opts.onLine?.(stream, line);
  };
  let lastStderr = "";
  createInterface({ input: child.stdout! }).on("line", (l) => log("stdout", l));
  createInterface({ input: child.stderr! }).on("line", (l) => {
    lastStderr = l;
    log("stderr", l);
  });

  let pid = 0;
  let handedOver = false;
  let exitCode: number | undefined;
  const diagnostics: string[] = [];
  const control = createInterface({ input: child.stdio[3] as NodeJS.ReadableStream });
  let markStarted: () => void = () => {};
  const started = new Promise<void>((resolve) => (markStarted = resolve));
  control.on("line", (line) => {
    const m = /^(pid|exit) (\d+)$/.exec(line);
    if (m?.[1] === "pid") pid = Number(m[2]);
    else if (m?.[1] === "exit") exitCode = Number(m[2]);
    else if (line === "exec") handedOver = true;
    else diagnostics.push(line);
    if (pid && handedOver) markStarted();
  });

  const startedAt = Date.now();
  let status: ExitStatus | undefined;
  const oomBefore = cgroup.oomKills();
  const closed = new Promise<void>((resolve) => child.on("close", () => resolve()));
  const finished: Promise<ExitStatus> = closed.then(async () => {
    const oom = cgroup.oomKills() > oomBefore;
    await cgroup.remove().catch(() => {});
    const code = exitCode ?? 128;
    const startError = /^(env|setpriv|chroot): /.test(lastStderr) && (code === 125 || code === 126 || code === 127 || code === 1);
    const message = readTerminationMessage(join(dir, "termination-log")) ?? (startError ? lastStderr : undefined);
    status = {
      exitCode: startError ? 128 : code,
      reason: oom ? "OOMKilled" : startError ? "StartError" : code === 0 ? "Completed" : "Error",
      ...(message ? { message } : {}),
      startedAt,
      finishedAt: Date.now(),
    };
    return status;
  });

  const outcome = await Promise.race([started.then(() => "started" as const), closed.then(() => "closed" as const)]);
  if (outcome === "closed" && !(pid && handedOver)) {
    await finished;
    const said = diagnostics.join(" / ") || lastStderr || `setup exited ${child.exitCode}`;
    throw new Error(`${where}: CreateContainerError: ${said}`);
  }

  const target: HandlerTarget = { ip: pod.plan.ip, exec: (argv, timeoutMs) => execIn(pid, cgroup.procsFiles, proc, argv, timeoutMs) };
  const handle: ContainerHandle = {
    name: c.name,
    instance,
    pid,
    startedAt,
    logFile,
    target,
    wait: () => finished,
    exited: () => status,
    signal(sig) {
      if (status) return;
      try {
        process.kill(pid, sig);
      } catch {
        // exited meanwhile
      }
    },
    async stop(gracePeriodSeconds = pod.plan.terminationGracePeriodSeconds) {
      if (status) return status;
      const begin = Date.now();
      let grace = gracePeriodSeconds;
      if (c.preStop && grace > 0) {
        const abort = new AbortController();
        const hook = runHandler(c.preStop, target, grace * 1000, abort.signal).then((r) => {
          if (!r.ok) opts.onEvent?.(`FailedPreStopHook: ${r.message}`);
        });
        await Promise.race([hook, sleep(grace * 1000), finished]).finally(() => abort.abort());
        grace -= Math.floor((Date.now() - begin) / 1000);
      }
      grace = Math.max(grace, MINIMUM_GRACE_SECONDS);
      // The image's STOPSIGNAL, as the container runtime sends it (postgres stops fast on SIGINT).
      handle.signal(c.image.stopSignal ?? "SIGTERM");
      const done = await Promise.race([finished, sleep(grace * 1000).then(() => undefined)]);
      if (!done) handle.signal("SIGKILL");
      return finished;
    },
    peakMemory: () => cgroup.peakMemory(),
    exec: (argv, timeoutMs) => target.exec(argv, timeoutMs),
  };
  return handle;
}

function launchSpec(pod: PodSandbox, c: ContainerPlan, dir: string, cgroup: Cgroup, proc: ProcessSpec): LaunchSpec {
  const image = c.image;
  for (const l of image.layers) {
    if (!existsSync(l.host) || !statSync(l.host).isDirectory()) throw new Error(`image ${image.ref}: layer ${l.host} is not a directory`);
  }
  let n = 0;
  const overlay = (at: string, lowers: string[]): OverlayMount => {
    const upper = join(dir, "upper", String(n));
    const work = join(dir, "work", String(n++));
    mkdirSync(upper, { recursive: true });
    mkdirSync(work, { recursive: true });
    return { at, lowers, upper, work };
  };
  const isDir = (p: string): boolean => existsSync(p) && statSync(p).isDirectory();
  const rootLayers = image.layers.filter((l) => l.at === "/").map((l) => l.host).reverse();
  const layersAt = (at: string): string[] => image.layers.filter((l) => l.at === at).map((l) => l.host).reverse();
  const fromRoot = (sub: string): string[] => rootLayers.map((h) => h + sub).filter(isDir);

  const empty = join(dir, "empty");
  mkdirSync(empty);
  const overlays: OverlayMount[] = [overlay("/", [...rootLayers, empty])];
  const symlinks: LaunchSpec["symlinks"] = [];
  const merged = new Set(["/", "/etc"]);
  for (const d of OS_DIRS) {
    if (!existsSync(d)) continue;
    if (lstatSync(d).isSymbolicLink()) symlinks.push({ at: d, target: readlinkSync(d) });
    else {
      overlays.push(overlay(d, [...layersAt(d), ...fromRoot(d), d]));
      merged.add(d);
    }
  }
  const etcBase = join(dir, "etc");
  writeEtc(etcBase, c);
  overlays.push(overlay("/etc", [...layersAt("/etc"), ...fromRoot("/etc"), etcBase]));
  const rest = image.layers.filter((l) => !merged.has(l.at));
  for (let i = 0; i < rest.length; ) {
    let j = i;
    while (j < rest.length && rest[j]!.at === rest[i]!.at) j++;
    overlays.push(overlay(rest[i]!.at, rest.slice(i, j).map((l) => l.host).reverse()));
    i = j;
  }

  const skeleton: LaunchSpec["skeleton"] = [
    { at: "/tmp", mode: 0o1777, uid: 0, gid: 0 },
    { at: "/var/tmp", mode: 0o1777, uid: 0, gid: 0 },
    { at: "/root", mode: 0o700, uid: 0, gid: 0 },
    { at: "/home", mode: 0o755, uid: 0, gid: 0 },
    { at: "/run", mode: 0o755, uid: 0, gid: 0 },
    ...(image.accounts ?? []).filter((a) => a.home && a.home !== "/").map((a) => ({ at: a.home, mode: 0o755, uid: a.uid, gid: a.gid })),
  ];

  const net = pod.net;
  const binds: Bind[] = [
    { host: net.hostsFile, at: "/etc/hosts", readOnly: false, file: true },
    { host: net.resolvConfFile, at: "/etc/resolv.conf", readOnly: c.readOnlyRootFilesystem, file: true },
    { host: net.hostnameFile, at: "/etc/hostname", readOnly: c.readOnlyRootFilesystem, file: true },
  ];
  for (const e of ETC_BINDS) {
    const imageHas = [...layersAt("/etc"), ...fromRoot("/etc")].some((d) => existsSync(join(d, e)));
    if (!imageHas && isDir(`/etc/${e}`)) binds.push({ host: `/etc/${e}`, at: `/etc/${e}`, readOnly: true, file: false });
  }
  const terminationLog = join(dir, "termination-log");
  writeFileSync(terminationLog, "");
  // Any user of the container may write it; chmod because the umask trims writeFile's mode.
  chmodSync(terminationLog, 0o666);
  binds.push({ host: terminationLog, at: c.terminationMessagePath, readOnly: false, file: true });
  for (const m of c.mounts) {
    const volume = pod.volumes.paths.get(m.name);
    if (!volume) throw new Error(`volume ${m.name} was not prepared`);
    let host = volume;
    if (m.subPath) {
      host = join(volume, m.subPath);
      // The kubelet makes a missing subPath with the volume root's mode.
      if (!existsSync(host)) {
        mkdirSync(host, { recursive: true });
        const st = statSync(volume);
        cpOwnership(host, st.mode & 0o7777, st.uid, st.gid);
      }
    }
    binds.push({ host, at: m.mountPath, readOnly: m.readOnly, file: statSync(host).isFile() });
  }

  return {
    root: mkdirp(join(dir, "root")),
    overlays,
    symlinks,
    skeleton,
    workingDir: c.workingDir,
    shm: pod.volumes.shm,
    binds,
    cgroupProcs: cgroup.procsFiles,
    cgroupViews: [
      { host: cgroup.cpuDir, at: "/sys/fs/cgroup/cpu" },
      { host: cgroup.memoryDir, at: "/sys/fs/cgroup/memory" },
    ],
    hostname: pod.plan.hostname,
    readOnlyRoot: c.readOnlyRootFilesystem,
    stage2Path: join(dir, "stage2.sh"),
    process: proc,
  };
}

const mkdirp = (p: string): string => {
  mkdirSync(p, { recursive: true });
  return p;
};

function cpOwnership(path: string, mode: number, uid: number, gid: number): void {
  chownSync(path, uid, gid);
  chmodSync(path, mode);
}

/** The image's accounts as /etc/passwd and /etc/group, name service files, and the host's loader cache. */
function writeEtc(etc: string, c: ContainerPlan): void {
  mkdirSync(etc);
  const accounts = [...(c.image.accounts ?? [])];
  if (!accounts.some((a) => a.uid === 0)) accounts.unshift({ name: "root", uid: 0, gid: 0, home: "/root" });
  writeFileSync(join(etc, "passwd"), accounts.map((a) => `${a.name}:x:${a.uid}:${a.gid}:${a.name}:${a.home}:/bin/sh\n`).join(""));
  const groups = new Map<number, string>();
  for (const a of accounts) if (!groups.has(a.gid)) groups.set(a.gid, a.name);
  writeFileSync(join(etc, "group"), [...groups].map(([gid, name]) => `${name}:x:${gid}:\n`).join(""));
  // Hosts from /etc/hosts only: with no DNS server, "dns" would turn an unknown name into EAI_AGAIN
  // (server unreachable) where cluster DNS answers NXDOMAIN (ENOTFOUND).
  writeFileSync(join(etc, "nsswitch.conf"), "passwd: files\ngroup: files\nshadow: files\nhosts: files\nnetworks: files\nprotocols: files\nservices: files\n");
  for (const f of ["hosts", "resolv.conf", "hostname"]) writeFileSync(join(etc, f), "");
  for (const e of ETC_COPIES) {
    const src = join("/etc", e);
    if (!existsSync(src)) continue;
    if (statSync(src).isDirectory()) cpSync(src, join(etc, e), { recursive: true, dereference: true });
    else copyFileSync(src, join(etc, e));
  }
}

function readTerminationMessage(file: string): string | undefined {
  try {
    const text = readFileSync(file).subarray(0, TERMINATION_MESSAGE_LIMIT).toString("utf8");
    return text === "" ? undefined : text;
  } catch {
    return undefined;
  }
}

function execIn(pid: number, procsFiles: string[], proc: ProcessSpec, argv: string[], timeoutMs: number): Promise<ExecResult> {
  return new Promise((resolve) => {
    let script: string;
    try {
      script = execScript(pid, procsFiles, proc, argv);
    } catch (err) {
      resolve({ exitCode: 126, output: (err as Error).message, timedOut: false });
      return;
    }
    const child = spawn("sh", ["-c", script], { stdio: ["ignore", "pipe", "pipe"], detached: true });
    let output = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (output += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (output += d));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        // exited meanwhile
      }
    }, timeoutMs);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ exitCode: code ?? 128 + (signal ? (osSignals[signal] ?? 0) : 0), output, timedOut });
    });
  });
}

const osSignals = constants.signals as Record<string, number>;

/** Everything a rehearsal's pods left on the host: processes in its cgroups, mounts, state, cgroups. Keeps the logs. */
export async function teardownSandboxes(rehearsal: string): Promise<void> {
  await removeCgroups(rehearsal);
  const dir = stateDir(rehearsal);
  for (const sub of ["pods", "claims"]) {
    const d = join(dir, sub);
    await unmountUnder(d);
    rmSync(d, { recursive: true, force: true });
  }
}
