/**
 * Whether an Ingress's `tls` serves a rule's host, as Ingress controllers
 * decide it: an exact (case-insensitive) name, or a wildcard `*.rest` that
 * stands for exactly one leftmost label, so `*.example.com` covers
 * `shop.example.com` but neither `example.com` nor `a.shop.example.com`.
 */
import { hasFluxVar } from "./flux-vars.ts";

const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export type Coverage = { covered: boolean } | { problem: string };

export function tlsCoverage(tlsHosts: readonly string[], host: string): Coverage {
  const name = host.toLowerCase();
  for (const entry of tlsHosts.map((h) => h.toLowerCase())) {
    if (entry === name) return { covered: true };
    if (!entry.startsWith("*.")) continue;
    const rest = entry.slice(1);
    if (!name.endsWith(rest)) continue;
    // As the rule spells it: Flux variable names are case-sensitive, and the message names the variable.
    const label = host.slice(0, -rest.length);
    // Flux substitutes the variable later; it may hold dots, and then one label becomes several.
    if (hasFluxVar(label)) {
      return { problem: `the TLS host "${entry}" covers "${host}" only if ${label} holds no dot after Flux substitutes it: list "${host}" in tls itself` };
    }
    if (LABEL.test(label.toLowerCase())) return { covered: true };
  }
  return { covered: false };
}

/** A tls host the function cannot interpret: anything but a name or a leading one-label wildcard. */
export function tlsHostProblem(entry: unknown): string | undefined {
  if (typeof entry !== "string" || entry === "") return `is ${JSON.stringify(entry) ?? "empty"}, not a host name`;
  if (entry.slice(entry.startsWith("*.") ? 2 : 0).includes("*")) return `"${entry}" has a wildcard other than one leading "*." label, which no Ingress controller matches`;
  return undefined;
}
