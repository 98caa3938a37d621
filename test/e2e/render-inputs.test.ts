/**
 * `npm run render` over every kind of file an overlay may hold. Each failing case hashes the whole
 * tree (contents, modes, link targets) before and after: a failed render changes nothing, exits
 * non-zero and names the file (and object and field where there is one). Each working case is
 * judged by the real kustomize, as every render is.
 */
import { createHash } from "node:crypto";
import { spawnSync } from "node:child_process";
import { cpSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, symlinkSync, unlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { RepoCopy, render, runCommand, type Outcome } from "../support/repo-copy.ts";
import { parseAll, REPO_ROOT, tool } from "../support/tools.ts";

const copies: RepoCopy[] = [];
const scratch: string[] = [];
afterEach(() => {
  for (const c of copies.splice(0)) c.remove();
  for (const d of scratch.splice(0)) rmSync(d, { recursive: true, force: true });
});

/**
 * These cases move hosts; the images' baked URLs, which would rightly refuse a moved host, are left
 * out of the policies (function.test.ts covers them).
 */
const BAKED_URLS = /\n(?: {2}#[^\n]*\n)* {2}bakedUrls:\n(?: {4}[^\n]*\n)*/;

/** Only these overlays (prod by default): each case is about one, and the copy then renders and judges only them. */
function copy(overlays = ["prod"]): RepoCopy {
  const repo = new RepoCopy({ overlays });
  copies.push(repo);
  for (const env of overlays) repo.edit(`overlays/${env}/policy/policy.yaml`, BAKED_URLS, "\n");
  repo.commit("no baked URLs");
  return repo;
}
const prod = () => copy();

/** Every entry under `root` but .git: its path, type, mode and content hash or link target. */
function treeHash(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(join(root, dir)).sort()) {
      if (!dir && name === ".git") continue;
      const path = dir ? `${dir}/${name}` : name;
      const st = lstatSync(join(root, path));
      const mode = (st.mode & 0o7777).toString(8);
      if (st.isSymbolicLink()) out.push(`${path} link ${readlinkSync(join(root, path))}`);
      else if (st.isDirectory()) {
        out.push(`${path} dir ${mode}`);
        walk(path);
      } else out.push(`${path} file ${mode} ${createHash("sha256").update(readFileSync(join(root, path))).digest("hex")}`);
    }
  };
  walk("");
  return out;
}

/** A render that must fail: non-zero, no stack trace, and the tree byte for byte as it was. */
function refused(root: string, run: () => Outcome = () => render(root)): string {
  const before = treeHash(root);
  const out = run();
  expect(out.status, out.stderr).not.toBe(0);
  expect(out.stderr).not.toMatch(/\n\s+at |node:internal|TypeError|ERR_[A-Z_]+/);
  expect(treeHash(root), "a failed render changes nothing").toEqual(before);
  return out.stderr;
}

const NOTHING_WRITTEN = "error: render-failed: nothing was written: the render stops at the errors above\n";
const POLICY_FIX = "it must hold the overlay's DeployPolicy (functions/README.md, \"Configuration\"), or its derived values are never checked against its Ingress";
const hostChange = (repo: RepoCopy) => repo.edit("overlays/prod/ingress.yaml", /shop\.example\.com/g, "store.example.org");

/** The function alone through kpt, as `kpt fn render` runs it. */
const kptAlone = (repo: RepoCopy) =>
  runCommand(tool("kpt"), ["fn", "eval", repo.root, "--truncate-output=false", "--exec", `${process.execPath} ${join(REPO_ROOT, "functions/dist/ecom-fn.mjs")}`], repo.root);

/** The ConfigMap data plain `kustomize build` deploys for prod. */
function deployed(root: string, name: string): Record<string, string> {
  const objects = parseAll(runCommand(tool("kustomize"), ["build", join(root, "overlays/prod")], root).stdout);
  return (objects.find((o) => o.kind === "ConfigMap" && o.metadata.name.startsWith(name)) as any).data;
}

