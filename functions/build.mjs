import { build } from "esbuild";
import { chmodSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

// Paths, not URL paths: a checkout under a directory with a space would otherwise be looked for as `%20`.
const dist = (name) => fileURLToPath(new URL(`./dist/${name}`, import.meta.url));
const src = (name) => fileURLToPath(new URL(`./src/${name}`, import.meta.url));
// The oldest Node.js the function runs on: functions/package.json's engines, the one place it is stated.
const minNode = /^>=(\d+\.\d+\.\d+)$/.exec(JSON.parse(readFileSync(new URL("./package.json", import.meta.url), "utf8")).engines.node)?.[1];
if (!minNode) throw new Error("functions/package.json: engines.node must read >=MAJOR.MINOR.PATCH");
const shared = { platform: "node", format: "esm", legalComments: "none", logLevel: "warning" };

// The core: one self-contained CommonJS script, which the executable compiles with V8's code cache
// (src/entry/code-cache.ts). Those who import it in-process (npm run render) get it through
// dist/ecom-fn-core.mjs, a module of a few lines that requires it: one bundle, whoever runs it.
await build({
  ...shared,
  bundle: true,
  entryPoints: [src("entry/main.ts")],
  outfile: dist("ecom-fn-core.cjs"),
  format: "cjs",
  target: `node${minNode}`,
  minifySyntax: true,
  minifyWhitespace: true,
  // Identifiers too: the bundle stays small with two YAML readers in it.
  minifyIdentifiers: true,
});
const exported = Object.keys(createRequire(import.meta.url)(dist("ecom-fn-core.cjs")));
writeFileSync(
  dist("ecom-fn-core.mjs"),
  `import { createRequire } from "node:module";\nexport const { ${exported.join(", ")} } = createRequire(import.meta.url)("./ecom-fn-core.cjs");\n`,
);

// The executable: built for runtimes far older than the core's (any ES module runtime with
// top-level await), so that one too old for the core still reads it and says which version it needs.
await build({
  ...shared,
  bundle: true,
  entryPoints: [src("entry/cli.ts")],
  outfile: dist("ecom-fn.mjs"),
  target: "node14.8",
  define: { MIN_NODE: JSON.stringify(minNode) },
  banner: { js: "#!/usr/bin/env node" },
});
chmodSync(dist("ecom-fn.mjs"), 0o755);
for (const name of ["ecom-fn.mjs", "ecom-fn-core.cjs", "ecom-fn-core.mjs"]) console.log(`functions/dist/${name}: ${(statSync(dist(name)).size / 1024).toFixed(1)} KiB`);
