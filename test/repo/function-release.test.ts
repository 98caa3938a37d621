/** The function as a released artifact: a package of its own, an image of the bundle alone, a pinned Kptfile. */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { REPO_ROOT } from "../support/tools.ts";

const json = (file: string) => JSON.parse(readFileSync(join(REPO_ROOT, file), "utf8"));
const fnPackage = json("functions/package.json");
const IMAGE = "ghcr.io/ekenheim/ecom/krm-fn";

/** Packages the function's sources import or require at run time (type-only imports are erased by esbuild). */
function runtimeImports(): Set<string> {
  const dir = join(REPO_ROOT, "functions", "src");
  const names = new Set<string>();
  for (const file of readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".ts"))) {
    const text = readFileSync(join(dir, file), "utf8");
    const imported = [...text.matchAll(/^import\s+(type\s+)?[^;]*?from\s+"([^".][^"]*)";/gm)].filter((m) => !m[1]).map((m) => m[2]!);
    const required = [...text.matchAll(/\brequire\("([^".][^"]*)"\)/g)].map((m) => m[1]!);
    for (const name of [...imported, ...required].filter((n) => !n.startsWith("node:"))) {
      names.add(name.startsWith("@") ? name.split("/").slice(0, 2).join("/") : name.split("/")[0]!);
    }
  }
  return names;
}

describe("functions/ package", () => {
  it("depends on exactly what the bundle imports, and builds with esbuild alone", () => {
    expect(Object.keys(fnPackage.dependencies).sort()).toEqual([...runtimeImports()].sort());
    expect(Object.keys(fnPackage.devDependencies)).toEqual(["esbuild"]);
  });

  it("uses the same version of each package as the repository root", () => {
    const root = json("package.json");
    const all = { ...fnPackage.dependencies, ...fnPackage.devDependencies };
    for (const [name, version] of Object.entries(all)) expect(root.devDependencies[name], name).toBe(version);
  });

  it("has a lock file that matches its package.json", () => {
    const lock = json("functions/package-lock.json");
    expect(lock.packages[""].dependencies).toEqual(fnPackage.dependencies);
    expect(lock.packages[""].devDependencies).toEqual(fnPackage.devDependencies);
    expect(lock.packages["node_modules/yaml"].version).toBe(fnPackage.dependencies.yaml);
  });
});

describe("Kptfile", () => {
  const kptfile = parse(readFileSync(join(REPO_ROOT, "Kptfile"), "utf8"));
  const images: string[] = (kptfile.pipeline?.mutators ?? []).map((m: { image?: string }) => m.image ?? "");

  it("runs the function image at the released version of functions/package.json, never latest", () => {
    expect(images).toEqual([`${IMAGE}:v${fnPackage.version}`]);
    for (const image of images) expect(image.split(":").pop()).not.toBe("latest");
    expect(fnPackage.version).toMatch(/^\d+\.\d+\.\d+$/);
  });
});

describe("functions/Dockerfile", () => {
  const lines = readFileSync(join(REPO_ROOT, "functions/Dockerfile"), "utf8").split("\n").filter((l) => l && !l.startsWith("#"));
  const stages = lines.join("\n").split(/^FROM /m).slice(1);
  const runtime = stages.at(-1) ?? "";

  it("takes both bases as build arguments without defaults (the workflow passes them by digest)", () => {
    expect(lines.filter((l) => l.startsWith("FROM ")).map((l) => l.split(" ")[1])).toEqual(["${BUILD_IMAGE}", "${RUNTIME_IMAGE}"]);
    expect(lines.filter((l) => /^ARG (BUILD|RUNTIME)_IMAGE/.test(l)).every((l) => !l.includes("="))).toBe(true);
    expect(lines.join("\n")).toContain("*@sha256:*");
  });

  it("ships the bundle alone, runs no command at build time in the runtime stage, and runs as a numeric non-root user", () => {
    expect(runtime).not.toMatch(/^RUN /m);
    expect(runtime.match(/^COPY .*/gm)).toEqual(["COPY --from=build /src/dist/ /fn/"]);
    const user = /^USER (\d+):(\d+)$/m.exec(runtime);
    expect(user, "USER uid:gid").not.toBeNull();
    expect(Number(user![1])).toBeGreaterThan(0);
  });
});
