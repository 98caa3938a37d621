/**
 * MEILISEARCH STAND-IN, NOT MEILISEARCH. No Meilisearch server can be installed where the shop
 * rehearsal runs: there is no container registry, no Debian package, and the Rust package registry
 * holds only an empty placeholder under that name (the other registries carry clients only). So the
 * rehearsal runs this small HTTP server in the meilisearch pod instead of getmeili/meilisearch.
 *
 * It answers the calls the shop makes, with Meilisearch's status codes and JSON shapes: the backend's
 * search module at start-up (GET /indexes/:uid, POST /indexes, PATCH /indexes/:uid/settings) and when
 * products change (documents added, replaced, deleted), the storefront's searches (POST
 * /indexes/:uid/search), and tasks, health, stats and keys. It enforces the master key as Meilisearch
 * does (401 without an Authorization header, 403 with a wrong key), including the two default keys
 * derived from it. What it does not do: search is a case-insensitive substring match of every query
 * word over the searchable attributes (no typo tolerance, ranking or prefix logic), filters, sort and
 * facets are refused with 501, and tasks succeed or fail at once. A call it does not implement is
 * answered 501 and logged, so a rehearsal notices instead of passing by accident.
 *
 * Every request is appended as one JSON line (method, path, whether the key was valid, status) to the
 * file MEILI_STANDIN_REQUEST_LOG names, for the rehearsal to assert on. State lives in memory and is
 * saved to MEILI_DB_PATH (made at start as Meilisearch makes its database directory), so a restarted
 * pod keeps its indexes.
 *
 * Runs on its own with Node 24 (`node meilisearch-standin.ts`): it imports only Node's built-ins.
 */
import { createHmac, createHash } from "node:crypto";
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { join } from "node:path";

type Doc = Record<string, unknown>;
type Settings = Record<string, unknown>;

interface Index {
  uid: string;
  primaryKey: string | null;
  createdAt: string;
  updatedAt: string;
  settings: Settings;
  documents: Map<string, Doc>;
}

interface Task {
  uid: number;
  batchUid: number;
  indexUid: string | null;
  status: "succeeded" | "failed";
  type: string;
  canceledBy: null;
  details: Record<string, unknown>;
  error: ApiError | null;
  duration: string;
  enqueuedAt: string;
  startedAt: string;
  finishedAt: string;
}

interface ApiError {
  message: string;
  code: string;
  type: string;
  link: string;
}

export interface StandinOptions {
  /** Address to listen on, host:port as MEILI_HTTP_ADDR gives it. */
  httpAddr: string;
  /** MEILI_MASTER_KEY; without one every call is allowed (Meilisearch's development mode). */
  masterKey?: string;
  /** Directory of the saved state (MEILI_DB_PATH); none keeps everything in memory only. */
  dbPath?: string;
  /** File every request is appended to as a JSON line (MEILI_STANDIN_REQUEST_LOG). */
  requestLog?: string;
  /** Called for each request with a line for the pod's log. */
  log?: (line: string) => void;
}

/** One line of the request log. */
export interface LoggedRequest {
  time: string;
  method: string;
  path: string;
  query: string;
  /** Which key the request carried: none needed, missing, invalid, or the master/admin/search key. */
  auth: "not-required" | "missing" | "invalid" | "master" | "admin" | "search";
  /** The key was accepted for this call (false: answered 401 or 403). */
  keyValid: boolean;
  status: number;
}

export interface RunningStandin {
  url: string;
  port: number;
  /** The default search and admin keys Meilisearch derives from the master key (GET /keys lists them). */
  keys: { search: string; admin: string } | null;
  close(): Promise<void>;
}

