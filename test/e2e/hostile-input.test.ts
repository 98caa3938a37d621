/**
 * Whatever arrives on stdin, the bundle answers with a ResourceList: an
 * error result, exit 1, one `[error]` line per finding on stderr, and never a
 * stack trace or a JavaScript message.
 */
import { spawnSync } from "node:child_process";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { BUNDLE, requireBundle } from "../support/repo-copy.ts";

beforeAll(requireBundle);

const LIST = (items: string, fc = "") => `apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n${items}\n${fc}`;
const POLICY_FC = "functionConfig:\n  apiVersion: fn.ecom.ekenheim.dev/v1alpha1\n  kind: DeployPolicy\n  metadata: {name: p}\n  spec: {}\n";
const deployment = (spec: string) => `- apiVersion: apps/v1\n  kind: Deployment\n  metadata: {name: medusa}\n  spec: ${spec}`;
const bomb = ["a: &a [x, x, x, x, x, x, x, x, x]", ...["b", "c", "d", "e", "f", "g"].map((k, i) => `${k}: &${k} [${Array(9).fill(`*${"abcdefg"[i]}`).join(", ")}]`)]
  .map((l) => `  ${l}`).join("\n");

const CASES: [string, string][] = [
  ["not YAML", "items: [unclosed\n"],
  ["binary noise", "\u0000\u0001\u0002\uFFFD{{{"],
  ["an empty input", ""],
  ["a scalar", "42\n"],
  ["a list", "- a\n- b\n"],
  ["another kind", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n"],
  ["items that are not a list", "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: 7\n"],
  ["an item that is a string", LIST("- just a string")],
  ["an item that is a list", LIST("- [a, b]")],
  ["a kind that is a number", LIST("- {apiVersion: v1, kind: 7, metadata: {name: a}}")],
  ["duplicate keys", LIST("- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a}\n  metadata: {name: b}")],
  ["an alias bomb", LIST(`- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a}\n${bomb}`)],
  ["a functionConfig of another kind", LIST("- {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}", "functionConfig: {kind: Secret, data: {a: b}}\n")],
  ["a functionConfig that is a list", LIST("- {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}", "functionConfig: [1, 2]\n")],
  ["a policy of the wrong shape", LIST("- {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}", "functionConfig:\n  kind: DeployPolicy\n  spec: [1]\n")],
  ["containers that are a string", LIST(deployment("{template: {metadata: {labels: {app: medusa}}, spec: {containers: oops}}}"), POLICY_FC)],
  ["a container that is a number", LIST(deployment("{template: {metadata: {labels: {app: medusa}}, spec: {containers: [7]}}}"), POLICY_FC)],
  ["resources that are a list", LIST(deployment("{template: {metadata: {labels: {app: medusa}}, spec: {containers: [{name: medusa, image: m, resources: [1]}]}}}"), POLICY_FC)],
  ["pull secrets that are a string", LIST(deployment("{template: {metadata: {labels: {app: medusa}}, spec: {imagePullSecrets: regcred, containers: [{name: medusa, image: m}]}}}"), POLICY_FC)],
  ["a null pull secret", LIST(deployment("{template: {metadata: {labels: {app: medusa}}, spec: {imagePullSecrets: [null], containers: [{name: medusa, image: m}]}}}"), POLICY_FC)],
  ["projected sources that are a mapping", LIST(deployment("{template: {metadata: {labels: {app: medusa}}, spec: {volumes: [{name: v, projected: {sources: {secret: {name: s}}}}], containers: [{name: medusa, image: m}]}}}"), POLICY_FC)],
  ["env that is a mapping", LIST(deployment("{template: {metadata: {labels: {app: medusa}}, spec: {containers: [{name: medusa, image: m, env: {A: b}}]}}}"), POLICY_FC)],
  ["a template that is a string", LIST(deployment("{template: nope}"), POLICY_FC)],
  ["a spec that is a number", LIST(deployment("5"), POLICY_FC)],
  ["an Ingress with rules as a map", LIST("- {apiVersion: networking.k8s.io/v1, kind: Ingress, metadata: {name: i}, spec: {rules: {host: a}}}", POLICY_FC)],
  ["a Service with ports as a string", LIST("- {apiVersion: v1, kind: Service, metadata: {name: medusa}, spec: {selector: {app: medusa}, ports: '9000'}}", POLICY_FC)],
  ["an image that is a number", LIST(deployment("{template: {metadata: {labels: {app: medusa}}, spec: {containers: [{name: medusa, image: 7}]}}}"), POLICY_FC)],
  ["a package whose kustomization is a list", LIST("- {apiVersion: fn.ecom.ekenheim.dev/v1alpha1, kind: DeployPolicy, metadata: {name: p, annotations: {config.kubernetes.io/path: o/policy/policy.yaml}}, spec: {}}\n- {apiVersion: v1, kind: Kustomization, resources: x, metadata: {annotations: {config.kubernetes.io/path: o/kustomization.yaml}}}")],
  // Far larger than any overlay's build, so size alone is no way to a JavaScript message.
  ["far beyond any overlay's size", `${"# padding\n".repeat(2 << 20)}${LIST("- {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}")}`],
];

describe("hostile ResourceLists", () => {
  for (const [name, input] of CASES) {
    it(`${name}: an error result, exit 1, only a ResourceList on stdout`, () => {
      const out = spawnSync(process.execPath, [BUNDLE], { input, encoding: "utf8", maxBuffer: 1 << 28 });
      expect(out.status, out.stderr).toBe(1);
      const list = parse(out.stdout);
      expect(list).toMatchObject({ apiVersion: "config.kubernetes.io/v1", kind: "ResourceList" });
      expect(list.results.some((r: any) => r.severity === "error"), out.stdout.slice(-500)).toBe(true);
      const lines = out.stderr.trimEnd().split("\n");
      for (const line of lines) expect(line).toMatch(/^\[(error|warning|info)\] /);
      expect(out.stderr).not.toMatch(/\n\s+at |is not a function|is not iterable|\[object Object\]|Cannot read prop|undefined/);
    }, 60_000);
  }
});
