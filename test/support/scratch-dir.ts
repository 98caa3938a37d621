/**
 * Where the tests put their scratch files: thousands of small files (repository copies, packages,
 * builds) that live briefly. A RAM-backed /dev/shm spares them the disk's journal, which cost the
 * fast tier a measurable share of its CPU. It is used only when it has room and a script written there can
 * run (the fixtures run a kpt shim from their scratch directory; containers often mount it
 * noexec), and never over a TMPDIR the user chose.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, statfsSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const MIN_FREE_BYTES = 2 * 1024 ** 3;

export function scratchParent(env: NodeJS.ProcessEnv, candidate = "/dev/shm"): string | undefined {
  if (env.TMPDIR) return undefined;
  let probe: string | undefined;
  try {
    const fs = statfsSync(candidate);
    if (fs.bavail * fs.bsize < MIN_FREE_BYTES) return undefined;
    probe = mkdtempSync(join(candidate, "ecom-deploy-probe-"));
    const script = join(probe, "probe.sh");
    writeFileSync(script, "#!/bin/sh\nexit 0\n");
    chmodSync(script, 0o755);
    return spawnSync(script).status === 0 ? candidate : undefined;
  } catch {
    return undefined;
  } finally {
    if (probe) rmSync(probe, { recursive: true, force: true });
  }
}
