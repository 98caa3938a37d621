import { build } from "esbuild";
import { chmodSync, readFileSync, statSync } from "node:fs";

const dist = (name) => new URL(`./dist/${name}`, import.meta.url).pathname;
const src = (name) => new URL(`./src/${name}`, import.meta.url).pathname;
// The oldest Node.js the function runs on: functions/package.json's engines, the one place it is stated.
const minNode = /^>=(\d+\.\d+\.\d+)$/.exec(JSON.parse(readFileSync(new URL("./package.json", import.meta.url), "utf8")).engines.node)?.[1];
if (!minNode) throw new Error("functions/package.json: engines.node must read >=MAJOR.MINOR.PATCH");
const shared = { platform: "node", format: "esm", legalComments: "none", logLevel: "warning" };

// The core: one self-contained module. The container image, the exec plugin and npm run render's judge
// all load it with plain `node`.
await build({
  ...shared,
  bundle: true,
  entryPoints: [src("main.ts")],
  outfile: dist("ecom-fn-core.mjs"),
  target: `node${minNode}`,
  minifySyntax: true,
  minifyWhitespace: true,
  // Identifiers too: the bundle stays small with two YAML readers in it.
  minifyIdentifiers: true,
  // yaml ships CommonJS that requires node builtins; an ES module bundle needs a real `require` for them.
  banner: { js: 'import { createRequire } from "node:module";\nconst require = createRequire(import.meta.url);' },
});

// The executable: built for runtimes far older than the core's (any that has dynamic import), so
// that one too old for the core still reads it and says which version it needs.
await build({
  ...shared,
  entryPoints: [src("cli.ts")],
  outfile: dist("ecom-fn.mjs"),
  target: "node14",
  define: { MIN_NODE: JSON.stringify(minNode) },
  banner: { js: "#!/usr/bin/env node" },
});
chmodSync(dist("ecom-fn.mjs"), 0o755);
for (const name of ["ecom-fn.mjs", "ecom-fn-core.mjs"]) console.log(`functions/dist/${name}: ${(statSync(dist(name)).size / 1024).toFixed(1)} KiB`);
