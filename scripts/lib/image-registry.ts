/**
 * Asks an OCI registry (GHCR for the app images) whether a tag exists, the way a pull would find
 * it: a pull token from the registry's token endpoint, then HEAD on the tag's manifest. Only the
 * answer's status is read; no image is downloaded.
 */
import { CommandError } from "./command.ts";

/** Every manifest kind a tag can point at: a multi-platform index as well as a single image. */
export const MANIFEST_ACCEPT = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.v2+json",
].join(", ");

export interface ImageRef {
  /** e.g. https://ghcr.io */
  base: string;
  /** the repository path inside the registry, e.g. ekenheim/ecom/medusa */
  repository: string;
}

/** Where `image` (host/path, no tag) lives; `base` replaces the host's https URL (a test registry). */
export function imageRef(image: string, base?: string): ImageRef {
  // A registry host has a dot or a port; Docker Hub's short names (library/busybox) have neither.
  const m = /^([^/]*[.:][^/]*)\/(.+)$/.exec(image);
  if (!m) throw new Error(`'${image}' does not start with a registry host`);
  return { base: (base ?? `https://${m[1]}`).replace(/\/+$/, ""), repository: m[2]! };
}

export interface Credentials {
  username: string;
  password: string;
}

export interface LookupOptions {
  /** Tried after an anonymous request is refused (a private package). */
  credentials?: Credentials;
  timeoutMs?: number;
}

/** The tag's manifest digest, or undefined when the registry says the tag does not exist. */
export type Lookup = { found: true; digest: string } | { found: false; anonymous: boolean };

const DENIED = new Set([401, 403]);

async function request(url: string, init: RequestInit, timeoutMs: number, what: string): Promise<Response> {
  try {
    return await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    // fetch's own message is "fetch failed"; the cause says why (ECONNREFUSED, ENOTFOUND, "bad port").
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const why = (err as Error).name === "TimeoutError" ? `no answer within ${timeoutMs / 1000}s` : (cause?.code ?? cause?.message ?? (err as Error).message);
    throw new CommandError("registry-failed", `${what}: ${why}`);
  }
}

/** A pull token for the repository: anonymous, or for `credentials`; undefined when refused. */
async function pullToken(ref: ImageRef, credentials: Credentials | undefined, timeoutMs: number): Promise<string | undefined> {
  const url = `${ref.base}/token?scope=${encodeURIComponent(`repository:${ref.repository}:pull`)}`;
  const headers: Record<string, string> = credentials ? { authorization: `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString("base64")}` } : {};
  const res = await request(url, { headers }, timeoutMs, `cannot reach ${ref.base}/token`);
  if (DENIED.has(res.status)) return undefined;
  if (res.status !== 200) throw new CommandError("registry-failed", `${ref.base}/token answered HTTP ${res.status} for ${ref.repository}`);
  const body = (await res.json().catch(() => undefined)) as { token?: unknown; access_token?: unknown } | undefined;
  // The distribution token spec allows either field name.
  const token = body?.token ?? body?.access_token;
  if (typeof token !== "string" || token === "") throw new CommandError("registry-failed", `${ref.base}/token answered without a token for ${ref.repository}`);
  return token;
}

/** HEAD of the manifest: its status and digest, or undefined when the token was refused. */
async function headManifest(ref: ImageRef, tag: string, credentials: Credentials | undefined, timeoutMs: number): Promise<{ status: number; digest: string } | undefined> {
  const token = await pullToken(ref, credentials, timeoutMs);
  if (token === undefined) return undefined;
  const url = `${ref.base}/v2/${ref.repository}/manifests/${encodeURIComponent(tag)}`;
  const res = await request(url, { method: "HEAD", headers: { accept: MANIFEST_ACCEPT, authorization: `Bearer ${token}` } }, timeoutMs, `cannot reach ${url}`);
  return DENIED.has(res.status) ? undefined : { status: res.status, digest: res.headers.get("docker-content-digest") ?? "" };
}

/**
 * Whether `repository:tag` exists. Anonymous first (the app's packages may be public); when that
 * is refused and credentials are given, again with them. A refusal that remains is an error, not
 * an absent tag: the registry did not say whether the tag exists.
 */
export async function lookupTag(ref: ImageRef, tag: string, opts: LookupOptions = {}): Promise<Lookup> {
  const timeoutMs = opts.timeoutMs ?? 20_000;
  let anonymous = true;
  let answer = await headManifest(ref, tag, undefined, timeoutMs);
  if (answer === undefined && opts.credentials) {
    anonymous = false;
    answer = await headManifest(ref, tag, opts.credentials, timeoutMs);
  }
  if (answer === undefined) {
    throw new CommandError(
      "registry-failed",
      `${ref.base} refused to show ${ref.repository} ${anonymous ? "without credentials (a private package? set GHCR_USERNAME and GHCR_TOKEN, a token with read:packages)" : `to ${opts.credentials!.username} (does the token have read:packages, and access to the package?)`}`,
    );
  }
  if (answer.status === 404) return { found: false, anonymous };
  if (answer.status !== 200) throw new CommandError("registry-failed", `${ref.base}/v2/${ref.repository}/manifests/${tag} answered HTTP ${answer.status}`);
  return { found: true, digest: answer.digest };
}
