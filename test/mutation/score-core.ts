/**
 * The mutation score the project holds itself to: Stryker's per-mutant results, less the mutants
 * listed in equivalent-mutants.yaml, scored per mutated folder. Pure: a parsed report and a parsed
 * list in, a score table and the list's problems out.
 */

export interface ReportMutant {
  mutatorName: string;
  replacement?: string;
  status: string;
  location: { start: { line: number; column: number }; end: { line: number; column: number } };
}

export interface Report {
  files: Record<string, { source: string; mutants: ReportMutant[] }>;
}

export interface Equivalent {
  file: string;
  mutator: string;
  original: string;
  replacement: string;
  reason: string;
}

export interface FolderScore {
  folder: string;
  detected: number;
  undetected: number;
  equivalent: number;
  /** Detected of the mutants a test could detect, in percent; null when the folder has none. */
  score: number | null;
}

export interface Scored {
  folders: FolderScore[];
  problems: string[];
}

/** Stryker's "detected" and "undetected"; the rest (compile and runtime errors, ignored) are not scored. */
const DETECTED = new Set(["Killed", "Timeout"]);
const UNDETECTED = new Set(["Survived", "NoCoverage"]);

export function score(report: Report, equivalents: Equivalent[], folders: string[]): Scored {
  const problems = equivalents.flatMap((entry, i) => entryProblems(entry, i));
  const matched = new Set<number>();
  const totals = new Map(folders.map((folder) => [folder, { folder, detected: 0, undetected: 0, equivalent: 0 }]));

  for (const [file, { source, mutants }] of Object.entries(report.files)) {
    const total = totals.get(folders.find((folder) => file.startsWith(`${folder}/`)) ?? "");
    if (!total) {
      problems.push(`${file}: mutated, but in none of the scored folders (${folders.join(", ")})`);
      continue;
    }
    const lines = source.split("\n");
    for (const mutant of mutants) {
      if (DETECTED.has(mutant.status)) total.detected++;
      if (!UNDETECTED.has(mutant.status)) continue;
      const original = textAt(lines, mutant.location);
      const entry = equivalents.findIndex((e) =>
        e.file === file && e.mutator === mutant.mutatorName && e.original === original && e.replacement === mutant.replacement);
      if (entry < 0) {
        total.undetected++;
      } else {
        total.equivalent++;
        matched.add(entry);
      }
    }
  }

  equivalents.forEach((e, i) => {
    if (!matched.has(i) && !entryProblems(e, i).length) {
      problems.push(`equivalent-mutants.yaml entry ${i + 1} (${e.file}, ${e.mutator} ${JSON.stringify(e.original)} -> ${JSON.stringify(e.replacement)}): `
        + "no surviving mutant matches it any more; the code changed or a test now kills it, so remove the entry");
    }
  });

  return {
    folders: [...totals.values()].map((t) => ({
      ...t,
      score: t.detected + t.undetected === 0 ? null : (100 * t.detected) / (t.detected + t.undetected),
    })),
    problems,
  };
}

function entryProblems(entry: Equivalent, i: number): string[] {
  const missing = (["file", "mutator", "original", "replacement", "reason"] as const)
    .filter((key) => typeof entry?.[key] !== "string" || (key === "reason" && !entry.reason.trim()));
  return missing.length ? [`equivalent-mutants.yaml entry ${i + 1}: needs ${missing.join(", ")} as text`] : [];
}

/** The source text a mutant replaced; report locations are 1-based, the end column exclusive. */
export function textAt(lines: string[], location: ReportMutant["location"]): string {
  const { start, end } = location;
  if (start.line === end.line) return lines[start.line - 1]!.slice(start.column - 1, end.column - 1);
  return [
    lines[start.line - 1]!.slice(start.column - 1),
    ...lines.slice(start.line, end.line - 1),
    lines[end.line - 1]!.slice(0, end.column - 1),
  ].join("\n");
}
