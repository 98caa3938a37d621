/** Where the repository and its overlays are, for commands run from anywhere. */
import { existsSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { CommandError } from "./command.ts";
import { REPO_ROOT } from "./repo-root.ts";

export function overlayDir(env: string): string {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(env)) throw new CommandError("overlay-name", `'${env}' is not an overlay name (expected e.g. prod or dev)`);
  const dir = join(REPO_ROOT, "overlays", env);
  if (!existsSync(join(dir, "kustomization.yaml"))) throw new CommandError("overlay-missing", `no overlay overlays/${env}/kustomization.yaml`);
  return dir;
}

/** A file of the repository as text, or a CommandError naming it. */
export function readText(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    throw new CommandError("cannot-read", `cannot read ${relative(REPO_ROOT, path) || path}: ${(err as { code?: string }).code ?? (err as Error).message}`);
  }
}
