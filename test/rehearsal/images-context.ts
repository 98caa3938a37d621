/**
 * The build context of a Dockerfile: the files `COPY . .` would see, that is the directory less what its
 * .dockerignore excludes. Hashed for the image cache's key and copied to the scratch directory a build
 * writes into (the app's checkout may be read-only).
 */
import { createHash } from "node:crypto";
import { chmodSync, copyFileSync, existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, symlinkSync } from "node:fs";
import { join } from "node:path";

interface Rule {
  regex: RegExp;
  negate: boolean;
}

/** .dockerignore's pattern syntax (`*`, `?`, `**`, `!`), matched the way the Docker builder does. */
function parseDockerignore(text: string): Rule[] {
  const rules: Rule[] = [];
  for (const raw of text.split(/\r?\n/)) {
    let line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const negate = line.startsWith("!");
    if (negate) line = line.slice(1).trim();
    line = line.replace(/^\/+/, "").replace(/\/+$/, "");
    if (line === "" || line === ".") continue;
    let re = "";
    for (let i = 0; i < line.length; i++) {
      const c = line[i]!;
      if (c === "*" && line[i + 1] === "*") {
        i++;
        if (line[i + 1] === "/") {
          i++;
          re += "(?:.*/)?";
        } else {
          re += ".*";
        }
      } else if (c === "*") re += "[^/]*";
      else if (c === "?") re += "[^/]";
      else re += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
    }
    rules.push({ regex: new RegExp(`^${re}$`), negate });
  }
  return rules;
}

/** A path is left out when the last rule matching it or one of its parent directories is not a `!` rule. */
function isIgnored(rules: Rule[], rel: string): boolean {
  const prefixes: string[] = [];
  const parts = rel.split("/");
  for (let i = 1; i <= parts.length; i++) prefixes.push(parts.slice(0, i).join("/"));
  let ignored = false;
  for (const rule of rules) {
    if (prefixes.some((p) => rule.regex.test(p))) ignored = !rule.negate;
  }
  return ignored;
}

export interface ContextFile {
  rel: string;
  kind: "file" | "symlink";
}

/** The context's files in a stable order (directories are implied by the files' paths). */
export function contextFiles(dir: string): ContextFile[] {
  const ignoreFile = join(dir, ".dockerignore");
  const rules = existsSync(ignoreFile) ? parseDockerignore(readFileSync(ignoreFile, "utf8")) : [];
  // With no `!` rule, an ignored directory cannot hold a file that comes back: skip its whole subtree.
  const canPrune = !rules.some((r) => r.negate);
  const out: ContextFile[] = [];
  const walk = (rel: string) => {
    const entries = readdirSync(join(dir, rel), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const child = rel === "" ? entry.name : `${rel}/${entry.name}`;
      const ignored = isIgnored(rules, child);
      if (entry.isDirectory()) {
        if (!(ignored && canPrune)) walk(child);
      } else if (!ignored && (entry.isFile() || entry.isSymbolicLink())) {
        out.push({ rel: child, kind: entry.isSymbolicLink() ? "symlink" : "file" });
      }
    }
  };
  walk("");
  return out;
}

/** A digest of the context: every file's path, executable bit and content (a symlink's target). */
export function hashContext(dir: string, files: ContextFile[]): string {
  const hash = createHash("sha256");
  for (const f of files) {
    const abs = join(dir, f.rel);
    if (f.kind === "symlink") {
      hash.update(`L\0${f.rel}\0${readlinkSync(abs)}\0`);
    } else {
      const exec = (lstatSync(abs).mode & 0o111) !== 0 ? "x" : "-";
      const content = readFileSync(abs);
      hash.update(`F\0${f.rel}\0${exec}\0${content.length}\0`);
      hash.update(content);
    }
  }
  return hash.digest("hex");
}

/** Copies the context to `dest`, writable by its owner whatever the source's permissions. */
export function copyContext(dir: string, files: ContextFile[], dest: string): void {
  for (const f of files) {
    const from = join(dir, f.rel);
    const to = join(dest, f.rel);
    mkdirSync(join(to, ".."), { recursive: true });
    if (f.kind === "symlink") {
      symlinkSync(readlinkSync(from), to);
    } else {
      copyFileSync(from, to);
      chmodSync(to, (lstatSync(from).mode & 0o777) | 0o200);
    }
  }
}
