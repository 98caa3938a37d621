/**
 * npm run rehearse -- [overlay ...]: the shop rehearsal. Builds each overlay as its users deploy it,
 * builds the app's images from its source (ECOM_APP_SOURCE, a checkout of github.com/ekenheim/ecom at
 * the pinned commits) as their Dockerfiles do, and runs every pod as the kubelet would, in the order a
 * first install brings them up; then uses the shop as its users do. One line per check and
 * measurement, `N passed, N failed` at the end, non-zero exit on any failure. Needs root (network and
 * mount namespaces, cgroups); docs/testing.md says what it emulates and what it cannot.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { requireHost } from "./host-command.ts";
import { regression } from "./regressions.ts";
import { Report, seconds, StopRehearsal } from "./report.ts";
import { backendChecks, catalogueChecks, gracefulStopCheck, livenessCheck, uploadCheck, workerChecks } from "./shop-checks.ts";
import { shopObjects } from "./shop-objects.ts";
import { MEDUSA_IMAGE, Shop } from "./shop-run.ts";
import { storefrontStage } from "./storefront-stage.ts";

const OVERLAYS = ["dev", "prod", "home-ops"];
const USAGE = `usage: npm run rehearse -- [--hold] [--break NAME] [${OVERLAYS.join(" | ")} ...]   (all three when none is named)
  --hold        after the checks, keep the shop running until Ctrl-C, to look around
  --break NAME  put a defect the rehearsal found back into the build first (test/rehearsal/regressions.ts)`;

function fail(message: string, code = 1): never {
  console.error(`rehearse: ${message}`);
  process.exit(code);
}

function appSource(): string {
  const source = process.env.ECOM_APP_SOURCE;
  if (!source) {
    fail(`ECOM_APP_SOURCE is not set. Point it at a checkout of github.com/ekenheim/ecom at the pinned commits
  (docs/published-images.yaml names them), e.g.
    git clone https://github.com/ekenheim/ecom && git -C ecom checkout <commit>
    ECOM_APP_SOURCE=$PWD/ecom npm run rehearse`);
  }
  const dir = resolve(source);
  for (const sub of ["medusa/Dockerfile", "storefront/Dockerfile"]) if (!existsSync(join(dir, sub))) fail(`ECOM_APP_SOURCE=${source} has no ${sub}: it must be the root of an ecom checkout`);
  return dir;
}

/** Keeps the shop up until Ctrl-C, saying where each pod is and how to enter one. */
async function holdOpen(shop: Shop): Promise<void> {
  for (const p of shop.net.pods) console.log(`  ${p.namespace}/${p.pod}: ${p.ip} (ip netns exec ${p.netns} ...)`);
  console.log("holding the shop open; Ctrl-C to go on with the last checks and tear it down");
  await new Promise<void>((done) => (releaseHold = done));
  releaseHold = undefined;
}

let releaseHold: (() => void) | undefined;
let current: Shop | undefined;
// Interrupted, the pods, their network and cgroups go before the process does: nothing of a
// rehearsal outlives it. While holding, Ctrl-C only ends the hold.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (releaseHold && signal === "SIGINT") return releaseHold();
    console.error(`rehearse: ${signal}: tearing the shop down`);
    void (current?.close() ?? Promise.resolve()).finally(() => process.exit(130));
  });
}

/** One rehearsal of an overlay at a time: a second would tear down the first one's pods and network. */
function lock(name: string): () => void {
  const file = join(tmpdir(), `ecom-rehearsal-${name}.pid`);
  if (existsSync(file)) {
    const pid = Number(readFileSync(file, "utf8"));
    const alive = (() => {
      try {
        return process.kill(pid, 0);
      } catch {
        return false;
      }
    })();
    if (alive && pid !== process.pid) fail(`another rehearsal with the same network (${name}) runs as pid ${pid}; wait for it or end it`);
  }
  writeFileSync(file, String(process.pid));
  return () => rmSync(file, { force: true });
}

