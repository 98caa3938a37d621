/**
 * Where one rehearsal (named after its bridge, e.g. `rh0`) keeps its scratch state: pods' hosts
 * files, volumes, container roots. Fixed per name, so a run that was killed can be cleaned up by
 * the next one with the same name.
 *
 *   stateDir(name): string        <os.tmpdir()>/ecom-rehearsal-<name>
 *   podStateDir(name, pod): string
 *   cgroupDirs(name): { cpu, memory }   this rehearsal's cgroup v1 parents
 */
import { tmpdir } from "node:os";
import { join } from "node:path";

export const stateDir = (name: string): string => join(tmpdir(), `ecom-rehearsal-${name}`);

export const podStateDir = (name: string, pod: string): string => join(stateDir(name), "pods", pod);

export const CGROUP_ROOT = "/sys/fs/cgroup";

export const cgroupDirs = (name: string): { cpu: string; memory: string } => ({
  cpu: join(CGROUP_ROOT, "cpu", "rehearsal", name),
  memory: join(CGROUP_ROOT, "memory", "rehearsal", name),
});

/** Bridge names become prefixes of veth names, which Linux caps at 15 characters. */
export function checkName(name: string): void {
  if (!/^[a-z][a-z0-9]{0,9}$/.test(name)) throw new Error(`rehearsal name ${JSON.stringify(name)} must be 1-10 lowercase letters or digits, starting with a letter`);
}
