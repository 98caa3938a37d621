import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, vi } from "vitest";

/** Nothing listens on port 1: kubectl fails at once with "connection refused", as against a cluster that is down. */
export const UNREACHABLE_SERVER = "127.0.0.1:1";

/**
 * Points the real kubectl of this test file at a cluster it cannot reach, so the error a user gets
 * is tested without a cluster and no test can touch the developer's own one.
 */
export function useUnreachableCluster(): void {
  let dir = "";
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "ecom-kubeconfig-"));
    const config = join(dir, "config");
    writeFileSync(
      config,
      JSON.stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: "down", cluster: { server: `http://${UNREACHABLE_SERVER}` } }],
        users: [{ name: "nobody", user: {} }],
        contexts: [{ name: "down", context: { cluster: "down", user: "nobody" } }],
        "current-context": "down",
      }),
    );
    vi.stubEnv("KUBECONFIG", config);
    vi.stubEnv("KUBECTL", undefined);
  });
  afterAll(() => {
    vi.unstubAllEnvs();
    rmSync(dir, { recursive: true, force: true });
  });
}