/** Settings of a new index, as Meilisearch 1.12 reports them. */
function defaultSettings(): Settings {
  return {
    displayedAttributes: ["*"],
    searchableAttributes: ["*"],
    filterableAttributes: [],
    sortableAttributes: [],
    rankingRules: ["words", "typo", "proximity", "attribute", "sort", "exactness"],
    stopWords: [],
    nonSeparatorTokens: [],
    separatorTokens: [],
    dictionary: [],
    synonyms: {},
    distinctAttribute: null,
    proximityPrecision: "byWord",
    typoTolerance: { enabled: true, minWordSizeForTypos: { oneTypo: 5, twoTypos: 9 }, disableOnWords: [], disableOnAttributes: [] },
    faceting: { maxValuesPerFacet: 100, sortFacetValuesBy: { "*": "alpha" } },
    pagination: { maxTotalHits: 1000 },
    embedders: {},
    searchCutoffMs: null,
    localizedAttributes: null,
    facetSearch: true,
    prefixSearch: "indexingTime",
  };
}

function apiError(code: string, message: string, type = "invalid_request"): ApiError {
  return { message, code, type, link: `https://docs.meilisearch.com/errors#${code}` };
}

class HttpError extends Error {
  readonly status: number;
  readonly body: ApiError;
  constructor(status: number, body: ApiError) {
    super(body.message);
    this.status = status;
    this.body = body;
  }
}

const notFound = (uid: string) => new HttpError(404, apiError("index_not_found", `Index \`${uid}\` not found.`));
const notImplemented = (what: string) =>
  new HttpError(501, apiError("standin_not_implemented", `${what} is not implemented by the Meilisearch stand-in of the shop rehearsal.`, "internal"));

/** Meilisearch's API key value for a key uid: HMAC-SHA256 of the uid under the master key, in hex. */
export function deriveKey(masterKey: string, uid: string): string {
  return createHmac("sha256", masterKey).update(uid).digest("hex");
}

