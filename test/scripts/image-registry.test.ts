/** The registry look-up against a registry of our own on 127.0.0.1: the requests it makes and how it reads every answer. */
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { imageRef, lookupTag, MANIFEST_ACCEPT, type ImageRef } from "../../scripts/lib/image-registry.ts";
import { CommandError } from "../../scripts/lib/command.ts";

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}
interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  /** never answer (a registry that hangs) */
  hang?: boolean;
}

/** The CommandError `fn` rejects with; anything else fails the test. */
async function commandErrorAsync(fn: () => Promise<unknown>): Promise<CommandError> {
  const err = await fn().then(() => new Error("expected a CommandError, but it resolved"), (e: unknown) => e);
  if (err instanceof CommandError) return err;
  throw err;
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((done) => { s.closeAllConnections(); s.close(done); })));
});

/** A registry that answers each request with `answer(request)` and records it. */
async function registry(answer: (req: Seen) => Answer): Promise<{ ref: ImageRef; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    const r = { method: req.method!, url: req.url!, headers: req.headers };
    seen.push(r);
    const a = answer(r);
    if (a.hang) return;
    res.writeHead(a.status, a.headers ?? {});
    res.end(a.body ?? "");
  });
  servers.push(server);
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as AddressInfo;
  return { ref: { base: `http://127.0.0.1:${port}`, repository: "ekenheim/ecom/medusa" }, seen };
}

const TOKEN_PATH = "/token?scope=repository%3Aekenheim%2Fecom%2Fmedusa%3Apull";
const MANIFEST_PATH = "/v2/ekenheim/ecom/medusa/manifests/abc1234";
const DIGEST = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
const BASIC = `Basic ${Buffer.from("octocat:s3cret").toString("base64")}`;
const CREDENTIALS = { username: "octocat", password: "s3cret" };

/** A GHCR-like registry: tokens for everyone (for `tokenFor` only when given), `tags` exist. */
function ghcr(opts: { tags?: string[]; tokenFor?: string; manifestStatus?: number } = {}) {
  return (req: Seen): Answer => {
    if (req.url.startsWith("/token")) {
      if (opts.tokenFor !== undefined && req.headers.authorization !== opts.tokenFor) return { status: 403, body: '{"errors":[{"code":"DENIED"}]}' };
      return { status: 200, headers: { "content-type": "application/json" }, body: JSON.stringify({ token: req.headers.authorization ? "user-token" : "anon-token" }) };
    }
    if (opts.manifestStatus) return { status: opts.manifestStatus };
    const tag = req.url.split("/manifests/")[1]!;
    return (opts.tags ?? ["abc1234"]).includes(tag) ? { status: 200, headers: { "docker-content-digest": DIGEST } } : { status: 404 };
  };
}

describe("imageRef", () => {
  it("reads the registry host and the repository from an image name", () => {
    expect(imageRef("ghcr.io/ekenheim/ecom/medusa")).toEqual({ base: "https://ghcr.io", repository: "ekenheim/ecom/medusa" });
    expect(imageRef("localhost:5000/shop/api")).toEqual({ base: "https://localhost:5000", repository: "shop/api" });
    expect(imageRef("registry.example:443/a")).toEqual({ base: "https://registry.example:443", repository: "a" });
  });

  it("takes another base URL for the same repository, without trailing slashes", () => {
    expect(imageRef("ghcr.io/ekenheim/ecom/medusa", "http://127.0.0.1:8080//")).toEqual({ base: "http://127.0.0.1:8080", repository: "ekenheim/ecom/medusa" });
  });

  it.each(["medusa", "/medusa", "library/busybox", "ghcr.io", "ghcr.io/", "docker/ghcr.io/x", "/ghcr.io/x", "ghcr.io/a\nb"])("refuses %j, which names no registry host and a repository", (image) => {
    expect(() => imageRef(image)).toThrow(new Error(`'${image}' does not start with a registry host`));
  });
});

