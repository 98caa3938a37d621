/**
 * Re-rendering a bot's pull request (.github/workflows/rerender-bot-prs.yml): which files the
 * render changed, the commit that carries them back to the branch, and the refusal that shows the
 * drift when they cannot be pushed. A bump merged without its render leaves Flux a migration Job
 * under its old name with a new image, which it cannot apply (the Job's template is immutable).
 */

/** Paths in `git status --porcelain -z` output; a rename's or copy's source path is skipped. */
export function statusPaths(porcelainZ: string): string[] {
  const fields = porcelainZ.split("\0");
  const paths: string[] = [];
  for (let i = 0; i < fields.length; i += 1) {
    const entry = fields[i]!;
    if (entry.length < 4) continue;
    paths.push(entry.slice(3));
    if (entry[0] === "R" || entry[0] === "C") i += 1;
  }
  return paths.sort();
}

/** Paths whose content (undefined: deleted) differs after the render from before it: what the render did. */
export function renderedChanges(before: ReadonlyMap<string, string | undefined>, after: ReadonlyMap<string, string | undefined>): string[] {
  return [...after.keys()].filter((p) => !before.has(p) || before.get(p) !== after.get(p)).sort();
}

/** Why `name` cannot be the branch pushed to, or undefined. Only plain branch names: no refspec, no option. */
export function branchProblem(name: string): string | undefined {
  if (/^[A-Za-z0-9_][A-Za-z0-9._/-]*$/.test(name) && !name.includes("..") && !name.endsWith("/") && !name.endsWith(".lock")) return undefined;
  return `'${name}' is not a plain branch name`;
}

export function commitMessage(files: readonly string[]): string {
  return `Re-render the derived files\n\nnpm run render on this pull request's update changed:\n${files.map((f) => `- ${f}`).join("\n")}\n`;
}

/** The refusal when the rendered files stay behind: what is stale, why it was not pushed, what to do. */
export function driftMessage(files: readonly string[], why: string): string {
  return (
    `the pull request's derived files are stale: npm run render changes ${files.join(", ")} (the diff is above). ${why} ` +
    "Run `npm run render` on the branch and commit the result: merged as it is, Flux would get the old derived values with the new versions."
  );
}
