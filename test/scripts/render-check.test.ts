/**
 * The judge of `npm run render` (scripts/lib/render-check.ts) in the test process: the real
 * kustomize builds the overlays and the function, bundled from its sources, runs over each build. What it reports is what `npm run render` prints before writing nothing.
 */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { kustomizeBuildText, judgeOverlay, overlayBuildsConfig, type Respond } from "../../scripts/lib/render-check.ts";
import { built } from "../support/builds.ts";
import { REPO_ROOT, tool } from "../support/tools.ts";

let scratch: string;
let bundle: string;
let respond: Respond;

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), "render-check-"));
  bundle = join(scratch, "ecom-fn.mjs");
  await build({
    entryPoints: [join(REPO_ROOT, "functions/src/entry/main.ts")],
    outfile: bundle,
    bundle: true,
    platform: "node",
    format: "esm",
    banner: { js: 'import { createRequire } from "node:module"; const require = createRequire(import.meta.url);' },
    logLevel: "warning",
  });
  ({ respond } = await import(pathToFileURL(bundle).href));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let copies = 0;
/** A directory of `files` (path to text) below the scratch directory. */
function tree(files: Record<string, string>): string {
  const root = join(scratch, `tree-${copies++}`);
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), text);
  }
  return root;
}

/** A copy of the shop's manifests with each `[file, pattern, replacement]` edit applied (each must match). */
function shopWith(edits: [string, RegExp, string][]): string {
  const root = tree({});
  for (const dir of ["base", "components", "overlays"]) cpSync(join(REPO_ROOT, dir), join(root, dir), { recursive: true });
  for (const [file, from, to] of edits) {
    const text = readFileSync(join(root, file), "utf8");
    if (!from.test(text)) throw new Error(`${file} has no ${from}`);
    writeFileSync(join(root, file), text.replace(from, to));
  }
  return root;
}

/** An overlay of one ConfigMap: kustomize builds it in a moment, and the function finds no shop in it. */
const tiny = () => tree({ "overlays/tiny/kustomization.yaml": "resources:\n  - configmap.yaml\n", "overlays/tiny/configmap.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: flags\n" });
const policy = (spec: Record<string, unknown>) => ({ apiVersion: "fn.ecom.ekenheim.dev/v1alpha1", kind: "DeployPolicy", metadata: { name: "tiny" }, spec });
const prodPolicy = (root: string) => parse(readFileSync(join(root, "overlays/prod/policy/policy.yaml"), "utf8"));
/** The judge over a new build of the overlay, as `npm run render` runs it. */
const judge = async (root: string, overlay: string, policyObject: unknown, fn: Respond = respond) =>
  judgeOverlay(fn, overlay, policyObject, await kustomizeBuildText(tool("kustomize"), root, overlay));
const DISAGREES = "its own composition of the overlay differs from kustomize's (a feature it does not model); the value kustomize deploys decides";

/** An object without what kustomize adds for a plugin: the annotations under its internal prefixes. */
function withoutPluginAnnotations(o: any): any {
  const internal = (k: string) => /^(internal\.)?config\.(kubernetes\.io|k8s\.io)\/|^kustomize\.config\.k8s\.io\/id$/.test(k);
  const annotations = Object.fromEntries(Object.entries(o.metadata?.annotations ?? {}).filter(([k]) => !internal(k)));
  const { annotations: _, ...metadata } = o.metadata;
  return { ...o, metadata: Object.keys(annotations).length ? { ...metadata, annotations } : metadata };
}

/** Objects in one order, whatever order a list gave them in: kustomize sorts its output, not a plugin's input. */
const sorted = (objects: any[]) => [...objects].sort((a, b) => JSON.stringify([a.kind, a.metadata.namespace, a.metadata.name]).localeCompare(JSON.stringify([b.kind, b.metadata.namespace, b.metadata.name])));

/** The captured build of the prod overlay: kustomize's text, and what it handed the plugin. */
let prod: { text: string; pluginInput: string };
beforeAll(async () => {
  const b = await kustomizeBuildText(tool("kustomize"), REPO_ROOT, "overlays/prod");
  if ("problem" in b) throw new Error(b.problem);
  prod = b;
});

/** Runs `body` with the environment variable `name` at `value`, as kustomizeBuildText and its children read it. */
async function withEnv<T>(name: string, value: string, body: () => Promise<T>): Promise<T> {
  const before = process.env[name];
  process.env[name] = value;
  try {
    return await body();
  } finally {
    if (before === undefined) delete process.env[name];
    else process.env[name] = before;
  }
}