describe("lookupTag", () => {
  it("asks for an anonymous pull token, then HEADs the tag's manifest with it, accepting indexes and images", async () => {
    const { ref, seen } = await registry(ghcr());
    expect(await lookupTag(ref, "abc1234")).toEqual({ found: true, digest: DIGEST });
    expect(seen.map((r) => `${r.method} ${r.url}`)).toEqual([`GET ${TOKEN_PATH}`, `HEAD ${MANIFEST_PATH}`]);
    expect(seen[0]!.headers.authorization).toBeUndefined();
    expect(seen[1]!.headers).toMatchObject({ authorization: "Bearer anon-token", accept: MANIFEST_ACCEPT });
    expect(MANIFEST_ACCEPT.split(", ").sort()).toEqual([
      "application/vnd.docker.distribution.manifest.list.v2+json",
      "application/vnd.docker.distribution.manifest.v2+json",
      "application/vnd.oci.image.index.v1+json",
      "application/vnd.oci.image.manifest.v1+json",
    ]);
  });

  it("says the tag is absent when the registry answers 404, and that it asked anonymously", async () => {
    const { ref, seen } = await registry(ghcr());
    expect(await lookupTag(ref, "fff0000", { credentials: CREDENTIALS })).toEqual({ found: false, anonymous: true });
    expect(seen).toHaveLength(2);
  });

  it("escapes the tag in the manifest URL", async () => {
    const { ref, seen } = await registry(ghcr());
    expect(await lookupTag(ref, "a/b?c")).toEqual({ found: false, anonymous: true });
    expect(seen[1]!.url).toBe("/v2/ekenheim/ecom/medusa/manifests/a%2Fb%3Fc");
  });

  it("accepts a token under access_token, as the token spec allows", async () => {
    const { ref } = await registry((req) =>
      req.url.startsWith("/token") ? { status: 200, body: '{"access_token":"at"}' } : { status: req.headers.authorization === "Bearer at" ? 200 : 401 });
    expect(await lookupTag(ref, "abc1234")).toEqual({ found: true, digest: "" });
  });

  it("asks again with the credentials when the anonymous token is refused (a private package)", async () => {
    const { ref, seen } = await registry(ghcr({ tokenFor: BASIC }));
    expect(await lookupTag(ref, "abc1234", { credentials: CREDENTIALS })).toEqual({ found: true, digest: DIGEST });
    expect(seen.map((r) => [r.url, r.headers.authorization])).toEqual([
      [TOKEN_PATH, undefined],
      [TOKEN_PATH, BASIC],
      [MANIFEST_PATH, "Bearer user-token"],
    ]);
    const absent = await registry(ghcr({ tokenFor: BASIC, tags: [] }));
    expect(await lookupTag(absent.ref, "abc1234", { credentials: CREDENTIALS })).toEqual({ found: false, anonymous: false });
  });

  it("asks again with the credentials when the manifest is refused to the anonymous token", async () => {
    const { ref, seen } = await registry((req) =>
      req.url.startsWith("/token")
        ? { status: 200, body: JSON.stringify({ token: req.headers.authorization ? "user" : "anon" }) }
        : { status: req.headers.authorization === "Bearer user" ? 200 : 401, headers: { "docker-content-digest": DIGEST } });
    expect(await lookupTag(ref, "abc1234", { credentials: CREDENTIALS })).toEqual({ found: true, digest: DIGEST });
    expect(seen).toHaveLength(4);
  });

  it("refuses to guess when the registry refuses: without credentials it says how to give some", async () => {
    const { ref } = await registry(ghcr({ manifestStatus: 403 }));
    const err = await commandErrorAsync(() => lookupTag(ref, "abc1234"));
    expect(err.code).toBe("registry-failed");
    expect(err.message).toBe(
      `${ref.base} refused to show ekenheim/ecom/medusa without credentials (a private package? set GHCR_USERNAME and GHCR_TOKEN, a token with read:packages)`,
    );
  });

  it("refuses to guess when the registry refuses the credentials too, naming the user", async () => {
    const { ref, seen } = await registry(ghcr({ tokenFor: "Basic nobody" }));
    const err = await commandErrorAsync(() => lookupTag(ref, "abc1234", { credentials: CREDENTIALS }));
    expect(err.message).toBe(`${ref.base} refused to show ekenheim/ecom/medusa to octocat (does the token have read:packages, and access to the package?)`);
    expect(seen).toHaveLength(2);
  });

  it.each([
    ["the token endpoint fails", (r: Seen): Answer => (r.url.startsWith("/token") ? { status: 500 } : { status: 200 }), "{base}/token answered HTTP 500 for ekenheim/ecom/medusa"],
    ["the token is missing", (r: Seen): Answer => (r.url.startsWith("/token") ? { status: 200, body: '{"other":1}' } : { status: 200 }), "{base}/token answered without a token for ekenheim/ecom/medusa"],
    ["the token is empty", (r: Seen): Answer => (r.url.startsWith("/token") ? { status: 200, body: '{"token":""}' } : { status: 200 }), "{base}/token answered without a token for ekenheim/ecom/medusa"],
    ["the token is no string", (r: Seen): Answer => (r.url.startsWith("/token") ? { status: 200, body: '{"token":5}' } : { status: 200 }), "{base}/token answered without a token for ekenheim/ecom/medusa"],
    ["the token answer is not JSON", (r: Seen): Answer => (r.url.startsWith("/token") ? { status: 200, body: "<html>" } : { status: 200 }), "{base}/token answered without a token for ekenheim/ecom/medusa"],
    ["the manifest answer is unexpected", ghcr({ manifestStatus: 502 }), `{base}${MANIFEST_PATH} answered HTTP 502`],
    ["the manifest redirects nowhere", ghcr({ manifestStatus: 302 }), `{base}${MANIFEST_PATH} answered HTTP 302`],
  ])("is an error, not an absent tag, when %s", async (_, answer, message) => {
    const { ref } = await registry(answer);
    const err = await commandErrorAsync(() => lookupTag(ref, "abc1234"));
    expect({ code: err.code, message: err.message }).toEqual({ code: "registry-failed", message: message.replace("{base}", ref.base) });
  });

  it("names the registry it cannot reach", async () => {
    const { ref } = await registry(ghcr());
    await new Promise((done) => servers.pop()!.close(done));
    const err = await commandErrorAsync(() => lookupTag(ref, "abc1234"));
    expect(err.message).toBe(`cannot reach ${ref.base}/token: ECONNREFUSED`);
  });

  it("says why fetch refused, when there is no error code", async () => {
    // Port 9 is on fetch's list of ports it never connects to.
    const err = await commandErrorAsync(() => lookupTag({ base: "http://127.0.0.1:9", repository: "a/b" }, "abc1234"));
    expect(err.message).toBe("cannot reach http://127.0.0.1:9/token: bad port");
  });

  it("gives up on a registry that does not answer", async () => {
    const { ref } = await registry((r) => (r.url.startsWith("/token") ? { status: 200, body: '{"token":"t"}' } : { status: 200, hang: true }));
    const err = await commandErrorAsync(() => lookupTag(ref, "abc1234", { timeoutMs: 300 }));
    expect(err.message).toBe(`cannot reach ${ref.base}${MANIFEST_PATH}: no answer within 0.3s`);
  });
});