describe("an overlay's policy", () => {
  it("deleted: the overlay is refused by name, not skipped", () => {
    const repo = prod();
    hostChange(repo);
    unlinkSync(join(repo.root, "overlays/prod/policy/policy.yaml"));
    expect(refused(repo.root)).toBe(`error: render-policy-missing: overlays/prod: overlays/prod/policy/policy.yaml is missing: ${POLICY_FIX}\n${NOTHING_WRITTEN}`);
  });

  it("empty: refused naming the file", () => {
    const repo = prod();
    hostChange(repo);
    writeFileSync(join(repo.root, "overlays/prod/policy/policy.yaml"), "# emptied\n");
    expect(refused(repo.root)).toBe(`error: render-policy-missing: overlays/prod/policy/policy.yaml: is empty: ${POLICY_FIX}\n${NOTHING_WRITTEN}`);
  });

  it("holding another kind: refused naming the file and the kinds it holds", () => {
    const repo = prod();
    writeFileSync(join(repo.root, "overlays/prod/policy/policy.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: policy\n");
    expect(refused(repo.root)).toBe(`error: render-policy-missing: overlays/prod/policy/policy.yaml: holds ConfigMap where exactly one DeployPolicy belongs: ${POLICY_FIX}\n${NOTHING_WRITTEN}`);
  });

  it("misplaced in the overlay: refused with where it belongs", () => {
    const repo = prod();
    cpSync(join(repo.root, "overlays/prod/policy/policy.yaml"), join(repo.root, "overlays/prod/policy.yaml"));
    rmSync(join(repo.root, "overlays/prod/policy"), { recursive: true });
    expect(refused(repo.root)).toBe(
      "error: render-policy-misplaced: overlays/prod/policy.yaml: a DeployPolicy is read only from <overlay>/policy/policy.yaml, so this one configures nothing: move it to overlays/prod/policy/policy.yaml\n" +
        `error: render-policy-missing: overlays/prod: overlays/prod/policy/policy.yaml is missing: ${POLICY_FIX}\n${NOTHING_WRITTEN}`,
    );
    // kpt fn render takes the directory two above the policy for its overlay: it names the policy to move.
    const out = refused(repo.root, () => kptAlone(repo));
    expect(out).toContain(
      "[error] kustomization-missing: overlays/prod/policy.yaml: a DeployPolicy configures the overlay two directories above its file, and overlays has no kustomization.yaml: move the policy to <overlay>/policy/policy.yaml of the overlay it configures",
    );
  });

  it("misplaced outside any overlay: refused, naming the file", () => {
    const repo = prod();
    cpSync(join(repo.root, "overlays/prod/policy/policy.yaml"), join(repo.root, "overlays/policy.yaml"));
    expect(refused(repo.root)).toBe(
      "error: render-policy-misplaced: overlays/policy.yaml: a DeployPolicy is read only from <overlay>/policy/policy.yaml, so this one configures nothing: move it in the `policy/policy.yaml` of the overlay it configures\n" +
        NOTHING_WRITTEN,
    );
  });
});

describe("configMapGenerator data files", () => {
  const GENERATOR = [
    "configMapGenerator:",
    "  - name: shop-flags",
    "    files:",
    "      - flags.yaml",
    "      - redirects.json",
    "      - manifest.yaml",
    "",
  ].join("\n");
  const DATA = {
    "overlays/prod/flags.yaml": "checkout:   { newFlow: true }\n\n# spacing and flow style as written\nbanner: 'Sale'\n",
    "overlays/prod/redirects.json": '[{"from": "/old", "to": "/new"}]\n',
    // A data file that happens to look like an object: kpt would have rewritten it.
    "overlays/prod/manifest.yaml": "apiVersion:   v1\nkind: Thing\nmetadata: {name: x}\n\n\nnote: \"kept\"\n",
  };

  it("YAML, JSON and object-like data files are read by kustomize alone and never rewritten", () => {
    const repo = prod();
    for (const [file, text] of Object.entries(DATA)) writeFileSync(join(repo.root, file), text);
    repo.edit("overlays/prod/kustomization.yaml", /^patches:/m, `${GENERATOR}patches:`);
    hostChange(repo);
    repo.commit("generator");
    const out = render(repo.root);
    expect(out.status, out.stderr).toBe(0);
    expect(repo.changedFiles()).toEqual(["overlays/prod/derived/medusa-config.yaml", "overlays/prod/derived/storefront-config.yaml"]);
    for (const [file, text] of Object.entries(DATA)) expect(repo.read(file), file).toBe(text);
    expect(deployed(repo.root, "shop-flags")["manifest.yaml"]).toBe(DATA["overlays/prod/manifest.yaml"]);
  });
});

describe("symbolic links", () => {
  /** prod's ingress.yaml moved to `target` and linked from its place with the relative `link`. */
  function linkedIngress(repo: RepoCopy, target: string, link: string) {
    mkdirSync(join(repo.root, target, ".."), { recursive: true });
    cpSync(join(repo.root, "overlays/prod/ingress.yaml"), join(repo.root, target));
    unlinkSync(join(repo.root, "overlays/prod/ingress.yaml"));
    symlinkSync(link, join(repo.root, "overlays/prod/ingress.yaml"));
  }

  it("a relative link in an overlay builds and renders as the file it points to, and stays a link", () => {
    const repo = prod();
    linkedIngress(repo, "overlays/prod/hosts/ingress.yaml", "hosts/ingress.yaml");
    repo.edit("overlays/prod/hosts/ingress.yaml", /shop\.example\.com/g, "store.example.org");
    repo.commit("linked ingress");
    const out = render(repo.root);
    expect(out.status, out.stderr).toBe(0);
    expect(readlinkSync(join(repo.root, "overlays/prod/ingress.yaml"))).toBe("hosts/ingress.yaml");
    expect(repo.changedFiles()).toEqual(["overlays/prod/derived/medusa-config.yaml", "overlays/prod/derived/storefront-config.yaml"]);
    expect(deployed(repo.root, "medusa-config").STORE_CORS).toBe("https://store.example.org");
  });

  it("a link out of the overlay, which kustomize refuses, is refused naming the link and where it leads", () => {
    const repo = prod();
    linkedIngress(repo, "shared/prod-ingress.yaml", "../../shared/prod-ingress.yaml");
    hostChange(repo);
    const said = refused(repo.root);
    expect(said).toMatch(/^error: render-build-failed: overlays\/prod: `kustomize build overlays\/prod` fails: Error: [\s\S]*security; file '.*overlays\/prod\/ingress\.yaml' is not in or below '.*overlays\/prod' \(before/);
    expect(said).toContain(" (before the render as after it); overlays/prod/ingress.yaml is a symbolic link to ../../shared/prod-ingress.yaml, and kustomize reads a file only when what a link leads to is in or below overlays/prod: move the file there and link to it from elsewhere, or replace the link with a copy\n");
    expect(said.endsWith(NOTHING_WRITTEN)).toBe(true);
  });

  it("a failed render leaves every link and the file behind it as they were", () => {
    const repo = prod();
    linkedIngress(repo, "overlays/prod/hosts/ingress.yaml", "hosts/ingress.yaml");
    repo.edit("overlays/prod/hosts/ingress.yaml", /- host: shop\.example\.com/, "- host: \"\"");
    expect(refused(repo.root)).toBe(
      '[error] ingress-host: overlays/prod/ingress.yaml: Ingress ecom-ingress: spec.rules[0].host: rule 0 has no host: every rule needs the public hostname that CORS must allow\n' +
        `error: render-failed: overlays/prod: the function's findings are above\n${NOTHING_WRITTEN}`,
    );
  });

  it("a derived file that is a link is never written through", () => {
    const repo = prod();
    const elsewhere = join(repo.root, "shared-medusa-config.yaml");
    cpSync(join(repo.root, "overlays/prod/derived/medusa-config.yaml"), elsewhere);
    unlinkSync(join(repo.root, "overlays/prod/derived/medusa-config.yaml"));
    symlinkSync(elsewhere, join(repo.root, "overlays/prod/derived/medusa-config.yaml"));
    hostChange(repo);
    expect(refused(repo.root)).toBe(
      `error: render-link: overlays/prod: overlays/prod/derived/medusa-config.yaml is a symbolic link (to ${elsewhere}): render writes overlays/prod/derived/medusa-config.yaml and never through a link, which would change the file it points to; make it a plain file or directory (a derived file may be deleted: render writes it again)\n${NOTHING_WRITTEN}`,
    );
  });
});

describe("files kustomize reads that the function cannot", () => {
  it("a file that is not YAML is named, not a stack trace or an item number", () => {
    const repo = prod();
    writeFileSync(join(repo.root, "overlays/prod/namespace.yaml"), "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: [ecom-prod\n");
    expect(refused(repo.root)).toMatch(/^error: render-input: overlays\/prod: overlays\/prod\/namespace\.yaml: is not valid YAML: .*\nerror: render-failed: nothing was written/);
  });
});

describe("an Ingress inside a kind: List", () => {
  /** base/ingress.yaml as the one item of a List, with the List's own metadata. */
  function listed(repo: RepoCopy, metadata = "") {
    const lines = repo.read("base/ingress.yaml").split("\n").filter((l) => l && !l.startsWith("#"));
    writeFileSync(join(repo.root, "base/ingress.yaml"), `apiVersion: v1\nkind: List\n${metadata}items:\n${lines.map((l, i) => (i === 0 ? `  - ${l}` : `    ${l}`)).join("\n")}\n`);
    hostChange(repo);
    repo.commit("listed ingress");
  }
  it("is read as kustomize reads it: each item an object, the derived values from its hosts", () => {
    const repo = prod();
    listed(repo);
    expect(parseAll(runCommand(tool("kustomize"), ["build", join(repo.root, "base")], repo.root).stdout).some((o) => o.kind === "Ingress")).toBe(true);
    const out = render(repo.root);
    expect(out.status, out.stderr).toBe(0);
    expect(deployed(repo.root, "medusa-config").STORE_CORS).toBe("https://store.example.org");
  });

  it("kpt alone reads a List only with a name of its own, and then derives the same", () => {
    const unnamed = prod();
    listed(unnamed);
    const out = kptAlone(unnamed);
    expect(out.status).not.toBe(0);
    expect(out.stdout + out.stderr).toContain("input resource list must contain only KRM resources: base/ingress.yaml: resource must have `metadata.name`");
    const named = prod();
    listed(named, "metadata:\n  name: ingresses\n");
    expect(kptAlone(named).status).toBe(0);
    expect(deployed(named.root, "medusa-config").STORE_CORS).toBe("https://store.example.org");
  });
});

describe("which overlays", () => {
  it("one overlay named, from inside it: that overlay alone, its bases read from the package around it", () => {
    const repo = copy(["prod", "dev"]);
    hostChange(repo);
    repo.edit("overlays/dev/ingress.yaml", /shop\.localtest\.me/g, "store.localtest.me");
    const out = runCommand(process.execPath, [join(REPO_ROOT, "scripts", "render.ts"), "."], join(repo.root, "overlays/prod"));
    expect(out.status, out.stderr).toBe(0);
    expect(out.stdout).toBe("render: overlays/prod: wrote overlays/prod/derived/medusa-config.yaml, overlays/prod/derived/storefront-config.yaml\n");
    expect(repo.changedFiles()).toEqual([
      "overlays/dev/ingress.yaml", "overlays/prod/derived/medusa-config.yaml", "overlays/prod/derived/storefront-config.yaml", "overlays/prod/ingress.yaml",
    ]);
  });

  it("a directory of overlays: each in it, built and judged in the whole package", () => {
    const repo = copy(["prod", "dev"]);
    hostChange(repo);
    const out = runCommand(process.execPath, [join(REPO_ROOT, "scripts", "render.ts"), "overlays"], repo.root);
    expect(out.status, out.stderr).toBe(0);
    expect(out.stdout).toBe("render: overlays/dev, overlays/prod: wrote overlays/prod/derived/medusa-config.yaml, overlays/prod/derived/storefront-config.yaml\n");
  });

  it("a directory that is not an overlay is refused by name", () => {
    const repo = prod();
    const out = runCommand(process.execPath, [join(REPO_ROOT, "scripts", "render.ts"), "base"], repo.root);
    expect([out.status, out.stderr]).toEqual([1, "error: render-no-overlay: base is not an overlay the function renders: its kustomization lists no `derived` component and it has no policy/policy.yaml\n"]);
  });
});

/** A script run the way `npm run render` runs it: npm names the script being run in the environment. */
function runCommandAsNpm(script: string, cwd: string): Outcome {
  const out = spawnSync(process.execPath, [script], { cwd, encoding: "utf8", env: { ...process.env, npm_lifecycle_event: "render" } });
  return { status: out.status ?? 1, stdout: out.stdout, stderr: out.stderr };
}

describe("a checkout whose path has a space", () => {
  it("builds its function and renders with its own script and bundle", () => {
    const repo = prod();
    const parent = mkdtempSync(join(tmpdir(), "ecom render "));
    scratch.push(parent);
    const checkout = join(parent, "my shop");
    cpSync(repo.root, checkout, { recursive: true, verbatimSymlinks: true });
    symlinkSync(join(REPO_ROOT, "node_modules"), join(checkout, "node_modules"));
    writeFileSync(join(checkout, "overlays/prod/ingress.yaml"), readFileSync(join(checkout, "overlays/prod/ingress.yaml"), "utf8").replace(/shop\.example\.com/g, "store.example.org"));
    // As `npm run render` runs it, with a source newer than the bundle: the function is built there first.
    const later = new Date(Date.now() + 60_000);
    utimesSync(join(checkout, "functions/src/entry/run.ts"), later, later);
    const out = runCommandAsNpm(join(checkout, "scripts", "render.ts"), checkout);
    expect(out.status, out.stderr).toBe(0);
    expect(out.stdout).toMatch(/^functions\/dist\/ecom-fn\.mjs: /m);
    expect(readFileSync(join(checkout, "overlays/prod/derived/medusa-config.yaml"), "utf8")).toContain("STORE_CORS: https://store.example.org");
  });
});
