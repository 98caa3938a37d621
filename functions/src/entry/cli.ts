/**
 * The process entry of the function (kpt's exec and container runs, Kustomize's exec plugin). It runs
 * on whatever `node` a user's PATH holds, so it is built for old runtimes and only checks the version
 * before it loads the core: a Node.js too old to parse or run the core must stop the build with a
 * message, never print nothing and exit 0, which `kubectl apply --prune` would read as "delete the shop".
 */
import { builtin, cacheFile, loadCore } from "./code-cache.ts";
import { fdSink } from "./fd-sink.ts";
import { readAll } from "./fd-source.ts";
import { olderThan } from "./node-version.ts";
import type { respond } from "./run.ts";

declare const MIN_NODE: string;

if (olderThan(process.versions.node, MIN_NODE)) {
  process.stderr.write(`ecom-fn: needs Node.js ${MIN_NODE} or later, but the node on PATH (${process.execPath}) is ${process.version}; install a newer Node.js or put one first on PATH\n`);
  process.exitCode = 1;
} else {
  const cannotRun = (err: Error) => {
    process.stderr.write(`ecom-fn: cannot run: ${err.message}\n`);
    process.exitCode = 1;
  };
  const { readSync, writeSync } = builtin<typeof import("node:fs")>("fs");
  readAll((buffer) => readSync(0, buffer), () => process.stdin).then((input) => {
    const text = input.toString("utf8");
    let loaded: ReturnType<typeof loadCore<{ respond: typeof respond }>>;
    try {
      const { fileURLToPath } = builtin<typeof import("node:url")>("url");
      const { homedir } = builtin<typeof import("node:os")>("os");
      loaded = loadCore(fileURLToPath(new URL("./ecom-fn-core.cjs", import.meta.url)), cacheFile(process.env, homedir, process.version, process.arch));
    } catch (err) {
      cannotRun(err as Error);
      return;
    }
    // process.stderr, like process.stdout, is only created if something is written to it.
    const stdout = fdSink((bytes, offset) => writeSync(1, bytes, offset), () => process.stdout);
    process.exitCode = loaded.core.respond(() => text, stdout, { write: (s: string) => process.stderr.write(s) });
    loaded.save();
  }, cannotRun);
}
