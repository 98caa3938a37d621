import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { parseAllDocuments } from "yaml";
import { kubectl, kubectlAsync, toYamlStream } from "../../scripts/lib/kubectl.ts";
import { REDACTED } from "../../scripts/lib/redact.ts";
import { UNREACHABLE_SERVER, useUnreachableCluster } from "../support/unreachable-cluster.ts";
import { commandError } from "../support/command-error.ts";

useUnreachableCluster();

const CONFIG_MAP = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: "ecom" }, data: { k: "v" } };

describe("kubectl", () => {
  it("hands `input` to kubectl on stdin, never in argv, and returns what it printed", () => {
    const value = "a value of more than sixty-four bytes, so a smaller output buffer would overflow";
    const input = JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: { k: value } });
    const r = kubectl(["label", "--local", "-f", "-", "tier=config", "-o", "json"], { input });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout)).toEqual({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", labels: { tier: "config" } }, data: { k: value } });
  });

  it("turns a failure into one error naming the subcommand, its exit code and kubectl's own words", () => {
    const err = commandError(() => kubectl(["get", "secret", "--namespace", "ns", "s"]));
    expect(err.code).toBe("kubectl-failed");
    expect(err.message).toMatch(/^kubectl get failed \(exit 1\):\n\S/);
    expect(err.message).toContain(`The connection to the server ${UNREACHABLE_SERVER} was refused`);
    expect(err.message).toBe(err.message.trim());
  });

  it("scrubs the given secrets out of kubectl's error output", () => {
    const err = commandError(() => kubectl(["get", "secret", "--namespace", "ns", "s"], { secrets: [UNREACHABLE_SERVER] }));
    expect(err.message).not.toContain(UNREACHABLE_SERVER);
    expect(err.message).toContain(`server ${REDACTED} was refused`);
  });

  it("with allowFailure returns the exit code and the scrubbed stderr instead of throwing", () => {
    const r = kubectl(["get", "secret", "--namespace", "ns", "s"], { allowFailure: true, secrets: [UNREACHABLE_SERVER] });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(`server ${REDACTED} was refused`);
    expect(r.stderr).not.toContain(UNREACHABLE_SERVER);
  });

  it("passes on kubectl's own exit code: diff exits 2 when it cannot compare", () => {
    const input = JSON.stringify(CONFIG_MAP);
    expect(commandError(() => kubectl(["diff", "-f", "-"], { input })).message).toMatch(/^kubectl diff failed \(exit 2\):\n/);
    expect(kubectl(["diff", "-f", "-"], { input, allowFailure: true }).status).toBe(2);
  });

  it("says kubectl cannot be run when KUBECTL names no program", () => {
    vi.stubEnv("KUBECTL", "/nonexistent/kubectl");
    try {
      const err = commandError(() => kubectl(["version", "--client"]));
      expect(err.code).toBe("tool-missing");
      expect(err.message).toBe("cannot run kubectl: spawnSync /nonexistent/kubectl ENOENT");
    } finally {
      vi.stubEnv("KUBECTL", undefined);
    }
  });
});

describe("kubectlAsync", () => {
  let server: Server;
  const sockets: Socket[] = [];
  beforeAll(async () => {
    // Accepts connections and never answers: kubectl waits on it as on a cluster that hangs.
    server = createServer((s) => void sockets.push(s));
    await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  });
  afterAll(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });

  it("resolves with kubectl's exit code", async () => {
    expect(await kubectlAsync(["version", "--client"], new AbortController().signal)).toBe(0);
    expect(await kubectlAsync(["get", "secret", "--namespace", "ns", "s"], new AbortController().signal)).toBe(1);
  });

  it("resolves with kubectl's exit code even when it is not 1", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ecom-kubectl-async-"));
    try {
      writeFileSync(join(dir, "cm.json"), JSON.stringify(CONFIG_MAP));
      expect(await kubectlAsync(["diff", "-f", join(dir, "cm.json")], new AbortController().signal)).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("resolves 1 when kubectl cannot be run", async () => {
    vi.stubEnv("KUBECTL", "/nonexistent/kubectl");
    try {
      expect(await kubectlAsync(["version", "--client"], new AbortController().signal)).toBe(1);
    } finally {
      vi.stubEnv("KUBECTL", undefined);
    }
  });

  it("stops a kubectl that is still waiting when the signal aborts, resolving 1", async () => {
    const { port } = server.address() as { port: number };
    const stop = new AbortController();
    const done = kubectlAsync(["get", "secret", "--namespace", "ns", "s", `--server=http://127.0.0.1:${port}`], stop.signal);
    await vi.waitFor(() => expect(sockets.length).toBeGreaterThan(0), { timeout: 10_000 });
    stop.abort();
    expect(await done).toBe(1);
  });
});

describe("toYamlStream", () => {
  it("writes each object as its own document, in order", () => {
    const objects = [
      { apiVersion: "v1", kind: "Namespace", metadata: { name: "ecom" } },
      { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: "ecom" }, data: { "a: b": "--- not a separator" } },
    ];
    const text = toYamlStream(objects);
    expect(text).toBe(
      '---\n{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"ecom"}}\n' +
        '---\n{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","namespace":"ecom"},"data":{"a: b":"--- not a separator"}}\n',
    );
    expect(parseAllDocuments(text).map((d) => d.toJS())).toEqual(objects);
    expect(toYamlStream([])).toBe("");
  });
});
