/**
 * The stable code of every error the day-2 commands report, printed as
 * `error: <code>: <message>`. docs/errors.md explains each one with an
 * example and the fix (a test keeps the two in step).
 */
export const SCRIPT_CODES = [
  "usage", "overlay-name", "overlay-missing", "cannot-read", "tool-missing", "kubectl-failed",
  "overlay-facts", "flux-only-overlay", "policy-missing", "first-install", "secrets-missing",
  "migration-failed", "migration-timeout",
  "sha-invalid", "image-edit", "render-failed", "render-stray-changes",
  "credentials-invalid", "secret-values-missing", "secret-values-invalid", "secrets-shipped",
  "tls-none", "openssl-failed", "secrets-found",
  "cutover-not-ready", "cutover-conflict", "cutover-schema",
  "image-unpublished", "registry-failed", "image-tags-differ", "overlay-unpinned", "render-drift",
  "doctor-failed", "smoke-failed", "bench-failed",
  "render-disagrees", "render-build-failed", "render-no-overlay", "render-policy-missing", "render-policy-misplaced",
  "render-input", "render-link", "internal",
] as const;

export type ScriptCode = (typeof SCRIPT_CODES)[number];
