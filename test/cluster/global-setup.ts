/**
 * Starts one real control plane (etcd, kube-apiserver, kube-controller-manager) for every test in
 * test/cluster, and stops it after them. It runs only when a test in here is selected (its own vitest
 * project), and a control plane that cannot start throws here, which fails the whole run: a cluster
 * test is never skipped.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { REPO_ROOT } from "../support/tools.ts";

declare module "vitest" {
  export interface ProvidedContext {
    clusterKubeconfig: string;
  }
}

const SCRIPT = join(REPO_ROOT, "tools", "control-plane", "control-plane.sh");

function controlPlane(command: "up" | "down", stateDir: string): { status: number; stdout: string } {
  const out = spawnSync("bash", [SCRIPT, command], {
    cwd: REPO_ROOT,
    env: { ...process.env, CONTROL_PLANE_STATE_DIR: stateDir },
    encoding: "utf8",
    // The script's progress (and a cold build's output) goes straight to the terminal.
    stdio: ["ignore", "pipe", "inherit"],
  });
  if (out.error) throw new Error(`cannot run ${SCRIPT}: ${out.error.message}`);
  return { status: out.status ?? 1, stdout: out.stdout };
}

export default function setup(project: TestProject): () => void {
  // A state directory per run: concurrent runs in one checkout get their own certificates, ports and etcd.
  const runs = join(REPO_ROOT, ".cache", "control-plane", "runs");
  mkdirSync(runs, { recursive: true });
  const stateDir = mkdtempSync(join(runs, "vitest-"));
  const up = controlPlane("up", stateDir);
  if (up.status !== 0) {
    controlPlane("down", stateDir);
    throw new Error(
      `\n\n*** the test control plane did not start (exit ${up.status}); its messages are above, its logs in ${stateDir}/logs.\n` +
        "*** It needs Go (to build it from tools/control-plane/go.mod), openssl, curl, kubectl and node: see docs/control-plane.md.\n",
    );
  }
  const kubeconfig = up.stdout.trim().split("\n").pop() ?? "";
  project.provide("clusterKubeconfig", kubeconfig);
  return () => {
    const down = controlPlane("down", stateDir);
    // Logs stay behind when stopping went wrong, so there is something to look at.
    if (down.status === 0) rmSync(stateDir, { recursive: true, force: true });
  };
}
