import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { BUNDLE_CORE, RepoCopy, render, requireBundle, runCommand } from "../support/repo-copy.ts";
import { overlayNames } from "../support/targets.ts";
import { REPO_ROOT, parseAll, tool } from "../support/tools.ts";

/** Every plugin directory, read from disk: one added later is built by the tests below without a word here. */
const PLUGIN_ENVS = readdirSync(join(REPO_ROOT, "plugin")).sort();
/** Every overlay that carries the function's policy, and so must have a plugin directory. */
const POLICY_ENVS = readdirSync(join(REPO_ROOT, "overlays")).filter((e) => existsSync(join(REPO_ROOT, "overlays", e, "policy", "policy.yaml"))).sort();
const EVERY_OVERLAY = overlayNames();
const copies: RepoCopy[] = [];
/** A scratch copy; scenarios about prod copy only that overlay, so a render renders and judges one. */
const copy = (overlays: readonly string[] = ["prod"]) => {
  const c = new RepoCopy({ overlays });
  copies.push(c);
  return c;
};
afterEach(() => {
  for (const c of copies.splice(0)) c.remove();
});
beforeAll(requireBundle);

/**
 * A new shop host, as an operator does it: the Ingress and the URLs the newly built storefront image
 * carries (the policy's bakedUrls) change together.
 */
const moveShopHost = (repo: RepoCopy) => {
  for (const file of ["overlays/prod/ingress.yaml", "overlays/prod/policy/policy.yaml"]) repo.edit(file, /shop\.example\.com/g, "store.example.org");
};

const plainBuild = (root: string, env: string) => runCommand(tool("kustomize"), ["build", join(root, "overlays", env)], root);
const pluginBuild = (root: string, env: string) =>
  runCommand(tool("kustomize"), ["build", "--enable-alpha-plugins", "--enable-exec", join(root, "plugin", env)], root);

