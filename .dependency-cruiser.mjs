/**
 * Which code may import which, checked by test/repo/imports.test.ts (part of `npm test`) and by
 * `npx depcruise functions scripts test tools vitest.config.ts`.
 *
 * The function (functions/src) has a core (core/: derive and its pure helpers) and its checks
 * (checks/), and two modes that feed them: package mode (package/) composes an overlay from a kpt
 * package's files and writes derived/ back; plugin mode (plugin/) reads a finished `kustomize
 * build`. entry/ picks a mode. Every file of functions/src is in one of these folders
 * (test/repo/imports.test.ts).
 */
const SRC = "^functions/src/";
const folder = (name) => `${SRC}${name}/`;

const PACKAGE_MODE = folder("package");
const PLUGIN_MODE = folder("plugin");
const ENTRY = folder("entry");
const CHECKS = folder("checks");
/** What the day-2 commands may read of the function: the readers of shop objects and the object type. */
const SHARED_WITH_SCRIPTS = `${SRC}core/(?:shop-objects|kube)\\.ts$`;
const TEST_CODE = "^(?:test|functions/test)/";

export default {
  forbidden: [
    {
      name: "no-circular",
      comment: "An import cycle: each module of it can only be understood, tested and moved with the others.",
      severity: "error",
      from: {},
      to: { circular: true },
    },
    {
      name: "core-imports-no-mode",
      comment: "The core (derive and its pure helpers) works on an overlay view, whichever mode made it.",
      severity: "error",
      from: { path: SRC, pathNot: [PACKAGE_MODE, PLUGIN_MODE, ENTRY, CHECKS] },
      to: { path: [PACKAGE_MODE, PLUGIN_MODE, ENTRY] },
    },
    {
      name: "checks-import-no-mode",
      comment: "A check reads an overlay view and reports; it never depends on how the view was made.",
      severity: "error",
      from: { path: CHECKS },
      to: { path: [PACKAGE_MODE, PLUGIN_MODE, ENTRY] },
    },
    {
      name: "package-mode-imports-no-plugin-mode",
      comment: "Package mode and plugin mode share only the core.",
      severity: "error",
      from: { path: PACKAGE_MODE },
      to: { path: PLUGIN_MODE },
    },
    {
      name: "plugin-mode-imports-no-package-mode",
      comment: "Package mode and plugin mode share only the core.",
      severity: "error",
      from: { path: PLUGIN_MODE },
      to: { path: PACKAGE_MODE },
    },
    {
      name: "function-imports-no-scripts",
      comment: "The function is a package of its own, bundled and released alone: the commands use it, never the reverse.",
      severity: "error",
      from: { path: "^functions/" },
      to: { path: "^scripts/" },
    },
    {
      name: "scripts-import-only-shared-readers",
      comment: "The commands read built objects with the function's shared readers, not its modes, checks or core.",
      severity: "error",
      from: { path: "^scripts/" },
      to: { path: SRC, pathNot: SHARED_WITH_SCRIPTS },
    },
    {
      name: "product-imports-no-test-code",
      comment: "What ships or runs against a cluster never depends on the tests or their support.",
      severity: "error",
      from: { path: "^(?:functions/src|functions/build\\.mjs|scripts|tools)/?", pathNot: TEST_CODE },
      to: { path: TEST_CODE },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    // Type-only imports are edges too: a cycle through a type still ties the modules together.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    exclude: { path: ["^functions/dist/", "^node_modules/", "^\\.stryker-tmp/", "^\\.cache/"] },
  },
};
