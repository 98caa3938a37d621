/**
 * The two tool images the manifests run: busybox (init containers that wait with
 * `sh -c 'until nc -z host port; ...'`) and amazon/aws-cli (the bucket Job's `aws s3api` calls).
 */
import { execFileSync } from "node:child_process";
import type { ImageFs } from "./image.ts";
import { buildLayer, LAYER_AT, requireHostFile, STANDARD_PATH, type LayerEntry } from "./images-layer.ts";

/**
 * busybox:<tag>: every applet of Debian's busybox as a symlink in /usr/local/bin, first on PATH, so
 * `sh`, `sleep`, `echo` and `wget` are busybox's, as in the image. Except `nc`: Debian builds busybox
 * without the full netcat, so its `nc` has no `-z` and the manifests' wait loops would never end;
 * OpenBSD's nc takes its place (same `-z`: exit 0 once the port accepts, quiet otherwise). A command
 * written as `/bin/sh` reaches the host's dash, not busybox: the manifests say `sh`.
 */
export function busyboxImage(ref: string): ImageFs {
  const busybox = requireHostFile(ref, "/usr/bin/busybox", "busybox");
  const nc = requireHostFile(ref, "/usr/bin/nc.openbsd", "netcat-openbsd");
  const applets = execFileSync(busybox, ["--list"], { encoding: "utf8" }).split("\n").filter((a) => /^[\w.[\]-]+$/.test(a));
  const entries: LayerEntry[] = applets.filter((a) => a !== "nc").map((a) => ({ path: `bin/${a}`, symlink: busybox }));
  entries.push({ path: "bin/nc", symlink: nc });
  return {
    ref,
    layers: [{ host: buildLayer("busybox", entries), at: LAYER_AT }],
    cmd: ["sh"],
    env: { PATH: STANDARD_PATH },
  };
}

/**
 * amazon/aws-cli:<tag>: Debian's awscli (2.9, the image is 2.27), the same `aws` entrypoint at the
 * same path. The s3api calls of the bucket Job exist in both.
 */
export function awsCliImage(ref: string): ImageFs {
  const aws = requireHostFile(ref, "/usr/bin/aws", "awscli");
  const layer = buildLayer("aws-cli", [{ path: "bin/aws", symlink: aws }]);
  return {
    ref,
    layers: [{ host: layer, at: LAYER_AT }],
    entrypoint: ["/usr/local/bin/aws"],
    // The image's WORKDIR /aws is left out: nothing the Job runs depends on it, and the host has no /aws to enter.
    env: { PATH: STANDARD_PATH },
  };
}