describe("kustomizeBuildText", () => {
  it("gives the text kustomize builds, and the ResourceList kustomize hands a plugin over it, leaving no scratch file", async () => {
    // A temporary directory whose path a shell would split or end a quote at.
    const tmp = join(scratch, "tmp it's");
    mkdirSync(tmp);
    const b = await withEnv("TMPDIR", tmp, () => kustomizeBuildText(tool("kustomize"), REPO_ROOT, "overlays/prod"));
    if ("problem" in b) throw new Error(b.problem);
    expect(readdirSync(tmp)).toEqual([]);
    expect(b.text).toBe(built("overlays/prod").text);
    expect(b.pluginInput).toBe(prod.pluginInput);
    const list = parse(b.pluginInput);
    expect(list.kind).toBe("ResourceList");
    expect(sorted(list.items.map(withoutPluginAnnotations))).toEqual(sorted(built("overlays/prod").objects));
    // What only a plugin's list shows: each object's names before the build renamed it.
    const job = list.items.find((o: any) => o.kind === "Job");
    expect(job.metadata.annotations["internal.config.kubernetes.io/previousNames"].split(",")).toContain("medusa-migrate");
  });

  it("says so when the overlay builds but the plugin build beside it cannot run its transformer", async () => {
    // A PATH without tee fails the transformer as a temporary directory mounted noexec would.
    expect(await withEnv("PATH", join(scratch, "no-tools-here"), () => kustomizeBuildText(tool("kustomize"), REPO_ROOT, "overlays/prod"))).toEqual({
      problem: expect.stringMatching(/^`kustomize build overlays\/prod` passes, but not as the plugin build the render makes of it to see what a plugin gets \(a scratch kustomization in .* running tee\): [^]*tee: not found[^]*couldn't execute function/),
    });
  });

  it("names the temporary directory it cannot make its scratch kustomization in", async () => {
    expect(await withEnv("TMPDIR", join(scratch, "no-such-directory"), () => kustomizeBuildText(tool("kustomize"), REPO_ROOT, "overlays/prod"))).toEqual({
      problem: expect.stringMatching(/^cannot build `overlays\/prod` as a plugin build: no scratch directory in .*no-such-directory: ENOENT/),
    });
  });

  it("names the overlay and kustomize's reason when the build fails", async () => {
    expect(await kustomizeBuildText(tool("kustomize"), REPO_ROOT, "overlays/none")).toEqual({
      problem: expect.stringMatching(/^`kustomize build overlays\/none` fails: Error: must build at directory: .*overlays\/none.*: no such file or directory$/),
    });
  });
});

describe("overlayBuildsConfig", () => {
  it("is the OverlayBuilds object the function reads, carrying each build's text", () => {
    expect(overlayBuildsConfig({ "overlays/prod": "kind: Namespace\n" })).toEqual({
      apiVersion: "fn.ecom.ekenheim.dev/v1alpha1",
      kind: "OverlayBuilds",
      metadata: { name: "builds" },
      builds: { "overlays/prod": "kind: Namespace\n" },
    });
  });
});

describe("judgeOverlay", () => {
  it("passes an overlay whose committed values are what its build implies", async () => {
    expect(await judge(REPO_ROOT, "overlays/prod", prodPolicy(REPO_ROOT))).toEqual([]);
  });

  it("judges the build it is handed without building again", () => {
    const old = (text: string) => text.replace(/BACKEND_URL: https:\/\/admin\.example\.com/, "BACKEND_URL: https://old.example.com");
    const found = judgeOverlay(respond, "overlays/prod", prodPolicy(REPO_ROOT), { text: old(prod.text), pluginInput: old(prod.pluginInput) });
    expect(found.map((d) => d.message)).toEqual([expect.stringMatching(/^ConfigMap ecom-prod\/medusa-config: data\.BACKEND_URL: the render left "https:\/\/old\.example\.com"/)]);
  });

  it("names object, field and both values for each value the function derives differently from the build (a missing one as empty)", async () => {
    const root = shopWith([
      ["overlays/prod/kustomization.yaml", /newTag: "9496114"/, 'newTag: "abcdef1"'],
      ["overlays/prod/derived/medusa-config.yaml", /BACKEND_URL: https:\/\/admin\.example\.com/, "BACKEND_URL: https://old.example.com"],
      ["overlays/prod/derived/medusa-config.yaml", /\n  STOREFRONT_URL: .*/, ""],
      ["base/medusa/configmap.yaml", /\n  STOREFRONT_URL: .*/, ""],
    ]);
    expect(await judge(root, "overlays/prod", prodPolicy(root))).toEqual([
      {
        overlay: "overlays/prod",
        code: "render-disagrees",
        message: `ConfigMap ecom-prod/medusa-config: data.BACKEND_URL: the render left "https://old.example.com" in the build, but \`kustomize build overlays/prod\` deploys objects from which the function derives "https://admin.example.com": ${DISAGREES}`,
      },
      {
        overlay: "overlays/prod",
        code: "render-disagrees",
        message: `ConfigMap ecom-prod/medusa-config: data.STOREFRONT_URL: the render left "" in the build, but \`kustomize build overlays/prod\` deploys objects from which the function derives "https://shop.example.com": ${DISAGREES}`,
      },
      {
        overlay: "overlays/prod",
        code: "render-disagrees",
        message: `Job ecom-prod/medusa-migrate-9496114: metadata.name: the render left "medusa-migrate-9496114" in the build, but \`kustomize build overlays/prod\` deploys objects from which the function derives "medusa-migrate-abcdef1": ${DISAGREES}`,
      },
    ]);
  });

  it("reports the function's errors over the build with their codes, objects and fields", async () => {
    const root = shopWith([
      ["overlays/prod/kustomization.yaml", /\n?$/, "\n  - path: cpu.yaml\n    target:\n      kind: Deployment\n      name: storefront\n"],
    ]);
    writeFileSync(join(root, "overlays/prod/cpu.yaml"), '- op: replace\n  path: /spec/template/spec/containers/0/resources/limits/cpu\n  value: "4"\n');
    expect(await judge(root, "overlays/prod", prodPolicy(root))).toEqual([
      {
        overlay: "overlays/prod",
        code: "resources-above-maximum",
        message:
          'in `kustomize build overlays/prod`, Deployment ecom-prod/storefront: spec.template.spec.containers[0].resources.limits.cpu: container "storefront": cpu limit 4 is above the policy maximum 500m',
      },
    ]);
  });

  it("reports an overlay that no longer builds after the render", async () => {
    expect(await judge(REPO_ROOT, "overlays/none", {})).toEqual([
      { overlay: "overlays/none", code: "render-build-failed", message: expect.stringMatching(/^after the render, `kustomize build overlays\/none` fails: Error: must build at directory/) },
    ]);
  });

  it("reports findings on the policy and on no object, with the function's codes", async () => {
    expect(await judge(tiny(), "overlays/tiny", policy({ replicas: 2 }))).toEqual([
      { overlay: "overlays/tiny", code: "policy-invalid", message: "in `kustomize build overlays/tiny`, DeployPolicy tiny: spec.replicas: invalid DeployPolicy: unknown field" },
    ]);
    expect((await judge(tiny(), "overlays/tiny", policy({}))).map((d) => `${d.code}: ${d.message}`)).toContain(
      "cors-no-ingress: in `kustomize build overlays/tiny`, kustomize build: no Ingress, so there are no hosts to derive CORS from",
    );
  });

  it("reports a function that fails without a finding, with what it printed, or that throws", async () => {
    const failing: Respond = (_input, _stdout, stderr) => {
      stderr.write("ecom-fn: gave up\n");
      return 1;
    };
    expect(await judge(tiny(), "overlays/tiny", policy({}), failing)).toEqual([
      { overlay: "overlays/tiny", code: "internal", message: "the function failed over `kustomize build overlays/tiny`: ecom-fn: gave up" },
    ]);
    const throwing: Respond = () => {
      throw new RangeError("Maximum call stack size exceeded");
    };
    expect(await judge(tiny(), "overlays/tiny", policy({}), throwing)).toEqual([
      { overlay: "overlays/tiny", code: "internal", message: "the function failed over `kustomize build overlays/tiny`: Maximum call stack size exceeded" },
    ]);
  });

  it("reports a function that prints no ResourceList, with what it said", async () => {
    const broken: Respond = (_input, stdout, stderr) => {
      stderr.write("ecom-fn: out of memory\n");
      stdout.write("items:\n  - [unclosed\n");
      return 1;
    };
    expect(await judge(tiny(), "overlays/tiny", policy({}), broken)).toEqual([
      { overlay: "overlays/tiny", code: "internal", message: "the function over `kustomize build overlays/tiny` printed no ResourceList: ecom-fn: out of memory" },
    ]);
  });

  it("reports a plugin list without a functionConfig, which kustomize always writes", () => {
    const found = judgeOverlay(respond, "overlays/prod", prodPolicy(REPO_ROOT), { text: prod.text, pluginInput: prod.pluginInput.replace(/^functionConfig:[^]*$/m, "") });
    expect(found).toEqual([{ overlay: "overlays/prod", code: "internal", message: "kustomize handed the plugin of `kustomize build overlays/prod` no functionConfig" }]);
  });

  it("hands the function the build and the policy as one ResourceList, as kustomize hands a plugin", () => {
    let seen: any;
    const spy: Respond = (input, stdout) => {
      seen = parse(input());
      stdout.write("items: []\n");
      return 0;
    };
    expect(judgeOverlay(spy, "overlays/prod", prodPolicy(REPO_ROOT), prod)).toEqual([]);
    expect(seen).toEqual({ ...parse(prod.pluginInput), functionConfig: prodPolicy(REPO_ROOT) });
    expect(sorted(seen.items.map(withoutPluginAnnotations))).toEqual(sorted(built("overlays/prod").objects));
  });
});
