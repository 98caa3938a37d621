/**
 * Derived values always match what kustomize deploys. Valid kustomize that
 * the in-function composition does not model is refused by `kpt fn render`
 * (naming file and feature) and derived from the real build by `npm run
 * render`; and whatever a render writes, the real kustomize judges: values
 * that differ from those derived from `kustomize build` fail the render.
 * Each case is valid kustomize that once rendered wrong values.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { kustomizeBuildText, judgeOverlay, type Respond } from "../../scripts/lib/render-check.ts";
import { BUNDLE, BUNDLE_CORE, RepoCopy, render, requireBundle, runCommand } from "../support/repo-copy.ts";
import { overlayNames } from "../support/targets.ts";
import { parseAll, tool } from "../support/tools.ts";

const copies: RepoCopy[] = [];
afterEach(() => {
  for (const c of copies.splice(0)) c.remove();
});
let respond: Respond;
beforeAll(async () => {
  requireBundle();
  ({ respond } = await import(pathToFileURL(BUNDLE_CORE).href));
});

/**
 * These scenarios move hosts to exercise the composition; the images' baked URLs (which would
 * rightly refuse a moved host) are left out of the policies here and tested in function.test.ts.
 */
const BAKED_URLS = /\n(?: {2}#[^\n]*\n)* {2}bakedUrls:\n(?: {4}[^\n]*\n)*/;

/** Every overlay of the repository; a scenario's copy holds only prod unless it asks for these. */
const EVERY_OVERLAY = overlayNames();

function repoWith(files: Record<string, string>, edits: [string, RegExp, string][] = [], overlays: readonly string[] = ["prod"]): RepoCopy {
  const repo = new RepoCopy({ overlays });
  copies.push(repo);
  for (const env of overlays) repo.edit(`overlays/${env}/policy/policy.yaml`, BAKED_URLS, "\n");
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(dirname(join(repo.root, file)), { recursive: true });
    writeFileSync(join(repo.root, file), text);
  }
  for (const [file, from, to] of edits) repo.edit(file, from, to);
  repo.commit("scenario");
  return repo;
}

// Appended: `patches` is the kustomization's last field and later patches apply over earlier ones.
const addPatch = (entry: string): [string, RegExp, string] => ["overlays/prod/kustomization.yaml", /\n?$/, `\n${entry}`];

const policyOf = (repo: RepoCopy, env: string) => parse(repo.read(`overlays/${env}/policy/policy.yaml`));

const SHOP_INGRESS = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: shop
spec:
  tls:
    - hosts: [store.example.org, api.example.org]
      secretName: shop-tls
  rules:
    - host: store.example.org
      http:
        paths:
          - { path: /, pathType: Prefix, backend: { service: { name: storefront, port: { number: 8000 } } } }
    - host: api.example.org
      http:
        paths:
          - { path: /, pathType: Prefix, backend: { service: { name: medusa, port: { number: 9000 } } } }
