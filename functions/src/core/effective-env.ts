/**
 * The environment the kubelet gives a container, as far as the output shows it: envFrom sources in
 * order, a later one replacing a key an earlier one set, then env entries, which replace both and
 * expand `$(VAR)` from what is defined before them (`$$` escapes a `$`).
 */
import { type KubeObject, type Renames, isPlainObject } from "./kube.ts";
import { providerOf } from "./pod-templates.ts";

/** Where a variable's value comes from, for people and for field paths. */
export interface EnvSource {
  kind: "ConfigMap" | "Secret" | "env";
  /** The ConfigMap or Secret, or the env entry's variable. */
  name: string;
  /** e.g. `envFrom[1]`, `env[0]`, relative to the container. */
  at: string;
  /** The entry's index in its list. */
  index: number;
}

export interface EnvVar {
  /** The value, when the output shows it: Secrets' values and fieldRefs are not read. */
  value?: string;
  source: EnvSource;
}

export interface EffectiveEnv {
  vars: Map<string, EnvVar>;
  /** envFrom sources whose keys the output does not show, with why. */
  unknown: { source: EnvSource; why: string }[];
}

/** The keys (and, for ConfigMaps, the values) a source gives, or why they cannot be known. */
export type SourceKeys = { keys: Map<string, string | undefined> } | { unknown: string };

type Keys = (kind: "ConfigMap" | "Secret", name: string) => SourceKeys;

const textOf = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

/**
 * The keys of one ConfigMap or Secret of the output, or of the Secret an ExternalSecret writes
 * (its template's keys when it replaces; else each data entry's secretKey; dataFrom and
 * templateFrom bring keys only the store knows). A Secret provisioned outside git is taken to
 * hold only the keys the bootstrap command writes, none of which the function derives.
 */
export function keysInOutput(objects: readonly KubeObject[], namespace: string | undefined, renames: Renames): Keys {
  return (kind, name) => {
    const source = providerOf(objects, namespace, kind, name, renames);
    if (source?.kind === "ExternalSecret") return externalSecretKeys(source);
    if (source) {
      const data = isPlainObject(source.data) ? source.data : {};
      const stringData = isPlainObject((source as any).stringData) ? (source as any).stringData : {};
      const values = new Map<string, string | undefined>(Object.keys(data).map((k) => [k, kind === "ConfigMap" ? textOf(data[k]) : undefined]));
      for (const k of Object.keys(stringData)) values.set(k, undefined);
      return { keys: values };
    }
    // A source that is not in the output is references.ts's finding (or provisioned), not a guess here.
    return { keys: new Map() };
  };
}

function externalSecretKeys(es: KubeObject): SourceKeys {
  const spec: any = isPlainObject(es.spec) ? es.spec : {};
  const template = isPlainObject(spec.target?.template) ? spec.target.template : undefined;
  const id = `ExternalSecret ${es.metadata?.name}`;
  if (Array.isArray(template?.templateFrom) && template.templateFrom.length) return { unknown: `${id} builds its keys from templateFrom` };
  const keys = new Map<string, string | undefined>(Object.keys(isPlainObject(template?.data) ? template.data : {}).map((k) => [k, undefined]));
  if (template && (template.mergePolicy ?? "Replace") === "Replace") return { keys };
  if (Array.isArray(spec.dataFrom) && spec.dataFrom.length) {
    return { unknown: `${id} takes whatever keys its store holds (dataFrom ${template ? "with mergePolicy Merge" : "without a template"})` };
  }
  for (const d of Array.isArray(spec.data) ? spec.data : []) if (typeof d?.secretKey === "string") keys.set(d.secretKey, undefined);
  return { keys };
}

/** `$(VAR)` as the kubelet expands it: defined names only, `$$` for a literal `$`. */
export function expand(value: string, defined: (name: string) => string | undefined | null): string | undefined {
  let unknown = false;
  const out = value.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (whole, name: string | undefined) => {
    if (name === undefined) return "$";
    const v = defined(name);
    if (v === null) return whole;
    if (v === undefined) unknown = true;
    return v ?? "";
  });
  return unknown ? undefined : out;
}

export function effectiveEnv(container: any, keys: Keys): EffectiveEnv {
  const vars = new Map<string, EnvVar>();
  const unknown: EffectiveEnv["unknown"] = [];
  (Array.isArray(container?.envFrom) ? container.envFrom : []).forEach((e: any, i: number) => {
    const kind = e?.configMapRef ? "ConfigMap" : "Secret";
    const name = (e?.configMapRef ?? e?.secretRef)?.name;
    if (typeof name !== "string") return;
    const source: EnvSource = { kind, name, at: `envFrom[${i}]`, index: i };
    const found = keys(kind, name);
    if ("unknown" in found) {
      if (!(e?.configMapRef ?? e?.secretRef)?.optional) unknown.push({ source, why: found.unknown });
      return;
    }
    const prefix = typeof e.prefix === "string" ? e.prefix : "";
    for (const [key, value] of found.keys) vars.set(prefix + key, value === undefined ? { source } : { value, source });
  });
  (Array.isArray(container?.env) ? container.env : []).forEach((e: any, i: number) => {
    if (typeof e?.name !== "string") return;
    const source: EnvSource = { kind: "env", name: e.name, at: `env[${i}]`, index: i };
    // A name defined nowhere stays `$(NAME)`; one defined by a value the output does not show makes this one unknown too.
    const value = typeof e.value === "string" ? expand(e.value, (n) => (vars.has(n) ? vars.get(n)!.value : null)) : e.valueFrom ? undefined : "";
    vars.set(e.name, value === undefined ? { source } : { value, source });
  });
  return { vars, unknown };
}
