/**
 * The defects the rehearsal found, each as the edit that puts it back into an overlay's build. A
 * rehearsal with one of them (`npm run rehearse -- <overlay> --break <name>`) must fail at the named
 * check; `node test/rehearsal/regressions.ts` runs each and fails unless it does, so a rehearsal that
 * stopped noticing one of them cannot pass unseen.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { valueOf, type K8s } from "./shop-secrets.ts";

export interface Regression {
  overlay: string;
  /** What the edit puts back, as the defect was found. */
  defect: string;
  apply(objects: K8s[]): void;
  /** The failed check that must show it. */
  failing: RegExp;
}

const containers = (objects: K8s[], kind: string, name: (n: string) => boolean) =>
  objects.filter((o) => o.kind === kind && name(o.metadata.name)).flatMap((o) => [...(o.spec.template.spec.initContainers ?? []), ...o.spec.template.spec.containers]);

function edited(what: string, count: number): void {
  if (count === 0) throw new Error(`--break: nothing in the build to ${what}`);
}

export const REGRESSIONS: Readonly<Record<string, Regression>> = {
  "migration-read-only-root": {
    overlay: "dev",
    defect: "the migration Job's container with a read-only root: db:migrate cannot create its migrations directories",
    apply(objects) {
      const cs = containers(objects, "Job", (n) => n.startsWith("medusa-migrate")).filter((c) => c.name === "migrate");
      for (const c of cs) c.securityContext.readOnlyRootFilesystem = true;
      edited("make read-only", cs.length);
    },
    failing: /^FAIL Job medusa-migrate-\S+ completes at its first attempt/m,
  },
  "database-url-without-sslmode": {
    overlay: "dev",
    defect: "dev's DATABASE_URL without ?sslmode=disable: Medusa asks the in-cluster PostgreSQL for TLS",
    apply(objects) {
      const secret = objects.find((o) => o.kind === "Secret" && o.metadata.name === "medusa-secret" && o.data?.DATABASE_URL);
      edited("strip sslmode from", secret ? 1 : 0);
      const url = valueOf(secret!, "DATABASE_URL")!.replace(/\?sslmode=disable$/, "");
      secret!.data.DATABASE_URL = Buffer.from(url).toString("base64");
    },
    failing: /^FAIL Job medusa-migrate-\S+ completes at its first attempt/m,
  },
  "seed-before-migration": {
    overlay: "dev",
    defect: "the seed Job without its wait for a finished migration",
    apply(objects) {
      const seed = objects.find((o) => o.kind === "Job" && o.metadata.name === "medusa-seed");
      const inits = seed?.spec.template.spec.initContainers ?? [];
      edited("remove the migration wait from", inits.filter((c: { name: string }) => c.name === "wait-for-migration").length);
      seed!.spec.template.spec.initContainers = inits.filter((c: { name: string }) => c.name !== "wait-for-migration");
    },
    failing: /^FAIL Job medusa-seed completes at its first attempt/m,
  },
  "tcp-liveness": {
    overlay: "dev",
    defect: "a liveness probe that only opens a TCP connection: a hung server still completes the handshake",
    apply(objects) {
      const cs = containers(objects, "Deployment", (n) => n === "medusa").filter((c) => c.livenessProbe);
      for (const c of cs) c.livenessProbe = { tcpSocket: { port: 9000 }, periodSeconds: 20, failureThreshold: 3 };
      edited("give a TCP liveness probe to", cs.length);
    },
    failing: /^FAIL medusa: a hung server is restarted by its liveness probe/m,
  },
};

export function regression(name: string): Regression {
  const r = REGRESSIONS[name];
  if (!r) throw new Error(`unknown --break ${name}; known: ${Object.keys(REGRESSIONS).join(", ")}`);
  return r;
}

/** Runs the rehearsal once per regression; each must exit non-zero with its failed check. */
function main(): number {
  const rehearse = fileURLToPath(new URL("./rehearse.ts", import.meta.url));
  let passed = 0;
  let failed = 0;
  for (const [name, r] of Object.entries(REGRESSIONS)) {
    const t0 = Date.now();
    const run = spawnSync(process.execPath, [rehearse, "--break", name, r.overlay], { encoding: "utf8", maxBuffer: 256 << 20 });
    const out = (run.stdout ?? "").split("\n").map((l) => l.replace(/^\[[^\]]+\] /, "")).join("\n");
    // It must fail the way a user sees it: the check's line, torn down, no stack trace.
    const shown = run.status !== 0 && r.failing.test(out) && !/^\s+at /m.test(run.stderr ?? "");
    const took = `${((Date.now() - t0) / 1000).toFixed(0)} s`;
    if (shown) passed++;
    else failed++;
    console.log(`${shown ? "ok  " : "FAIL"} rehearsal fails with ${r.defect} (${name}, ${took})${shown ? "" : `: exit ${run.status}, no line matching ${r.failing}\n${(run.stderr ?? "").slice(-2000)}${out.split("\n").filter((l) => /^(ok|FAIL)/.test(l)).join("\n")}`}`);
  }
  console.log(`regressions: ${passed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

if (import.meta.main) process.exit(main());
