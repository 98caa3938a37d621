/**
 * The object store image (versity/versitygw:<version>) built from its Go module: the gateway
 * as its Dockerfile builds it (cmd/versitygw, CGO off) with `go install` at the tag's version, and the
 * docker-entrypoint.sh of that same module version, so VGW_BACKEND, VGW_BACKEND_ARGS and friends turn
 * into the same command line as in the image; the gateway itself reads VGW_PORT, VGW_REGION,
 * VGW_HEALTH and ROOT_ACCESS_KEY_ID/ROOT_SECRET_ACCESS_KEY. Both are kept per version under the
 * cache; the first build takes a few minutes.
 */
import { copyFileSync, chmodSync, existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ImageFs } from "./image.ts";
import { LAYER_AT, rehearsalCacheDir, runForImageAsync, STANDARD_PATH } from "./images-layer.ts";

const MODULE = "github.com/versity/versitygw";

export async function objectStoreImage(ref: string, opts: { log: (line: string) => void }): Promise<ImageFs> {
  const version = ref.split(":")[1] ?? "";
  if (!/^v\d+\.\d+\.\d+$/.test(version)) throw new Error(`${ref}: the object store image needs a release tag (vX.Y.Z) to build the matching versitygw module`);
  const layer = join(rehearsalCacheDir(), "versitygw", version);
  if (!existsSync(join(layer, "bin", "versitygw")) || !existsSync(join(layer, "bin", "docker-entrypoint.sh"))) {
    await buildVersitygw(ref, version, layer, opts.log);
  }
  return {
    ref,
    layers: [{ host: layer, at: LAYER_AT }],
    entrypoint: ["/usr/local/bin/docker-entrypoint.sh"],
    env: { PATH: STANDARD_PATH },
  };
}

async function buildVersitygw(ref: string, version: string, layer: string, log: (line: string) => void): Promise<void> {
  log(`${ref}: building ${MODULE} ${version} with go install (a few minutes the first time)`);
  const started = Date.now();
  // Outside any Go module, so the repository's own go.mod files play no part; the toolchain the
  // module asks for is fetched by go itself when the installed one is older.
  const env = { ...process.env, GOTOOLCHAIN: process.env.GOTOOLCHAIN ?? "auto", CGO_ENABLED: "0" };
  const cwd = tmpdir();

  const info = JSON.parse(await runForImageAsync(ref, "go", ["mod", "download", "-json", `${MODULE}@${version}`], { env, cwd })) as { Dir?: string; Error?: string };
  if (!info.Dir) throw new Error(`${ref}: go mod download ${MODULE}@${version} failed: ${info.Error ?? "no module directory"}`);
  const entrypoint = join(info.Dir, "docker-entrypoint.sh");
  if (!existsSync(entrypoint)) throw new Error(`${ref}: ${MODULE} ${version} has no docker-entrypoint.sh; this image version's entrypoint is not known here`);

  const staging = `${layer}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(join(staging, "bin"), { recursive: true, mode: 0o755 });
  try {
    await runForImageAsync(ref, "go", ["install", "-trimpath", "-ldflags", `-X=main.Version=${version}`, `${MODULE}/cmd/versitygw@${version}`],
      { env: { ...env, GOBIN: join(staging, "bin") }, cwd });
    copyFileSync(entrypoint, join(staging, "bin", "docker-entrypoint.sh"));
    // Files in the module cache are read-only.
    chmodSync(join(staging, "bin", "docker-entrypoint.sh"), 0o755);
    rmSync(layer, { recursive: true, force: true });
    renameSync(staging, layer);
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    throw err;
  }
  log(`${ref}: built in ${Math.round((Date.now() - started) / 1000)} s`);
}
