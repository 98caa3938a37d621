/**
 * What `secrets:bootstrap` writes, decided without touching a cluster: which value each key gets and
 * where it came from. Values never leave this module except to become Secret data; everything meant
 * for a person (provenance, problems) names keys only.
 */
import { SECRET_KEYS, SECRET_NAMES, type KeySpec, type SecretName } from "./secret-keys.ts";

export type Provenance = "generated" | "rotated" | "kept" | "environment" | "prompt" | "kept, not managed here";

export interface PlannedKey {
  key: string;
  provenance: Provenance;
  value: string;
}

export interface MissingKey {
  secret: SecretName;
  spec: KeySpec;
}

export interface Plan {
  secrets: Record<SecretName, PlannedKey[]>;
  /** inputs with no value anywhere: prompt for them, or fail */
  missing: MissingKey[];
  /** `secret KEY (provenance): reason`, never the value */
  invalid: string[];
}

export interface PlanInput {
  /** decoded data of the Secrets already in the cluster (absent: no such Secret) */
  existing: Partial<Record<SecretName, Record<string, string>>>;
  env: Readonly<Record<string, string | undefined>>;
  /** answers typed at the prompt, by key */
  prompted?: Readonly<Record<string, string>>;
  rotate: boolean;
  /** a fresh random value; the CLI passes 32 CSPRNG bytes as hex */
  random: () => string;
}

function pick(spec: KeySpec, existing: Record<string, string>, input: PlanInput): Omit<PlannedKey, "key"> | undefined {
  const current = existing[spec.key];
  if (spec.source === "generated") {
    if (input.rotate) return { provenance: "rotated", value: input.random() };
    if (current) return { provenance: "kept", value: current };
    return { provenance: "generated", value: input.random() };
  }
  const prompted = input.prompted?.[spec.key];
  if (prompted) return { provenance: "prompt", value: prompted };
  const fromEnv = input.env[spec.key];
  if (fromEnv) return { provenance: "environment", value: fromEnv };
  if (current) return { provenance: "kept", value: current };
  return undefined;
}

/** Why a value cannot go into a Secret as it is, or undefined. */
export function problemWith(spec: KeySpec | undefined, value: string): string | undefined {
  // Trailing newlines and spaces are what a copy-paste adds; the app would read them as part of the value.
  if (/[\u0000-\u001f\u007f]/.test(value)) return "contains a newline or control character";
  if (value.trim() !== value) return "has leading or trailing whitespace";
  return spec?.check?.(value);
}

export function planSecrets(input: PlanInput): Plan {
  const plan: Plan = { secrets: { "medusa-secret": [], "storefront-secret": [] }, missing: [], invalid: [] };
  for (const secret of SECRET_NAMES) {
    const existing = input.existing[secret] ?? {};
    const managed = new Set<string>();
    for (const spec of SECRET_KEYS[secret]) {
      managed.add(spec.key);
      const chosen = pick(spec, existing, input);
      if (!chosen) {
        plan.missing.push({ secret, spec });
        continue;
      }
      const problem = spec.source === "input" ? problemWith(spec, chosen.value) : undefined;
      if (problem) plan.invalid.push(`${secret} ${spec.key} (${chosen.provenance}): ${problem}`);
      plan.secrets[secret].push({ key: spec.key, ...chosen });
    }
    // Keys someone added by hand (e.g. DATABASE_URL_DIRECT) would be dropped by a re-apply without them.
    for (const [key, value] of Object.entries(existing)) {
      if (!managed.has(key)) plan.secrets[secret].push({ key, provenance: "kept, not managed here", value });
    }
  }
  return plan;
}

/** One line per Secret: keys and where their values came from, no values. */
export function describePlan(plan: Plan): string[] {
  return SECRET_NAMES.map((secret) => `${secret}: ${plan.secrets[secret].map((k) => `${k.key} (${k.provenance})`).join(", ")}`);
}

/** Every planned value, for redacting whatever a tool prints. */
export function planValues(plan: Plan): string[] {
  return SECRET_NAMES.flatMap((s) => plan.secrets[s].map((k) => k.value));
}

/** Keys whose value differs from the cluster's: the pods only read them at start. */
export function changedKeys(plan: Plan, existing: PlanInput["existing"]): string[] {
  return SECRET_NAMES.flatMap((s) => plan.secrets[s].filter((k) => existing[s]?.[k.key] !== k.value).map((k) => `${s} ${k.key}`));
}
