/**
 * The Meilisearch stand-in answers the shop's calls as Meilisearch does: the master key enforced
 * (401 without a key, 403 with a wrong one), the backend's start-up sequence, document indexing and
 * the storefront's search, and every request in its log.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { optionsFromEnv, startMeilisearchStandin, type LoggedRequest, type RunningStandin } from "./meilisearch-standin.ts";

const MASTER = "rehearsal-master-key-0123456789";
let scratch: string;
let standin: RunningStandin;

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), "ecom-meili-standin-"));
  standin = await startMeilisearchStandin({ httpAddr: "127.0.0.1:0", masterKey: MASTER, dbPath: join(scratch, "data.ms"), requestLog: join(scratch, "requests.jsonl") });
});

afterAll(async () => {
  await standin?.close();
  rmSync(scratch, { recursive: true, force: true });
});

async function call(method: string, path: string, opts: { key?: string | null; body?: unknown } = {}): Promise<{ status: number; json: any }> {
  const key = opts.key === undefined ? MASTER : opts.key;
  const res = await fetch(`${standin.url}${path}`, {
    method,
    headers: { "content-type": "application/json", ...(key === null ? {} : { authorization: `Bearer ${key}` }) },
    ...(opts.body === undefined ? {} : { body: JSON.stringify(opts.body) }),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
}

const requests = (): LoggedRequest[] => readFileSync(join(scratch, "requests.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as LoggedRequest);

describe("master key", () => {
  it("lets /health through without a key", async () => {
    expect(await call("GET", "/health", { key: null })).toEqual({ status: 200, json: { status: "available" } });
  });

  it("answers 401 without an Authorization header and 403 with a wrong key, in Meilisearch's error shape", async () => {
    const missing = await call("GET", "/indexes/products", { key: null });
    expect(missing.status).toBe(401);
    expect(missing.json).toEqual({
      message: "The Authorization header is missing. It must use the bearer authorization method.",
      code: "missing_authorization_header",
      type: "auth",
      link: "https://docs.meilisearch.com/errors#missing_authorization_header",
    });
    const wrong = await call("GET", "/indexes/products", { key: "not-the-key" });
    expect(wrong.status).toBe(403);
    expect(wrong.json).toMatchObject({ code: "invalid_api_key", type: "auth" });
  });

  it("lists the default search key, which may search but not write", async () => {
    const keys = await call("GET", "/keys");
    const search = (keys.json.results as Array<{ name: string; key: string }>).find((k) => k.name === "Default Search API Key");
    expect(search?.key).toBe(standin.keys?.search);
    expect((await call("POST", "/indexes/anything/search", { key: search?.key, body: {} })).status).not.toBe(403);
    expect((await call("POST", "/indexes/anything/documents", { key: search?.key, body: [] })).status).toBe(403);
    expect((await call("GET", "/keys", { key: standin.keys?.admin })).status).toBe(403);
  });

  it("refuses to start in production without a key of at least 16 bytes, as Meilisearch does", () => {
    expect(() => optionsFromEnv({ MEILI_ENV: "production" })).toThrow(/must provide a master key/);
    expect(() => optionsFromEnv({ MEILI_ENV: "production", MEILI_MASTER_KEY: "short" })).toThrow(/at least 16 bytes.*only 5 bytes/);
    expect(optionsFromEnv({ MEILI_MASTER_KEY: "x" }).httpAddr).toBe("localhost:7700");
  });
});

describe("the backend's start-up and indexing", () => {
  it("creates the index the way the search module does: 404, POST /indexes, PATCH settings", async () => {
    const absent = await call("GET", "/indexes/products");
    expect(absent.status).toBe(404);
    expect(absent.json).toEqual({ message: "Index `products` not found.", code: "index_not_found", type: "invalid_request", link: "https://docs.meilisearch.com/errors#index_not_found" });

    const created = await call("POST", "/indexes", { body: { primaryKey: "id", uid: "products" } });
    expect(created.status).toBe(202);
    expect(created.json).toMatchObject({ indexUid: "products", status: "enqueued", type: "indexCreation" });
    expect((await call("GET", `/tasks/${created.json.taskUid}`)).json).toMatchObject({ status: "succeeded", type: "indexCreation" });

    const settings = await call("PATCH", "/indexes/products/settings", {
      body: { searchableAttributes: ["title", "description", "variants"], displayedAttributes: ["id", "title", "handle", "variants"] },
    });
    expect(settings.status).toBe(202);
    expect((await call("GET", `/tasks/${settings.json.taskUid}`)).json.status).toBe("succeeded");
    expect((await call("GET", "/indexes/products")).json).toMatchObject({ uid: "products", primaryKey: "id" });
    expect((await call("GET", "/indexes/products/settings")).json).toMatchObject({ searchableAttributes: ["title", "description", "variants"], filterableAttributes: [] });
  });

  it("records a second creation of the same index as a failed task, not an HTTP error", async () => {
    const again = await call("POST", "/indexes", { body: { uid: "products", primaryKey: "id" } });
    expect(again.status).toBe(202);
    expect((await call("GET", `/tasks/${again.json.taskUid}`)).json).toMatchObject({ status: "failed", error: { code: "index_already_exists" } });
  });

  it("indexes documents and searches the searchable attributes case-insensitively", async () => {
    const docs = [
      { id: "prod_1", title: "Astrid Curve", handle: "astrid-curve", description: "A curved SOFA", variants: ["Linen / Grey"], sku: "hidden-sku" },
      { id: "prod_2", title: "Oslo Drift", handle: "oslo-drift", description: "An arm chair", variants: ["Boucle / Beige"] },
    ];
    const added = await call("POST", "/indexes/products/documents?primaryKey=id", { body: docs });
    expect(added.status).toBe(202);
    expect((await call("GET", `/tasks/${added.json.taskUid}`)).json).toMatchObject({ status: "succeeded", details: { receivedDocuments: 2 } });

    const sofa = await call("POST", "/indexes/products/search", { body: { q: "sofa" } });
    expect(sofa.status).toBe(200);
    expect(sofa.json).toMatchObject({ query: "sofa", limit: 20, offset: 0, estimatedTotalHits: 1 });
    // Only displayed attributes come back.
    expect(sofa.json.hits).toEqual([{ id: "prod_1", title: "Astrid Curve", handle: "astrid-curve", variants: ["Linen / Grey"] }]);
    expect((await call("POST", "/indexes/products/search", { body: { q: "BOUCLE beige" } })).json.hits.map((h: { id: string }) => h.id)).toEqual(["prod_2"]);
    // sku is not searchable.
    expect((await call("POST", "/indexes/products/search", { body: { q: "hidden-sku" } })).json.hits).toEqual([]);
    expect((await call("POST", "/indexes/products/search", { body: {} })).json.estimatedTotalHits).toBe(2);
    expect((await call("GET", "/indexes/products/search?q=oslo")).json.hits).toHaveLength(1);

    const multi = await call("POST", "/multi-search", { body: { queries: [{ indexUid: "products", q: "astrid" }] } });
    expect(multi.json.results[0]).toMatchObject({ indexUid: "products", estimatedTotalHits: 1 });
  });

  it("replaces, deletes one and deletes all documents", async () => {
    await call("POST", "/indexes/products/documents", { body: [{ id: "prod_2", title: "Oslo Drift II", handle: "oslo-drift", description: "chair" }] });
    expect((await call("GET", "/indexes/products/documents/prod_2")).json.title).toBe("Oslo Drift II");
    expect((await call("DELETE", "/indexes/products/documents/prod_2")).status).toBe(202);
    const gone = await call("GET", "/indexes/products/documents/prod_2");
    expect(gone.status).toBe(404);
    expect(gone.json.code).toBe("document_not_found");
    expect((await call("DELETE", "/indexes/products/documents")).status).toBe(202);
    expect((await call("GET", "/indexes/products/documents")).json).toMatchObject({ results: [], total: 0 });
  });

  it("adding documents to a missing index creates it", async () => {
    const added = await call("POST", "/indexes/brand-new/documents", { body: [{ id: "a", title: "x" }] });
    expect((await call("GET", `/tasks/${added.json.taskUid}`)).json.status).toBe("succeeded");
    expect((await call("GET", "/indexes/brand-new")).json.primaryKey).toBe("id");
  });

  it("answers 501 for what it does not implement, so a rehearsal notices", async () => {
    const filtered = await call("POST", "/indexes/products/search", { body: { q: "", filter: "status = published" } });
    expect(filtered.status).toBe(501);
    expect(filtered.json.code).toBe("standin_not_implemented");
    expect((await call("POST", "/dumps")).status).toBe(501);
  });
});

describe("request log and state", () => {
  it("logs every request with its method, path and whether the key was valid", () => {
    const log = requests();
    expect(log.find((r) => r.path === "/health")).toMatchObject({ method: "GET", auth: "not-required", keyValid: true, status: 200 });
    expect(log.filter((r) => r.path === "/indexes/products" && r.status === 401)).toEqual([expect.objectContaining({ method: "GET", auth: "missing", keyValid: false })]);
    expect(log.filter((r) => r.path === "/indexes/products" && r.status === 403)).toEqual([expect.objectContaining({ auth: "invalid", keyValid: false })]);
    expect(log.some((r) => r.method === "PATCH" && r.path === "/indexes/products/settings" && r.keyValid && r.status === 202)).toBe(true);
    expect(log.some((r) => r.method === "POST" && r.path === "/indexes/products/documents" && r.query === "?primaryKey=id")).toBe(true);
    // A valid search key used to write is refused, and logged as not valid for that call.
    expect(log.find((r) => r.path === "/indexes/anything/documents")).toMatchObject({ auth: "search", keyValid: false, status: 403 });
  });

  it("keeps its indexes across a restart on the same data directory", async () => {
    const again = await startMeilisearchStandin({ httpAddr: "127.0.0.1:0", masterKey: MASTER, dbPath: join(scratch, "data.ms") });
    try {
      const res = await fetch(`${again.url}/indexes/brand-new/documents/a`, { headers: { authorization: `Bearer ${MASTER}` } });
      expect(await res.json()).toEqual({ id: "a", title: "x" });
      expect(again.keys).toEqual(standin.keys);
    } finally {
      await again.close();
    }
  });
});

describe("as the image runs it", () => {
  it("starts on its own under Node from the environment, with no build step", async () => {
    const file = fileURLToPath(new URL("./meilisearch-standin.ts", import.meta.url));
    const child = spawn(process.execPath, ["--disable-warning=ExperimentalWarning", file], {
      env: { PATH: process.env.PATH, MEILI_HTTP_ADDR: "127.0.0.1:0", MEILI_ENV: "production", MEILI_MASTER_KEY: MASTER, MEILI_DB_PATH: join(scratch, "child.ms") },
      stdio: ["ignore", "pipe", "pipe"],
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = "";
        child.stdout.on("data", (c: Buffer) => {
          out += c.toString();
          const m = /listening on (http:\/\/\S+);/.exec(out);
          if (m?.[1]) resolve(m[1]);
        });
        let err = "";
        child.stderr.on("data", (c: Buffer) => (err += c.toString()));
        child.on("exit", (code) => reject(new Error(`stand-in exited with ${code}: ${err}`)));
      });
      expect((await fetch(`${url}/health`)).status).toBe(200);
      expect((await fetch(`${url}/indexes`)).status).toBe(401);
    } finally {
      child.kill("SIGTERM");
    }
  });
});