`;

/** The function alone through kpt, as `kpt fn render` runs it: no real builds to fall back on. */
const kptAlone = (repo: RepoCopy) =>
  runCommand(tool("kpt"), ["fn", "eval", repo.root, "--truncate-output=false", "--exec", `${process.execPath} ${BUNDLE}`], repo.root);

function expectKptRefuses(repo: RepoCopy, file: string, feature: RegExp) {
  const out = kptAlone(repo);
  expect(out.status, out.stdout).not.toBe(0);
  const said = out.stdout + out.stderr;
  expect(said).toMatch(new RegExp(`${file.replace(/[./]/g, "\\$&")}: .*${feature.source}.*npm run render`));
  expect(repo.changedFiles(), "a refusal writes nothing").toEqual([]);
}

/** The derived data of the prod overlay as plain `kustomize build` deploys it. */
function deployed(repo: RepoCopy, suffix = ""): { medusa: Record<string, string>; storefront: Record<string, string> } {
  const objects = parseAll(runCommand(tool("kustomize"), ["build", join(repo.root, "overlays/prod")], repo.root).stdout);
  const data = (name: string) => (objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === `${name}${suffix}`) as any).data;
  return { medusa: data("medusa-config"), storefront: data("storefront-config") };
}

/** The name plain `kustomize build` gives the prod overlay's migration Job. */
function deployedJob(repo: RepoCopy): string {
  const objects = parseAll(runCommand(tool("kustomize"), ["build", join(repo.root, "overlays/prod")], repo.root).stdout);
  return (objects.find((o) => o.kind === "Job") as any).metadata.name;
}

function rendersFromTheRealBuild(repo: RepoCopy, suffix = "") {
  const out = render(repo.root);
  expect(out.status, out.stderr).toBe(0);
  repo.commit("rendered");
  expect(render(repo.root).status).toBe(0);
  expect(repo.changedFiles(), "a second render changes nothing").toEqual([]);
  return deployed(repo, suffix);
}

describe("valid kustomize the in-function composition does not model", () => {
  it("an Ingress removed with `$patch: delete` and replaced by a new one: refused by kpt, derived from the real build by npm run render", () => {
    const repo = repoWith(
      {
        "overlays/prod/drop-ingress.yaml": "$patch: delete\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: ecom-ingress\n",
        "overlays/prod/shop-ingress.yaml": SHOP_INGRESS,
      },
      [["overlays/prod/kustomization.yaml", /  - namespace\.yaml\n/, "  - namespace.yaml\n  - shop-ingress.yaml\n"], addPatch("  - path: drop-ingress.yaml\n")],
    );
    expectKptRefuses(repo, "overlays/prod/drop-ingress.yaml", /\$patch/);
    const values = rendersFromTheRealBuild(repo);
    expect(values.medusa.STORE_CORS).toBe("https://store.example.org");
    expect(values.medusa.BACKEND_URL).toBe("https://api.example.org");
    expect(JSON.stringify(values)).not.toContain("example.com");
  });

  it("a JSON 6902 patch file that changes an Ingress host", () => {
    const repo = repoWith(
      { "overlays/prod/host.jsonpatch.yaml": "- op: replace\n  path: /spec/rules/0/host\n  value: store.example.org\n" },
      [addPatch("  - path: host.jsonpatch.yaml\n    target:\n      kind: Ingress\n      name: ecom-ingress\n")],
    );
    expectKptRefuses(repo, "overlays/prod/kustomization.yaml", /host\.jsonpatch\.yaml.*JSON 6902/);
    const values = rendersFromTheRealBuild(repo);
    expect(values.medusa.STORE_CORS).toBe("http://store.example.org");
    expect(values.storefront.NEXT_PUBLIC_BASE_URL).toBe("http://store.example.org");
  });

  it("an inline JSON 6902 patch is modelled exactly: kpt alone derives what the real build implies", () => {
    const repo = repoWith({}, [addPatch("  - target:\n      kind: Ingress\n    patch: |-\n      - op: replace\n        path: /spec/rules/0/host\n        value: store.example.org\n")]);
    const out = kptAlone(repo);
    expect(out.status, out.stdout).toBe(0);
    repo.commit("kpt render");
    expect(deployed(repo).medusa.STORE_CORS).toBe("http://store.example.org");
    expect(render(repo.root).status, "the real build agrees").toBe(0);
    expect(repo.changedFiles()).toEqual([]);
  });

  it("a namePrefix in a nested kustomization that covers one ConfigMap", () => {
    const repo = repoWith(
      {
        "overlays/prod/extra/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamePrefix: extra-\nresources:\n  - flags.yaml\n",
        "overlays/prod/extra/flags.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: flags\ndata:\n  FEATURE: \"on\"\n",
      },
      [["overlays/prod/kustomization.yaml", /  - namespace\.yaml\n/, "  - namespace.yaml\n  - extra\n"]],
    );
    expectKptRefuses(repo, "overlays/prod/extra/kustomization.yaml", /namePrefix/);
    expect(rendersFromTheRealBuild(repo).storefront.MEDUSA_BACKEND_URL).toBe("http://medusa:9000");
  });

  it("a root nameSuffix, whose place after the Job's tag only the list kustomize hands a plugin records", () => {
    const repo = repoWith({}, [["overlays/prod/kustomization.yaml", /^namespace: ecom-prod\n/m, "namespace: ecom-prod\nnameSuffix: -blue\n"]]);
    expect(rendersFromTheRealBuild(repo, "-blue").storefront.MEDUSA_BACKEND_URL).toBe("http://medusa-blue:9000");
    expect(deployedJob(repo)).toBe("medusa-migrate-9496114-blue");
  });

  it("a root nameSuffix beside a feature the composition does not model, after a new medusa tag", () => {
    const repo = repoWith(
      { "overlays/prod/drop-dns.yaml": "$patch: delete\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: allow-dns\n" },
      [
        ["overlays/prod/kustomization.yaml", /^namespace: ecom-prod\n/m, "namespace: ecom-prod\nnameSuffix: -blue\n"],
        ["overlays/prod/kustomization.yaml", /newTag: "9496114"/, 'newTag: "abcdef1"'],
        addPatch("  - path: drop-dns.yaml\n"),
      ],
    );
    expectKptRefuses(repo, "overlays/prod/drop-dns.yaml", /\$patch/);
    rendersFromTheRealBuild(repo, "-blue");
    expect(parse(repo.read("overlays/prod/derived/migration-job.yaml")).metadata.name).toBe("medusa-migrate-abcdef1");
    expect(deployedJob(repo)).toBe("medusa-migrate-abcdef1-blue");
  });

  it("a root nameSuffix that would make the Job's name longer than a DNS label fails the render, modelled or not", () => {
    const suffix = `-${"x".repeat(63 - "medusa-migrate-abcdef1".length)}`;
    for (const patched of [false, true]) {
      const repo = repoWith(
        { "overlays/prod/drop-dns.yaml": "$patch: delete\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: allow-dns\n" },
        [
          ["overlays/prod/kustomization.yaml", /^namespace: ecom-prod\n/m, `namespace: ecom-prod\nnameSuffix: ${suffix}\n`],
          ["overlays/prod/kustomization.yaml", /newTag: "9496114"/, 'newTag: "abcdef1"'],
          ...(patched ? [addPatch("  - path: drop-dns.yaml\n")] : []),
        ],
      );
      const out = render(repo.root);
      expect(out.status, out.stdout).not.toBe(0);
      expect(out.stderr).toContain(`job-name-invalid`);
      expect(out.stderr).toContain(`"medusa-migrate-abcdef1${suffix}", which is not a DNS label`);
      expect(repo.changedFiles()).toEqual([]);
    }
  });

  it("a limit that only the real build carries fails npm run render", () => {
    const repo = repoWith(
      { "overlays/prod/cpu.jsonpatch.yaml": "- op: replace\n  path: /spec/template/spec/containers/0/resources/limits/cpu\n  value: \"4\"\n" },
      [addPatch("  - path: cpu.jsonpatch.yaml\n    target:\n      kind: Deployment\n      name: storefront\n")],
    );
    const out = render(repo.root);
    expect(out.status).not.toBe(0);
    expect(out.stdout + out.stderr).toContain("cpu limit 4 is above the policy maximum 500m");
    expect(repo.changedFiles()).toEqual([]);
  });
});

describe("the judge", () => {
  it("names overlay, object, field and both values when the build deploys something else than the function derives", async () => {
    const repo = repoWith({}, [["overlays/prod/ingress.yaml", /shop\.example\.com/g, "store.example.org"]]);
    const found = judgeOverlay(respond, "overlays/prod", policyOf(repo, "prod"), await kustomizeBuildText(tool("kustomize"), repo.root, "overlays/prod"));
    expect(found.map((d) => d.overlay)).toEqual(Array(found.length).fill("overlays/prod"));
    expect(found.map((d) => d.message)).toContainEqual(expect.stringMatching(
      /^ConfigMap ecom-prod\/medusa-config: data\.STORE_CORS: the render left "https:\/\/shop\.example\.com" .* derives "https:\/\/store\.example\.org"/,
    ));
  });

  it("passes an overlay whose committed values are what its build implies", async () => {
    const repo = repoWith({});
    expect(judgeOverlay(respond, "overlays/prod", policyOf(repo, "prod"), await kustomizeBuildText(tool("kustomize"), repo.root, "overlays/prod"))).toEqual([]);
  });
});

describe("render reads Kubernetes values as Kubernetes does", () => {
  function rendersUnchanged(repo: RepoCopy) {
    const out = render(repo.root);
    expect(out.status, out.stderr).toBe(0);
    expect(repo.changedFiles()).toEqual([]);
  }

  it("a wildcard TLS host keeps every origin it covers on https", () => {
    const repo = repoWith({}, [["overlays/prod/ingress.yaml", /- hosts:\n\s+- shop\.example\.com\n\s+- admin\.example\.com/, "- hosts:\n        - \"*.example.com\""]]);
    rendersUnchanged(repo);
  });

  it("a 700m CPU request under a \"0.7\" limit is equal, not above it", () => {
    const repo = repoWith({}, [["base/medusa/deployment.yaml", /cpu: 250m(\n\s+memory: 512Mi\n\s+ephemeral-storage: \S+\n\s+limits:\n\s+)cpu: 1000m/, 'cpu: 700m$1cpu: "0.7"']]);
    rendersUnchanged(repo);
  });
});

describe("kpt alone renders every overlay of the repository", () => {
  it("composes each overlay itself (nothing refused) and writes what npm run render writes", () => {
    const edits: [string, RegExp, string][] = [
      ["overlays/prod/ingress.yaml", /shop\.example\.com/g, "store.example.org"],
      ["overlays/dev/ingress.yaml", /shop\.localtest\.me/g, "store.localtest.me"],
      ["overlays/home-ops/ingress.yaml", /storefront\.\$\{SECRET_DOMAIN\}/g, "store.${SECRET_DOMAIN}"],
    ];
    const viaKpt = repoWith({}, edits, EVERY_OVERLAY);
    const viaRender = repoWith({}, edits, EVERY_OVERLAY);
    const out = kptAlone(viaKpt);
    expect(out.status, out.stdout).toBe(0);
    expect(render(viaRender.root).status).toBe(0);
    expect(viaKpt.changedLines()).toEqual(viaRender.changedLines());
    expect(EVERY_OVERLAY).toEqual(["dev", "home-ops", "prod"]);
    for (const env of EVERY_OVERLAY) expect(viaKpt.changedFiles()).toContain(`overlays/${env}/derived/medusa-config.yaml`);
  });
});

describe("render reads YAML as YAML", () => {
  const hostChange: [string, RegExp, string] = ["overlays/prod/ingress.yaml", /shop\.example\.com/g, "store.example.org"];

  it("a comment after the policy's kind does not make render skip the overlay", () => {
    const repo = repoWith({}, [hostChange, ["overlays/prod/policy/policy.yaml", /^kind: DeployPolicy$/m, "kind: DeployPolicy # this overlay's rules"]]);
    const out = render(repo.root);
    expect(out.status, out.stderr).toBe(0);
    expect(repo.changedFiles()).toContain("overlays/prod/derived/medusa-config.yaml");
  });

  it("a comment or flow style in a derived file is rewritten in place, never appended to", () => {
    const repo = repoWith({}, [
      hostChange,
      ["overlays/prod/derived/medusa-config.yaml", /^kind: ConfigMap$/m, "kind: ConfigMap # derived"],
      ["overlays/prod/derived/storefront-config.yaml", /^kind: ConfigMap$/m, "kind: 'ConfigMap'"],
    ]);
    const out = render(repo.root);
    expect(out.status, out.stderr).toBe(0);
    for (const file of ["overlays/prod/derived/medusa-config.yaml", "overlays/prod/derived/storefront-config.yaml"]) {
      expect(parseAll(repo.read(file)), file).toHaveLength(1);
    }
    expect(deployed(repo).medusa.STORE_CORS).toBe("https://store.example.org");
  });
});
