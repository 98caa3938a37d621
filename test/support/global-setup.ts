import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { buildEverything } from "./targets.ts";
import { tool } from "./tools.ts";

export default async function setup(project: TestProject): Promise<() => void> {
  // Resolve every tool up front: a missing one aborts the whole run with install instructions.
  tool("kustomize");
  tool("kubectl");
  tool("kpt");
  const tmpRoot = mkdtempSync(join(tmpdir(), "ecom-deploy-builds-"));
  project.provide("manifestBuilds", await buildEverything(tmpRoot));
  return () => rmSync(tmpRoot, { recursive: true, force: true });
}