/** A stable UUID-shaped uid per master key, so the default keys survive a restart as they do in Meilisearch. */
function keyUid(masterKey: string, name: string): string {
  const h = createHash("sha256").update(`${name}\0${masterKey}`).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Reads the stand-in's options from the environment as Meilisearch reads its own; throws where Meilisearch refuses to start. */
export function optionsFromEnv(env: NodeJS.ProcessEnv): StandinOptions {
  const masterKey = env.MEILI_MASTER_KEY || undefined;
  const mode = env.MEILI_ENV ?? "development";
  if (mode !== "development" && mode !== "production") throw new Error(`MEILI_ENV must be development or production, not '${mode}'`);
  if (mode === "production") {
    if (!masterKey) throw new Error("In production mode, you must provide a master key to secure your instance. It can be specified via the MEILI_MASTER_KEY environment variable or the --master-key launch option.");
    const bytes = Buffer.byteLength(masterKey);
    if (bytes < 16) throw new Error(`The master key must be at least 16 bytes in a production environment. The provided key is only ${bytes} bytes.`);
  }
  return {
    httpAddr: env.MEILI_HTTP_ADDR || "localhost:7700",
    ...(masterKey ? { masterKey } : {}),
    dbPath: env.MEILI_DB_PATH || "./data.ms",
    ...(env.MEILI_STANDIN_REQUEST_LOG ? { requestLog: env.MEILI_STANDIN_REQUEST_LOG } : {}),
  };
}

/** The indexes, documents and tasks, and the calls that change them. */
class Store {
  indexes = new Map<string, Index>();
  tasks: Task[] = [];
  private readonly file: string | undefined;

  constructor(file: string | undefined) {
    this.file = file;
    if (file && existsSync(file)) this.load(readFileSync(file, "utf8"));
  }

  private load(text: string): void {
    const saved = JSON.parse(text) as { indexes: Array<Omit<Index, "documents"> & { documents: Array<[string, Doc]> }>; tasks: Task[] };
    for (const ix of saved.indexes) this.indexes.set(ix.uid, { ...ix, documents: new Map(ix.documents) });
    this.tasks = saved.tasks;
  }

  save(): void {
    if (!this.file) return;
    const indexes = [...this.indexes.values()].map((ix) => ({ ...ix, documents: [...ix.documents] }));
    writeFileSync(`${this.file}.tmp`, JSON.stringify({ indexes, tasks: this.tasks }));
    renameSync(`${this.file}.tmp`, this.file);
  }

  index(uid: string): Index {
    const ix = this.indexes.get(uid);
    if (!ix) throw notFound(uid);
    return ix;
  }

  /** Runs `work` as a task that is already over, and answers 202 with the enqueued form Meilisearch returns. */
  task(type: string, indexUid: string | null, work: () => Record<string, unknown>): { status: number; body: unknown } {
    const now = new Date().toISOString();
    const uid = this.tasks.length;
    let details: Record<string, unknown> = {};
    let error: ApiError | null = null;
    try {
      details = work();
    } catch (err) {
      if (!(err instanceof HttpError)) throw err;
      error = err.body;
    }
    this.tasks.push({ uid, batchUid: uid, indexUid, status: error ? "failed" : "succeeded", type, canceledBy: null, details, error, duration: "PT0S", enqueuedAt: now, startedAt: now, finishedAt: now });
    this.save();
    return { status: 202, body: { taskUid: uid, indexUid, status: "enqueued", type, enqueuedAt: now } };
  }

  createIndex(uid: string, primaryKey: string | null): Index {
    if (this.indexes.has(uid)) throw new HttpError(409, apiError("index_already_exists", `Index \`${uid}\` already exists.`));
    const now = new Date().toISOString();
    const ix: Index = { uid, primaryKey, createdAt: now, updatedAt: now, settings: defaultSettings(), documents: new Map() };
    this.indexes.set(uid, ix);
    return ix;
  }

  /** Adding documents or settings to a missing index creates it, as in Meilisearch. */
  indexOrNew(uid: string): Index {
    return this.indexes.get(uid) ?? this.createIndex(uid, null);
  }

  addDocuments(uid: string, docs: Doc[], primaryKey: string | null, merge: boolean): Record<string, unknown> {
    const ix = this.indexOrNew(uid);
    if (!ix.primaryKey) ix.primaryKey = primaryKey ?? inferPrimaryKey(docs);
    const pk = ix.primaryKey;
    for (const doc of docs) {
      const id = doc[pk];
      if (typeof id !== "string" && typeof id !== "number") {
        throw new HttpError(400, apiError("missing_document_id", `Document doesn't have a \`${pk}\` attribute: \`${JSON.stringify(doc)}\`.`));
      }
      if (!/^[A-Za-z0-9_-]{1,511}$/.test(String(id))) {
        throw new HttpError(400, apiError("invalid_document_id", `Document identifier \`${JSON.stringify(id)}\` is invalid. A document identifier can be of type integer or string, only composed of alphanumeric characters (a-z A-Z 0-9), hyphens (-) and underscores (_), and can not be more than 511 bytes.`));
      }
    }
    for (const doc of docs) {
      const key = String(doc[pk]);
      ix.documents.set(key, merge ? { ...(ix.documents.get(key) ?? {}), ...doc } : doc);
    }
    ix.updatedAt = new Date().toISOString();
    return { receivedDocuments: docs.length, indexedDocuments: docs.length };
  }
}

function inferPrimaryKey(docs: Doc[]): string {
  const candidates = Object.keys(docs[0] ?? {}).filter((k) => k.toLowerCase().endsWith("id"));
  if (candidates.length === 1) return candidates[0] as string;
  throw new HttpError(400, apiError("index_primary_key_no_candidate_found", "The primary key inference failed as the engine did not find any field ending with `id` in its name. Please specify the primary key manually using the `primaryKey` query parameter."));
}

/** Every string and number inside a value, lower-cased, for the substring match. */
function flatten(value: unknown, out: string[] = []): string[] {
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") out.push(String(value).toLowerCase());
  else if (Array.isArray(value)) for (const v of value) flatten(v, out);
  else if (value && typeof value === "object") for (const v of Object.values(value)) flatten(v, out);
  return out;
}

function pick(doc: Doc, attributes: unknown): Doc {
  if (!Array.isArray(attributes) || attributes.includes("*")) return doc;
  return Object.fromEntries(Object.entries(doc).filter(([k]) => attributes.includes(k)));
}

const SEARCH_PARAMS = new Set(["q", "offset", "limit", "page", "hitsPerPage", "attributesToRetrieve", "filter", "sort", "facets", "attributesToHighlight", "attributesToCrop", "showMatchesPosition", "showRankingScore", "matchingStrategy", "indexUid", "cropLength", "cropMarker", "highlightPreTag", "highlightPostTag"]);

function search(ix: Index, params: Record<string, unknown>): Record<string, unknown> {
  for (const key of Object.keys(params)) if (!SEARCH_PARAMS.has(key)) throw new HttpError(400, apiError("bad_request", `Unknown field \`${key}\` inside \`.\``));
  for (const unsupported of ["filter", "sort", "facets"] as const) {
    const v = params[unsupported];
    if (v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0) && v !== "") throw notImplemented(`Search parameter '${unsupported}'`);
  }
  const started = Date.now();
  const q = typeof params.q === "string" ? params.q : "";
  const words = q.toLowerCase().split(/\s+/).filter(Boolean);
  const searchable = ix.settings.searchableAttributes;
  const matches = [...ix.documents.values()].filter((doc) => {
    if (words.length === 0) return true;
    const text = flatten(Array.isArray(searchable) && !searchable.includes("*") ? pick(doc, searchable) : doc).join("\u0000");
    return words.every((w) => text.includes(w));
  });
  const shown = (doc: Doc) => pick(pick(doc, ix.settings.displayedAttributes), params.attributesToRetrieve);
  const base = { query: q, processingTimeMs: Date.now() - started };
  if (params.page !== undefined || params.hitsPerPage !== undefined) {
    const hitsPerPage = Number(params.hitsPerPage ?? 20);
    const page = Number(params.page ?? 1);
    const hits = matches.slice((page - 1) * hitsPerPage, page * hitsPerPage).map(shown);
    return { hits, ...base, hitsPerPage, page, totalPages: hitsPerPage > 0 ? Math.ceil(matches.length / hitsPerPage) : 0, totalHits: matches.length };
  }
  const offset = Number(params.offset ?? 0);
  const limit = Number(params.limit ?? 20);
  return { hits: matches.slice(offset, offset + limit).map(shown), ...base, limit, offset, estimatedTotalHits: matches.length };
}

