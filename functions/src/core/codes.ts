/**
 * Every finding the function reports carries one of these codes, in its
 * result's `tags.code` and on its stderr line. They are stable: tools and
 * people may match on them. docs/errors.md explains each one with an example
 * and the fix (a test keeps the two in step).
 */
export const CODES = [
  "input-invalid", "function-config", "no-policy", "policy-invalid", "builds-invalid",
  "not-modelled", "kustomization-missing", "kustomization-cycle", "resource-missing", "patch-no-match",
  "json6902-invalid", "json6902-failed", "image-tag-type",
  "derived-not-listed", "derived-file-contents", "build-stale", "build-no-configmap",
  "field-shape", "app-workload", "service-two-apps", "ingress-path-conflict",
  "cors-no-service", "cors-no-ingress", "cors-no-route", "ingress-host", "tls-host", "tls-flux-wildcard",
  "service-port", "public-url-unserved", "public-url-ambiguous", "baked-url", "env-shadowed",
  "job-no-medusa", "job-count", "job-image", "job-no-tag", "job-name-invalid", "image-not-pinned",
  "resources-missing", "resources-invalid", "resources-request-above-limit", "resources-below-minimum", "resources-above-maximum",
  "service-selects-nothing", "service-target-port", "ingress-backend-service", "ingress-backend-port", "probe-port",
  "reference-missing", "pull-secret-missing", "medusa-pair-references", "selector-invalid", "selector-matches-nothing",
] as const;

export type Code = (typeof CODES)[number];
