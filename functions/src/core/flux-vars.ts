/**
 * Flux's post-build substitution: `${VAR}`, and the documented forms with a default,
 * `${VAR:=default}` and `${VAR:-default}`. Hosts that hold one are checked as if the variable
 * were one DNS label, since the value only exists in the cluster; other forms are refused.
 */
const FLUX_VAR = /\$\{[A-Za-z_][A-Za-z0-9_]*(?::[-=][^}]*)?\}/g;

export const hasFluxVar = (text: string): boolean => text.search(FLUX_VAR) >= 0;

export const replaceFluxVars = (text: string, by: string): string => text.replace(FLUX_VAR, by);
