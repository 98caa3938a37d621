import { build } from "esbuild";
import { chmodSync, statSync } from "node:fs";

// One self-contained file: the container image and the exec plugin both run it with plain `node`.
const outfile = new URL("./dist/ecom-fn.mjs", import.meta.url).pathname;
await build({
  entryPoints: [new URL("./src/main.ts", import.meta.url).pathname],
  outfile,
  bundle: true,
  platform: "node",
  target: "node24",
  format: "esm",
  minifySyntax: true,
  minifyWhitespace: true,
  // Identifiers too: the bundle stays under 300 KiB with two YAML readers in it.
  minifyIdentifiers: true,
  legalComments: "none",
  // yaml ships CommonJS that requires node builtins; an ES module bundle needs a real `require` for them.
  banner: { js: '#!/usr/bin/env node\nimport { createRequire } from "node:module";\nconst require = createRequire(import.meta.url);' },
  logLevel: "warning",
});
chmodSync(outfile, 0o755);
console.log(`functions/dist/ecom-fn.mjs: ${(statSync(outfile).size / 1024).toFixed(1)} KiB`);