async function rehearse(overlay: string, source: string): Promise<Report> {
  const report = new Report(`[${overlay}]`);
  const unlock = lock(`rh${OVERLAYS.indexOf(overlay)}`);
  const logDir = join(tmpdir(), "ecom-rehearsal-logs", overlay);
  mkdirSync(logDir, { recursive: true });
  const log = (line: string) => console.log(`[${overlay}]      ${line}`);
  const objects = shopObjects(overlay);
  if (broken) {
    // A regression is put back into the build the cluster would receive; the first failure shows it.
    regression(broken).apply(objects.build);
    report.stopAtFirstFailure = true;
    report.note(`with a defect put back: ${regression(broken).defect}`);
  }
  const shop = (current = new Shop(objects, { name: `rh${OVERLAYS.indexOf(overlay)}`, subnet: `10.213.${OVERLAYS.indexOf(overlay)}.0/24`, source, logDir, report, log }));
  try {
    const t0 = Date.now();
    const medusa = shop.objects.find((o) => o.kind === "Deployment" && o.metadata.name === "medusa")?.spec.template.spec.containers[0].image;
    if (!medusa?.startsWith(MEDUSA_IMAGE)) throw new Error("the build has no medusa Deployment running the medusa image");
    await shop.image(medusa);
    report.measure("medusa image (built from the app's source, or cached)", seconds(Date.now() - t0));

    await shop.setup();
    const of = (kind: string) => shop.pods.filter((p) => p.owner.kind === kind);
    await shop.bringUp([...of("StatefulSet"), ...of("Deployment").filter((p) => p.namespace === "rehearsal-internet")], "datastores");
    // Every Job at once, as `kubectl apply` creates them: their init containers' waits keep the order.
    const jobs = [...new Set(of("Job").map((p) => p.owner.name))];
    await Promise.all(jobs.map((j) => shop.runJob(j)));
    const backend = of("Deployment").filter((p) => p.owner.name === "medusa" || p.owner.name === "medusa-worker");
    await shop.bringUp(backend, "medusa server and worker");

    const token = await backendChecks(shop);
    const uploaded = await uploadCheck(shop, token);
    await workerChecks(shop);
    if (jobs.includes("medusa-seed")) {
      const key = await catalogueChecks(shop);
      await storefrontStage(shop, key, uploaded);
    }
    if (hold) await holdOpen(shop);
    // Each liveness probe the overlays define, once: the server's (base) in dev, the worker's
    // (components/medusa-worker) in prod; home-ops uses both unchanged.
    if (overlay === "dev") await livenessCheck(shop, "medusa", "medusa");
    if (overlay === "prod") await livenessCheck(shop, "medusa-worker", "medusa-worker");
    await gracefulStopCheck(shop, "medusa", "medusa");
  } catch (err) {
    if (!(err instanceof StopRehearsal)) report.check("rehearsal", false, err instanceof Error ? err.message : String(err));
  } finally {
    await shop.close();
    unlock();
    report.measure("rehearsal", `${report.elapsed()}, logs in ${logDir}`);
  }
  return report;
}

const args = process.argv.slice(2);
const hold = args.includes("--hold");
const breakAt = args.indexOf("--break");
const broken = breakAt >= 0 ? args[breakAt + 1] : undefined;
if (breakAt >= 0 && !broken) fail(`--break needs a name\n${USAGE}`, 2);
if (broken) {
  try {
    regression(broken);
  } catch (err) {
    fail((err as Error).message, 2);
  }
}
const wanted = args.filter((a, i) => a !== "--hold" && (breakAt < 0 || (i !== breakAt && i !== breakAt + 1)));
for (const w of wanted) if (!OVERLAYS.includes(w)) fail(`unknown overlay ${w}\n${USAGE}`, 2);
if (process.getuid?.() !== 0) fail("needs root: it runs each pod in its own network and mount namespaces with cgroup limits, as the kubelet does");
requireHost();
const source = appSource();
let passed = 0;
let failed = 0;
const failures: string[] = [];
for (const overlay of wanted.length ? wanted : OVERLAYS) {
  const r = await rehearse(overlay, source);
  passed += r.passed;
  failed += r.failed;
  failures.push(...r.failures);
}
console.log([`rehearsal: ${passed} passed, ${failed} failed`, ...failures.map((f) => `  ${f}`)].join("\n"));
process.exit(failed === 0 && passed > 0 ? 0 : 1);