describe("kpt render over the repository", () => {
  it("changes no committed file: the overlays are rendered (the drift check CI relies on)", () => {
    const repo = copy(EVERY_OVERLAY);
    expect(readdirSync(join(repo.root, "overlays")).sort(), "the drift check renders every overlay").toEqual(POLICY_ENVS);
    const out = render(repo.root);
    expect(out.status, out.stderr).toBe(0);
    expect(repo.changedFiles()).toEqual([]);
  });

  it("runs the same through the Kptfile pipeline as through npm run render", () => {
    const viaEval = copy();
    const viaKptfile = copy();
    for (const repo of [viaEval, viaKptfile]) {
      moveShopHost(repo);
      repo.commit("new host");
    }
    // No Docker here: the pipeline's image is swapped for the same bundle run as an exec function.
    const bundle = join(viaKptfile.root, "functions/dist/ecom-fn.mjs");
    viaKptfile.edit("Kptfile", /- image: \S+/, `- exec: ${process.execPath} ${bundle}`);
    viaKptfile.commit("exec pipeline");
    expect(render(viaEval.root).status).toBe(0);
    const out = runCommand(tool("kpt"), ["fn", "render", "--allow-exec", viaKptfile.root], viaKptfile.root);
    expect(out.status, out.stderr).toBe(0);
    expect(viaKptfile.changedLines()).toEqual(viaEval.changedLines());
    expect(viaEval.changedLines().length).toBeGreaterThan(0);
  });

  it("changing one prod host changes only the values derived from it, once", () => {
    const repo = copy();
    moveShopHost(repo);
    repo.commit("new host");
    expect(render(repo.root).status).toBe(0);
    expect(repo.changedFiles()).toEqual(["overlays/prod/derived/medusa-config.yaml", "overlays/prod/derived/storefront-config.yaml"]);
    const added = repo.changedLines().filter((l) => l.startsWith("+"));
    expect(added.map((l) => l.replace(/:.*/, ""))).toEqual([
      "+  STORE_CORS", "+  ADMIN_CORS", "+  AUTH_CORS", "+  STOREFRONT_URL", "+  NEXT_PUBLIC_BASE_URL",
    ]);
    for (const line of added) expect(line).toContain("https://store.example.org");
    expect(added.join("\n")).not.toContain("shop.example.com");
    repo.commit("rendered");
    expect(render(repo.root).status).toBe(0);
    expect(repo.changedFiles()).toEqual([]);
  });

  it("pinning a new medusa tag renames the migration Job, which then runs that image", () => {
    const repo = copy();
    repo.edit("overlays/prod/kustomization.yaml", /(name: ghcr\.io\/ekenheim\/ecom\/medusa\n\s+newTag: )"[0-9a-f]{7}"/, '$1"0a1b2c3"');
    repo.commit("new tag");
    expect(render(repo.root).status).toBe(0);
    expect(repo.changedFiles()).toEqual(["overlays/prod/derived/migration-job.yaml"]);
    expect(repo.changedLines().filter((l) => l.startsWith("+"))).toEqual(["+  name: medusa-migrate-0a1b2c3"]);
    const built = plainBuild(repo.root, "prod");
    const job = parseAll(built.stdout).find((o) => o.kind === "Job" && o.metadata.name.startsWith("medusa-migrate"));
    expect(job?.metadata.name).toBe("medusa-migrate-0a1b2c3");
    expect(JSON.stringify(job)).toContain("ghcr.io/ekenheim/ecom/medusa:0a1b2c3");
  });

  it("refuses an admin host the medusa image was not built for, naming the file, the image, the baked URL and the fix", () => {
    const repo = copy();
    repo.edit("overlays/prod/ingress.yaml", /admin\.example\.com/g, "backoffice.example.org");
    repo.commit("new admin host, same images");
    const out = render(repo.root);
    expect(out.status).not.toBe(0);
    const output = out.stdout + out.stderr;
    const image = /newTag: "([0-9a-f]{7})"/.exec(readFileSync(join(repo.root, "overlays/prod/kustomization.yaml"), "utf8"))![1];
    expect(output).toMatch(/overlays\/prod\/ingress\.yaml: Ingress ecom-ingress: spec\.rules: the Ingress serves the admin \(\/app, \/admin and \/auth reach medusa\) at backoffice\.example\.org/);
    expect(output).toContain(`ghcr.io/ekenheim/ecom/medusa:${image} was built with BACKEND_URL=https://admin.example.com (policy prod, spec.bakedUrls.medusa.BACKEND_URL)`);
    expect(output).toContain("Rebuild the image with BACKEND_URL=https://backoffice.example.org and pin its tag");
    expect(output).toContain("or serve admin.example.com again");
    // The storefront image calls the same backend URL from browsers.
    expect(output).toContain("was built with NEXT_PUBLIC_MEDUSA_BACKEND_URL=https://admin.example.com");
    expect(repo.changedFiles()).toEqual([]);
  });

  it("a name-prefixed overlay renders, and `npm run deploy -- <env> --plan` plans its prefixed migration Job", () => {
    const repo = copy();
    repo.linkNodeModules();
    // A prefix renames the Services but not the hosts the init containers wait for: the overlay says them.
    const waits = (target: string, hosts: Array<[container: string, host: string, port: number]>) =>
      `  - target: {${target}}\n    patch: |\n      ${JSON.stringify({
        apiVersion: "v1", kind: "Any", metadata: { name: "any" },
        spec: { template: { spec: { initContainers: hosts.map(([name, host, port]) => ({ name, command: ["sh", "-c", `until nc -z shop-${host} ${port}; do sleep 2; done`] })) } } },
      })}\n`;
    const datastores: Array<[string, string, number]> = [["wait-for-postgres", "postgres", 5432], ["wait-for-redis", "redis", 6379]];
    repo.edit("overlays/prod/kustomization.yaml", /^namespace: ecom-prod$/m, "namespace: ecom-prod\nnamePrefix: shop-");
    repo.edit("overlays/prod/kustomization.yaml", /^patches:\n/m, `patches:\n${[
      waits("kind: Deployment, name: medusa", datastores),
      waits("kind: Deployment, name: medusa-worker", datastores),
      waits("kind: Deployment, name: storefront", [["wait-for-medusa", "medusa", 9000]]),
      waits("kind: Job", [datastores[0]!]),
    ].join("")}`);
    repo.commit("prefix");
    const rendered = render(repo.root);
    expect(rendered.status, rendered.stderr).toBe(0);
    expect(repo.changedFiles()).toEqual(["overlays/prod/derived/storefront-config.yaml"]);
    expect(repo.changedLines().filter((l) => l.startsWith("+"))).toEqual(["+  MEDUSA_BACKEND_URL: http://shop-medusa:9000"]);
    const plan = runCommand(process.execPath, [join(repo.root, "scripts/deploy.ts"), "prod", "--plan"], repo.root);
    expect(plan.status, plan.stderr).toBe(0);
    expect(plan.stdout).toMatch(/^\d\. migration: Job\/shop-medusa-migrate-[0-9a-f]{7} \(then wait for Job shop-medusa-migrate-[0-9a-f]{7}\)$/m);
  });

  it("a broken limit fails the render, naming file, object and field, and writes nothing", () => {
    const repo = copy();
    repo.edit("base/medusa/deployment.yaml", /memory: 1Gi/, "memory: 1Gb");
    moveShopHost(repo);
    repo.commit("broken");
    const out = render(repo.root);
    expect(out.status).not.toBe(0);
    const output = out.stdout + out.stderr;
    expect(output).toMatch(/base\/medusa\/deployment\.yaml: Deployment medusa: spec\.template\.spec\.containers\[0\]\.resources\.limits\.memory/);
    expect(output).toContain('"1Gb" is not a valid Kubernetes quantity');
    expect(repo.changedFiles()).toEqual([]);
  });
});

