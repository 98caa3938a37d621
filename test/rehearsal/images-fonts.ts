/**
 * `next/font/google` downloads its fonts during `next build`, and the rehearsal has no internet. Next.js
 * skips the download when NEXT_FONT_GOOGLE_MOCKED_RESPONSES names a CommonJS module: it reads the
 * stylesheet for a Google Fonts CSS URL from that module (`module[url]`) and reads each font file from the
 * absolute path the stylesheet's `src: url(...)` gives (next/dist/compiled/@next/font/dist/google,
 * fetch-css-from-google-fonts.js and fetch-font-file.js). The font files come from the Fontsource npm
 * packages, which ship the same Google Fonts files as woff2.
 */
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { npmPackage, type NodeRuntime } from "./images-run.ts";

/** The Fontsource package serving each Google family the storefront uses; a new family needs a line here. */
export const FONT_PACKAGES: Record<string, { name: string; version: string }> = {
  "Mona Sans": { name: "@fontsource-variable/mona-sans", version: "5.3.0" },
};

interface Face {
  /** Fontsource's axis set: "wght", "wdth" or "standard" (every axis). */
  axes: string;
  style: string;
  subset: string;
  weight: string;
  stretch?: string;
  file: string;
  range?: string;
}

/** The @font-face rules of a Fontsource variable package's stylesheets, with absolute font paths. */
function readFaces(pkgDir: string, id: string): Face[] {
  const faces: Face[] = [];
  for (const sheet of readdirSync(pkgDir).filter((f) => f.endsWith(".css") && f !== "index.css")) {
    const css = readFileSync(join(pkgDir, sheet), "utf8");
    for (const block of css.split("@font-face").slice(1)) {
      const get = (prop: string) => new RegExp(`${prop}:\\s*([^;]+);`).exec(block)?.[1]?.trim();
      const src = /url\(\.\/files\/([^)]+\.woff2)\)/.exec(block)?.[1];
      const name = src && new RegExp(`^${id}-(.+)-(wght|wdth|standard)-(normal|italic)\\.woff2$`).exec(src);
      if (!src || !name) continue;
      const face: Face = { axes: name[2]!, style: name[3]!, subset: name[1]!, weight: get("font-weight") ?? "400", file: join(pkgDir, "files", src) };
      const stretch = get("font-stretch");
      const range = get("unicode-range");
      if (stretch) face.stretch = stretch;
      if (range) face.range = range;
      faces.push(face);
    }
  }
  return faces;
}

/**
 * Answers a Google Fonts css2 URL the way Google does for a modern browser: one @font-face per requested
 * style and weight and per subset, each with its unicode-range under a `/* subset *\/` comment, which
 * Next.js reads to choose the files it preloads.
 */
const MOCK_MODULE = `"use strict";
const families = JSON.parse(__FACES__);
function stylesheet(url) {
  const params = new URL(url).searchParams;
  const [family, spec] = (params.get("family") || "").split(":");
  const faces = families[family];
  if (!faces) return undefined;
  let keys = [];
  let tuples = [[]];
  if (spec) {
    const [k, v] = spec.split("@");
    keys = k.split(",");
    tuples = v.split(";").map((t) => t.split(","));
  }
  const axes = keys.filter((k) => k !== "ital");
  const set = axes.includes("wdth") ? (axes.includes("wght") ? "standard" : "wdth") : "wght";
  const out = [];
  for (const tuple of tuples) {
    const value = (key) => (keys.indexOf(key) >= 0 ? tuple[keys.indexOf(key)] : undefined);
    const style = value("ital") === "1" ? "italic" : "normal";
    const wght = value("wght");
    for (const face of faces.filter((f) => f.axes === set && f.style === style)) {
      out.push("/* " + face.subset + " */", "@font-face {", "  font-family: '" + family + "';", "  font-style: " + style + ";",
        "  font-weight: " + (wght ? wght.replace("..", " ") : face.weight) + ";",
        ...(face.stretch ? ["  font-stretch: " + face.stretch + ";"] : []),
        "  font-display: " + (params.get("display") || "swap") + ";",
        "  src: url(" + face.file + ") format('woff2');",
        ...(face.range ? ["  unicode-range: " + face.range + ";"] : []), "}");
    }
  }
  return out.length ? out.join("\\n") + "\\n" : undefined;
}
module.exports = new Proxy({}, { get: (_, url) => (typeof url === "string" ? stylesheet(url) : undefined) });
`;

/** The Google families `next/font/google` imports in a Next.js app's sources. */
export function googleFamilies(appDir: string): string[] {
  const families = new Set<string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(join(dir, entry.name));
      else if (/\.(?:[cm]?[jt]sx?)$/.test(entry.name)) {
        const text = readFileSync(join(dir, entry.name), "utf8");
        for (const m of text.matchAll(/import\s*\{([^}]*)\}\s*from\s*["']next\/font\/google["']/g)) {
          for (const spec of m[1]!.split(",")) {
            const imported = spec.trim().split(/\s+as\s+/)[0]!.trim();
            if (imported) families.add(imported.replace(/_/g, " "));
          }
        }
      }
    }
  };
  walk(join(appDir, "src"));
  return [...families].sort();
}

/**
 * Installs the fonts the app uses and writes the module Next.js reads instead of Google Fonts. Returns
 * the environment that points `next build` at it.
 */
export async function mockGoogleFonts(appDir: string, scratch: string, node: NodeRuntime, log: (line: string) => void): Promise<Record<string, string>> {
  const faces: Record<string, Face[]> = {};
  for (const family of googleFamilies(appDir)) {
    const pkg = FONT_PACKAGES[family];
    if (!pkg) throw new Error(`the app uses the Google font "${family}", which has no offline copy: add its Fontsource package to FONT_PACKAGES`);
    const dir = await npmPackage(node, pkg.name, pkg.version, log);
    const id = pkg.name.split("/")[1]!;
    faces[family] = readFaces(dir, id);
    if (faces[family].length === 0) throw new Error(`${pkg.name}@${pkg.version} has no variable woff2 faces for "${family}"`);
  }
  const file = join(scratch, "google-fonts-mock.cjs");
  writeFileSync(file, MOCK_MODULE.replace("__FACES__", JSON.stringify(JSON.stringify(faces))));
  return { NEXT_FONT_GOOGLE_MOCKED_RESPONSES: file };
}
