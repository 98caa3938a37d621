/**
 * The build arguments of a Dockerfile. The rehearsal runs its RUN steps itself, so it only needs what
 * they see: Docker puts every declared ARG in a step's environment, and the app Dockerfiles copy each one
 * into an ENV of the same name, so an ARG with no value and no default reaches the build as "".
 */
import { readFileSync } from "node:fs";

/** The ARGs the Dockerfile declares, with their defaults ("" when it gives none). */
export function declaredArgs(dockerfile: string): Record<string, string> {
  const args: Record<string, string> = {};
  const text = readFileSync(dockerfile, "utf8").replace(/\\\r?\n/g, " ");
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*ARG\s+([A-Za-z_][A-Za-z0-9_]*)(?:=(.*))?$/i.exec(line);
    if (!m) continue;
    let value = (m[2] ?? "").trim();
    if (/^(["']).*\1$/.test(value)) value = value.slice(1, -1);
    args[m[1]!] = value;
  }
  return args;
}

/**
 * The values the build uses: the defaults overridden by `given`. Like `docker build`, an argument the
 * Dockerfile does not declare is reported and left out.
 */
export function effectiveArgs(dockerfile: string, given: Record<string, string>, log: (line: string) => void): Record<string, string> {
  const args = declaredArgs(dockerfile);
  for (const [name, value] of Object.entries(given)) {
    if (name in args) args[name] = value;
    else log(`warning: build argument ${name} is not declared in the Dockerfile and is not used`);
  }
  return args;
}