describe("the function as a Kustomize exec plugin", () => {
  it("has one plugin directory per overlay with a policy, each built below", () => {
    expect(PLUGIN_ENVS).toEqual(POLICY_ENVS);
    expect(PLUGIN_ENVS).toEqual(expect.arrayContaining(["dev", "home-ops", "prod"]));
  });

  for (const env of PLUGIN_ENVS) {
    it(`plugin/${env} prints exactly what plain kustomize build overlays/${env} prints`, () => {
      const plugin = pluginBuild(REPO_ROOT, env);
      expect(plugin.status, plugin.stderr).toBe(0);
      const plain = plainBuild(REPO_ROOT, env);
      expect(plain.status, plain.stderr).toBe(0);
      expect(plugin.stdout).toBe(plain.stdout);
      expect(plugin.stderr).toBe("");
    });
  }

  it("really runs: an unrendered host change is corrected in the build", () => {
    const repo = copy();
    moveShopHost(repo);
    const plugin = pluginBuild(repo.root, "prod");
    expect(plugin.status, plugin.stderr).toBe(0);
    const medusa = parseAll(plugin.stdout).find((o) => o.kind === "ConfigMap" && o.metadata.name === "medusa-config");
    expect((medusa as any).data.STORE_CORS).toBe("https://store.example.org");
    const plain = parseAll(plainBuild(repo.root, "prod").stdout).find((o) => o.kind === "ConfigMap" && o.metadata.name === "medusa-config");
    expect((plain as any).data.STORE_CORS).toBe("https://shop.example.com");
  });

  it("really runs: a violation fails the build with the function's message", () => {
    const repo = copy();
    repo.edit("base/storefront/deployment.yaml", /cpu: 500m/, "cpu: 4");
    const plugin = pluginBuild(repo.root, "prod");
    expect(plugin.status).not.toBe(0);
    expect(plugin.stderr).toMatch(/Deployment ecom-prod\/storefront: .*limits\.cpu: container "storefront": cpu limit 4 is above the policy maximum 500m/);
  });
});

describe("the bundle", () => {
  it("core, imported (as npm run render does), reads nothing and lends what render runs", () => {
    const script = `const m = await import(${JSON.stringify(pathToFileURL(BUNDLE_CORE).href)}); console.log(Object.keys(m).sort().join(","), typeof m.respond);`;
    const out = spawnSync(process.execPath, ["--input-type=module", "-e", script], { input: "items: [unclosed\n", encoding: "utf8" });
    expect(out.stderr).toBe("");
    expect([out.status, out.stdout]).toEqual([0, "fileItems,fileText,formatResult,hasErrors,respond,run function\n"]);
  });

  it("answers a malformed ResourceList with an error result and exit 1", () => {
    const file = join(REPO_ROOT, "functions/dist/ecom-fn.mjs");
    const tmp = join(copy().root, "bad.yaml");
    writeFileSync(tmp, "items: [unclosed\n");
    const out = runCommand("sh", ["-c", `"${process.execPath}" "${file}" < "${tmp}"`], REPO_ROOT);
    expect(out.status).toBe(1);
    expect(out.stderr).toContain("[error]");
    expect(readFileSync(file, "utf8").startsWith("#!/usr/bin/env node")).toBe(true);
  });
});
