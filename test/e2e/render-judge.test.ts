/**
 * `npm run render` answers to the real kustomize: whatever the function's own
 * composition of an overlay derives, the values must equal those derived from
 * `kustomize build` of the rendered overlay, or the render fails and writes
 * nothing. Each case is valid kustomize that once rendered wrong values.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { RepoCopy, render, requireBundle } from "../support/repo-copy.js";

const copies: RepoCopy[] = [];
afterEach(() => {
  for (const c of copies.splice(0)) c.remove();
});
beforeAll(requireBundle);

function repoWith(files: Record<string, string>, edits: [string, RegExp, string][] = []): RepoCopy {
  const repo = new RepoCopy();
  copies.push(repo);
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

function expectRefused(repo: RepoCopy, ...wanted: (string | RegExp)[]) {
  const out = render(repo.root);
  expect(out.status, out.stderr).not.toBe(0);
  for (const w of wanted) expect(out.stderr).toMatch(w);
  expect(out.stderr).not.toMatch(/\n\s+at |is not a function|\[object Object\]/);
  expect(repo.changedFiles(), "a failed render writes nothing").toEqual([]);
}

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

describe("render is judged by the real kustomize build", () => {
  it("an Ingress removed with `$patch: delete` and replaced by a new one", () => {
    const repo = repoWith(
      {
        "overlays/prod/drop-ingress.yaml": "$patch: delete\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: ecom-ingress\n",
        "overlays/prod/shop-ingress.yaml": SHOP_INGRESS,
      },
      [["overlays/prod/kustomization.yaml", /  - namespace\.yaml\n/, "  - namespace.yaml\n  - shop-ingress.yaml\n"]],
    );
    repo.edit("overlays/prod/kustomization.yaml", /(  - path: pull-secret-name\.jsonpatch\.yaml)/, "  - path: drop-ingress.yaml\n$1");
    repo.commit("delete patch");
    expectRefused(repo, /overlays\/prod/, /STORE_CORS/, /https:\/\/shop\.example\.com/, /https:\/\/store\.example\.org/);
  });

  it("a JSON 6902 patch that changes an Ingress host", () => {
    const repo = repoWith(
      { "overlays/prod/host.jsonpatch.yaml": "- op: replace\n  path: /spec/rules/0/host\n  value: store.example.org\n" },
      [addPatch("  - path: host.jsonpatch.yaml\n    target:\n      kind: Ingress\n      name: ecom-ingress\n")],
    );
    expectRefused(repo, /overlays\/prod/, /host\.jsonpatch\.yaml|STORE_CORS: .*"https:\/\/shop\.example\.com".*store\.example\.org/);
  });

  it("a namePrefix in a nested kustomization that covers one ConfigMap", () => {
    const repo = repoWith(
      {
        "overlays/prod/extra/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamePrefix: extra-\nresources:\n  - flags.yaml\n",
        "overlays/prod/extra/flags.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: flags\ndata:\n  FEATURE: \"on\"\n",
      },
      [["overlays/prod/kustomization.yaml", /  - namespace\.yaml\n/, "  - namespace.yaml\n  - extra\n"]],
    );
    expectRefused(repo, /overlays\/prod/, /extra\/kustomization\.yaml.*namePrefix|MEDUSA_BACKEND_URL.*http:\/\/medusa:9000/);
  });

  it("a limit that only the real build carries is reported against that build", () => {
    const repo = repoWith(
      {
        "overlays/prod/cpu.jsonpatch.yaml":
          "- op: replace\n  path: /spec/template/spec/containers/0/resources/limits/cpu\n  value: \"4\"\n",
      },
      [addPatch("  - path: cpu.jsonpatch.yaml\n    target:\n      kind: Deployment\n      name: storefront\n")],
    );
    expectRefused(repo, /overlays\/prod/, /cpu\.jsonpatch\.yaml|cpu limit 4 is above the policy maximum 500m/);
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
    const repo = repoWith({}, [["base/medusa/deployment.yaml", /cpu: 250m(\n\s+memory: 512Mi\n\s+limits:\n\s+)cpu: 1000m/, 'cpu: 700m$1cpu: "0.7"']]);
    rendersUnchanged(repo);
  });
});