/** kebab-case setting path segment to the settings object's camelCase key. */
const settingKey = (segment: string) => segment.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

type Auth = LoggedRequest["auth"];

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new HttpError(400, apiError("malformed_payload", `The json payload provided is malformed. \`${(err as Error).message}\`.`));
  }
}

const isSearchRoute = (path: string) => path === "/multi-search" || /^\/indexes\/[^/]+\/search$/.test(path);

/** Meilisearch's answer to a request its key does not allow: 401 without a key, 403 for a wrong key or one without the right. */
function authError(auth: Auth, path: string): HttpError | null {
  const normalized = path.replace(/\/+$/, "");
  if (auth === "missing") return new HttpError(401, apiError("missing_authorization_header", "The Authorization header is missing. It must use the bearer authorization method.", "auth"));
  if (auth === "invalid" || (auth === "search" && !isSearchRoute(normalized)) || (auth === "admin" && normalized.startsWith("/keys"))) {
    return new HttpError(403, apiError("invalid_api_key", "The provided API key is invalid.", "auth"));
  }
  return null;
}

/** Starts the stand-in; resolves once it listens. */
export async function startMeilisearchStandin(options: StandinOptions): Promise<RunningStandin> {
  const { masterKey, requestLog } = options;
  let dbFile: string | undefined;
  if (options.dbPath) {
    try {
      mkdirSync(options.dbPath, { recursive: true });
      writeFileSync(join(options.dbPath, "VERSION"), "1.12.8-standin\n");
    } catch (err) {
      throw new Error(`cannot create the database directory ${options.dbPath}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    dbFile = join(options.dbPath, "standin-state.json");
  }
  if (requestLog) {
    try {
      appendFileSync(requestLog, "");
    } catch (err) {
      throw new Error(`cannot write the request log ${requestLog}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  const store = new Store(dbFile);
  const keyDefs = masterKey
    ? [
        { name: "Default Search API Key", description: "Use it to search from the frontend", actions: ["search"], role: "search" as const },
        { name: "Default Admin API Key", description: "Use it for anything that is not a search operation. Caution! Do not expose it on a public frontend", actions: ["*"], role: "admin" as const },
      ].map((d) => {
        const uid = keyUid(masterKey, d.name);
        return { ...d, uid, key: deriveKey(masterKey, uid) };
      })
    : [];

  function authenticate(req: IncomingMessage, path: string): Auth {
    if (!masterKey || path === "/health") return "not-required";
    const header = req.headers.authorization;
    if (!header || !/^Bearer\s/i.test(header)) return "missing";
    const key = header.replace(/^Bearer\s+/i, "").trim();
    if (key === masterKey) return "master";
    return keyDefs.find((k) => k.key === key)?.role ?? "invalid";
  }

  async function route(req: IncomingMessage, url: URL, auth: Auth): Promise<{ status: number; body: unknown }> {
    const method = req.method ?? "GET";
    const path = url.pathname.replace(/\/+$/, "") || "/";
    const refused = authError(auth, path);
    if (refused) throw refused;
    const body = ["POST", "PUT", "PATCH", "DELETE"].includes(method) ? await readBody(req) : undefined;
    const params = Object.fromEntries(url.searchParams);
    const ok = (b: unknown) => ({ status: 200, body: b });
    const seg = path.split("/").slice(1).map(decodeURIComponent);

    if (path === "/health" && method === "GET") return ok({ status: "available" });
    if (path === "/version" && method === "GET") return ok({ commitSha: "standin", commitDate: "1970-01-01T00:00:00Z", pkgVersion: "1.12.8" });
    if (path === "/stats" && method === "GET") {
      const indexes = Object.fromEntries([...store.indexes.values()].map((ix) => [ix.uid, { numberOfDocuments: ix.documents.size, isIndexing: false, fieldDistribution: {} }]));
      return ok({ databaseSize: 0, lastUpdate: store.tasks.at(-1)?.finishedAt ?? null, indexes });
    }
    if (seg[0] === "keys" && method === "GET") {
      const view = (k: (typeof keyDefs)[number]) => ({ name: k.name, description: k.description, key: k.key, uid: k.uid, actions: k.actions, indexes: ["*"], expiresAt: null, createdAt: "1970-01-01T00:00:00Z", updatedAt: "1970-01-01T00:00:00Z" });
      if (seg.length === 1) return ok({ results: keyDefs.map(view), offset: 0, limit: 20, total: keyDefs.length });
      const k = keyDefs.find((d) => d.key === seg[1] || d.uid === seg[1]);
      if (!k) throw new HttpError(404, apiError("api_key_not_found", `API key \`${seg[1]}\` not found.`));
      return ok(view(k));
    }
    if (seg[0] === "tasks" && method === "GET") {
      if (seg.length === 1) {
        const results = [...store.tasks].reverse();
        return ok({ results, total: results.length, limit: 20, from: results[0]?.uid ?? null, next: null });
      }
      const t = store.tasks[Number(seg[1])];
      if (!t || !/^\d+$/.test(seg[1] ?? "")) throw new HttpError(404, apiError("task_not_found", `Task \`${seg[1]}\` not found.`));
      return ok(t);
    }
    if (path === "/multi-search" && method === "POST") {
      const b = (body ?? {}) as { queries?: Array<Record<string, unknown>>; federation?: unknown };
      if (b.federation) throw notImplemented("Federated multi-search");
      const results = (b.queries ?? []).map((query) => ({ indexUid: query.indexUid, ...search(store.index(String(query.indexUid)), query) }));
      return ok({ results });
    }
    if (path === "/indexes") {
      if (method === "GET") {
        const results = [...store.indexes.values()].map(indexView);
        return ok({ results, offset: 0, limit: 20, total: results.length });
      }
      if (method === "POST") {
        const b = (body ?? {}) as { uid?: unknown; primaryKey?: unknown };
        if (b.uid === undefined) throw new HttpError(400, apiError("missing_index_uid", "Missing field `uid`"));
        const uid = String(b.uid);
        if (!/^[A-Za-z0-9_-]{1,400}$/.test(uid)) throw new HttpError(400, apiError("invalid_index_uid", `\`${uid}\` is not a valid index uid. Index uid can be an integer or a string containing only alphanumeric characters, hyphens (-) and underscores (_), and can not be more than 512 bytes.`));
        return store.task("indexCreation", uid, () => {
          store.createIndex(uid, typeof b.primaryKey === "string" ? b.primaryKey : null);
          return { primaryKey: b.primaryKey ?? null };
        });
      }
    }
    if (seg[0] === "indexes" && seg[1]) {
      const uid = seg[1];
      const rest = seg.slice(2);
      if (rest.length === 0) {
        if (method === "GET") return ok(indexView(store.index(uid)));
        if (method === "PATCH") {
          const pk = (body as { primaryKey?: string } | undefined)?.primaryKey ?? null;
          return store.task("indexUpdate", uid, () => {
            const ix = store.index(uid);
            if (ix.documents.size > 0 && pk !== ix.primaryKey) throw new HttpError(400, apiError("index_primary_key_already_exists", "Index already has a primary key: `" + ix.primaryKey + "`."));
            ix.primaryKey = pk;
            return { primaryKey: pk };
          });
        }
        if (method === "DELETE") return store.task("indexDeletion", uid, () => {
          const n = store.index(uid).documents.size;
          store.indexes.delete(uid);
          return { deletedDocuments: n };
        });
      }
      if (rest[0] === "stats" && rest.length === 1 && method === "GET") {
        const ix = store.index(uid);
        return ok({ numberOfDocuments: ix.documents.size, isIndexing: false, fieldDistribution: {} });
      }
      if (rest[0] === "search" && rest.length === 1) {
        if (method === "POST") return ok(search(store.index(uid), (body ?? {}) as Record<string, unknown>));
        if (method === "GET") return ok(search(store.index(uid), params));
      }
      if (rest[0] === "settings") {
        if (rest.length === 1) {
          if (method === "GET") return ok(store.index(uid).settings);
          if (method === "PATCH") return store.task("settingsUpdate", uid, () => {
            const ix = store.indexOrNew(uid);
            const defaults = defaultSettings();
            for (const [k, v] of Object.entries((body ?? {}) as Settings)) {
              if (!(k in defaults)) throw new HttpError(400, apiError("bad_request", `Unknown field \`${k}\`: expected one of ${Object.keys(defaults).map((d) => `\`${d}\``).join(", ")}`));
              ix.settings[k] = v === null ? defaults[k] : v;
            }
            return { ...((body ?? {}) as object) };
          });
          if (method === "DELETE") return store.task("settingsUpdate", uid, () => {
            store.index(uid).settings = defaultSettings();
            return {};
          });
        }
        if (rest.length === 2) {
          const key = settingKey(rest[1] as string);
          const defaults = defaultSettings();
          if (!(key in defaults)) throw notImplemented(`Setting route ${path}`);
          if (method === "GET") return ok(store.index(uid).settings[key]);
          if (method === "PUT" || method === "PATCH") return store.task("settingsUpdate", uid, () => {
            store.indexOrNew(uid).settings[key] = body === null || body === undefined ? defaults[key] : body;
            return { [key]: body };
          });
          if (method === "DELETE") return store.task("settingsUpdate", uid, () => {
            store.index(uid).settings[key] = defaults[key];
            return {};
          });
        }
      }
      if (rest[0] === "documents") {
        if (rest.length === 1) {
          if (method === "GET") return ok(listDocuments(store.index(uid), params));
          if (method === "POST" || method === "PUT") {
            const docs = Array.isArray(body) ? (body as Doc[]) : body && typeof body === "object" ? [body as Doc] : [];
            return store.task("documentAdditionOrUpdate", uid, () => store.addDocuments(uid, docs, params.primaryKey ?? null, method === "PUT"));
          }
          if (method === "DELETE") return store.task("documentDeletion", uid, () => {
            const ix = store.index(uid);
            const n = ix.documents.size;
            ix.documents.clear();
            return { providedIds: 0, deletedDocuments: n, originalFilter: null };
          });
        }
        if (rest.length === 2 && rest[1] === "fetch" && method === "POST") return ok(listDocuments(store.index(uid), (body ?? {}) as Record<string, unknown>));
        if (rest.length === 2 && rest[1] === "delete-batch" && method === "POST") {
          const ids = Array.isArray(body) ? body.map(String) : [];
          return store.task("documentDeletion", uid, () => {
            const ix = store.index(uid);
            const n = ids.filter((id) => ix.documents.delete(id)).length;
            return { providedIds: ids.length, deletedDocuments: n, originalFilter: null };
          });
        }
        if (rest.length === 2 && rest[1] !== "delete" && rest[1] !== "edit") {
          const id = rest[1] as string;
          if (method === "GET") {
            const doc = store.index(uid).documents.get(id);
            if (!doc) throw new HttpError(404, apiError("document_not_found", `Document \`${id}\` not found.`));
            return ok(pick(doc, params.fields ? params.fields.split(",") : undefined));
          }
          if (method === "DELETE") return store.task("documentDeletion", uid, () => {
            const n = store.index(uid).documents.delete(id) ? 1 : 0;
            return { providedIds: 1, deletedDocuments: n, originalFilter: null };
          });
        }
      }
    }
    throw notImplemented(`${method} ${path}`);
  }

  function indexView(ix: Index) {
    return { uid: ix.uid, createdAt: ix.createdAt, updatedAt: ix.updatedAt, primaryKey: ix.primaryKey };
  }

  function listDocuments(ix: Index, params: Record<string, unknown>) {
    if (params.filter) throw notImplemented("Document filters");
    const offset = Number(params.offset ?? 0);
    const limit = Number(params.limit ?? 20);
    const fields = typeof params.fields === "string" ? params.fields.split(",") : params.fields;
    const all = [...ix.documents.values()];
    return { results: all.slice(offset, offset + limit).map((d) => pick(d, fields)), offset, limit, total: all.length };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://standin");
    const path = url.pathname;
    const auth = authenticate(req, path);
    let status: number;
    let body: unknown;
    try {
      ({ status, body } = await route(req, url, auth));
    } catch (err) {
      if (!(err instanceof HttpError)) {
        status = 500;
        body = apiError("internal", `stand-in fault: ${(err as Error).message}`, "internal");
      } else {
        status = err.status;
        body = err.body;
      }
    }
    const text = JSON.stringify(body);
    res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
    res.end(text);
    const entry: LoggedRequest = {
      time: new Date().toISOString(),
      method: req.method ?? "GET",
      path,
      query: url.search,
      auth,
      keyValid: authError(auth, path) === null,
      status,
    };
    if (requestLog) appendFileSync(requestLog, `${JSON.stringify(entry)}\n`);
    options.log?.(`${entry.method} ${path} ${status} auth=${auth}`);
  }

  const server: Server = createServer((req, res) => void handle(req, res));
  const { host, port } = splitAddr(options.httpAddr);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const bound = server.address();
  const actualPort = bound && typeof bound === "object" ? bound.port : port;
  const searchKey = keyDefs.find((k) => k.role === "search")?.key;
  const adminKey = keyDefs.find((k) => k.role === "admin")?.key;
  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${actualPort}`,
    port: actualPort,
    keys: searchKey && adminKey ? { search: searchKey, admin: adminKey } : null,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

function splitAddr(addr: string): { host: string; port: number } {
  const m = /^(?:\[(.+)\]|([^:]*)):(\d+)$/.exec(addr);
  if (!m) throw new Error(`MEILI_HTTP_ADDR '${addr}' is not host:port`);
  return { host: m[1] ?? (m[2] || "0.0.0.0"), port: Number(m[3]) };
}

async function main(): Promise<void> {
  try {
    const options = optionsFromEnv(process.env);
    const running = await startMeilisearchStandin({ ...options, log: (line) => console.log(line) });
    console.log(`Meilisearch stand-in of the shop rehearsal (not Meilisearch) listening on ${running.url}; master key ${options.masterKey ? "required" : "not set"}`);
    const stop = () => void running.close().then(() => process.exit(0));
    process.on("SIGTERM", stop);
    process.on("SIGINT", stop);
  } catch (err) {
    console.error(`meilisearch stand-in: ${(err as Error).message}`);
    process.exit(1);
  }
}

if (import.meta.main) void main();
