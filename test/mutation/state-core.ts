/**
 * The committed incremental state in one canonical form. Stryker writes the machine it ran on into
 * the file (the project root, and failure messages quoting sandbox and module-cache paths) and
 * numbers tests in the order its concurrent runners happened to report them, so a run that changed
 * no result would still rewrite 7 MB and leak paths into git. What the incremental differ reads to
 * reuse a result (sources, mutator, replacement, location, status, covering and killing tests by
 * name and location) is kept; everything else is dropped, and tests are numbered in file order.
 */

interface Position {
  line: number;
  column: number;
}

export interface StateTest {
  id: string;
  name: string;
  location?: { start: Position; end?: Position };
  [key: string]: unknown;
}

export interface StateMutant {
  id: string;
  mutatorName: string;
  replacement?: string;
  status: string;
  location: { start: Position; end: Position };
  coveredBy?: string[];
  killedBy?: string[];
  [key: string]: unknown;
}

export interface State {
  files: Record<string, { language?: string; source: string; mutants: StateMutant[] }>;
  testFiles?: Record<string, { source?: string; tests: StateTest[] }>;
  [key: string]: unknown;
}

/** Top-level fields kept; `projectRoot` (an absolute path) and anything a later Stryker adds are not. */
export const STATE_KEYS = ["schemaVersion", "thresholds", "files", "testFiles", "config", "framework"] as const;
/**
 * Per-mutant fields kept. Not kept: statusReason quotes test output (paths, values); duration and
 * testsCompleted vary by run; `static` is recomputed on every run (the differ never reads it) and
 * varies for a mutant TypeScript rejects, which is marked before coverage is known.
 */
export const MUTANT_KEYS = ["id", "mutatorName", "replacement", "status", "coveredBy", "killedBy", "location"] as const;
export const TEST_KEYS = ["id", "name", "location"] as const;

const byKey = <T>(record: Record<string, T>): [string, T][] => Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
const pick = <K extends string>(object: Record<string, unknown>, keys: readonly K[]) =>
  Object.fromEntries(keys.filter((k) => object[k] !== undefined).map((k) => [k, object[k]]));
const startOf = (t: StateTest): [number, number] => [t.location?.start.line ?? 0, t.location?.start.column ?? 0];

export function normalizeState(state: State): State {
  const renumbered = new Map<string, string>();
  const testFiles = byKey(state.testFiles ?? {}).map(([path, file]) => {
    const tests = [...file.tests]
      .sort((a, b) => {
        const [la, ca] = startOf(a);
        const [lb, cb] = startOf(b);
        return la - lb || ca - cb || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
      })
      .map((t) => {
        const id = String(renumbered.size);
        renumbered.set(t.id, id);
        return { ...pick(t, TEST_KEYS), id } as StateTest;
      });
    return [path, { ...(file.source === undefined ? {} : { source: file.source }), tests }] as const;
  });
  const tests = (ids: string[] | undefined) => {
    const mapped = (ids ?? []).flatMap((id) => renumbered.get(id) ?? []).sort((a, b) => Number(a) - Number(b));
    return mapped.length ? mapped : undefined;
  };
  const files = byKey(state.files).map(([path, file]) => {
    const mutants = [...file.mutants]
      .sort((a, b) => Number(a.id) - Number(b.id))
      .map((m) => pick({ ...m, coveredBy: tests(m.coveredBy), killedBy: tests(m.killedBy) }, MUTANT_KEYS) as StateMutant);
    return [path, { ...file, mutants }] as const;
  });
  return pick({ ...state, files: Object.fromEntries(files), testFiles: state.testFiles && Object.fromEntries(testFiles) }, STATE_KEYS) as State;
}

/** The file as committed: two-space JSON with a final newline, as Stryker writes it. */
export const stateText = (state: State): string => `${JSON.stringify(normalizeState(state), null, 2)}\n`;
