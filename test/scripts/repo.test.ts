import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../scripts/lib/repo-root.ts";
import { overlayDir, readText } from "../../scripts/lib/repo.ts";
import { REPO_ROOT as TEST_REPO_ROOT } from "../support/tools.ts";
import { commandError } from "../support/command-error.ts";

describe("repository paths", () => {
  it("finds the repository from any working directory", () => {
    expect(REPO_ROOT).toBe(TEST_REPO_ROOT);
  });

  it("resolves an overlay name to its folder", () => {
    expect(overlayDir("prod")).toBe(join(TEST_REPO_ROOT, "overlays", "prod"));
    expect(overlayDir("dev")).toBe(join(TEST_REPO_ROOT, "overlays", "dev"));
  });

  it("refuses anything but a plain lower-case name, so no path can reach outside overlays/", () => {
    for (const name of ["", "Prod", "-prod", "xProd", "../prod", "prod/..", "pro_d", "prod "]) {
      const err = commandError(() => overlayDir(name));
      expect(err.code).toBe("overlay-name");
      expect(err.message).toBe(`'${name}' is not an overlay name (expected e.g. prod or dev)`);
    }
  });

  it("says which kustomization.yaml is missing for a well-formed name", () => {
    const err = commandError(() => overlayDir("staging-2"));
    expect(err.code).toBe("overlay-missing");
    expect(err.message).toBe("no overlay overlays/staging-2/kustomization.yaml");
  });

  it("reads a file as text, or names it by its path in the repository", () => {
    expect(readText(join(TEST_REPO_ROOT, "overlays", "prod", "kustomization.yaml"))).toMatch(/^(#.*\n)*apiVersion: kustomize\.config\.k8s\.io\//m);
    const missing = commandError(() => readText(join(TEST_REPO_ROOT, "overlays", "nope.yaml")));
    expect(missing.code).toBe("cannot-read");
    expect(missing.message).toBe("cannot read overlays/nope.yaml: ENOENT");
    expect(commandError(() => readText(TEST_REPO_ROOT)).message).toBe(`cannot read ${TEST_REPO_ROOT}: EISDIR`);
  });
});
