/**
 * Values the deployment reference (and the application facts that correct it) fix. Tests compare
 * build output against these, so a change here is a change of contract, not of test.
 */
export const APP_IMAGE_PREFIX = "ghcr.io/ekenheim/ecom/";
export const MEDUSA_IMAGE = `${APP_IMAGE_PREFIX}medusa`;
export const STOREFRONT_IMAGE = `${APP_IMAGE_PREFIX}storefront`;
export const PULL_SECRET = "ghcr-credentials";
/** Build targets whose overlay renames the image pull secret (the owner's cluster calls it ghcr-pull). */
const PULL_SECRET_BY_TARGET: Readonly<Record<string, string>> = { "overlays/home-ops": "ghcr-pull" };
export const pullSecretFor = (target: string): string => PULL_SECRET_BY_TARGET[target] ?? PULL_SECRET;
/**
 * Flux postBuild variables a build target may contain as `${NAME}`, substituted by Flux at apply
 * time; any other `${` would fail Flux's strict substitution.
 */
export const FLUX_VARIABLES: Readonly<Record<string, readonly string[]>> = { "overlays/home-ops": ["SECRET_DOMAIN"] };
export const INGRESS = "ecom-ingress";
export const MIGRATION_JOB_BASE = "medusa-migrate";
export const SEED_JOB = "medusa-seed";
/** The medusa image has no index.js; its CLI lives here (APP-FACTS). */
export const MEDUSA_CLI = "/app/node_modules/.bin/medusa";

export interface ResourceRow {
  cpuRequest: string;
  cpuLimit: string;
  memoryRequest: string;
  memoryLimit: string;
}

export const RESOURCES: Record<"medusa" | "storefront" | "postgres" | "redis", ResourceRow> = {
  medusa: { cpuRequest: "250m", cpuLimit: "1000m", memoryRequest: "512Mi", memoryLimit: "1Gi" },
  storefront: { cpuRequest: "100m", cpuLimit: "500m", memoryRequest: "256Mi", memoryLimit: "512Mi" },
  postgres: { cpuRequest: "250m", cpuLimit: "1000m", memoryRequest: "512Mi", memoryLimit: "2Gi" },
  redis: { cpuRequest: "50m", cpuLimit: "200m", memoryRequest: "128Mi", memoryLimit: "256Mi" },
};

export const APPS = {
  medusa: {
    deployment: "medusa",
    service: "medusa",
    container: "medusa",
    port: 9000,
    healthPath: "/health",
    // The owner's liveness window (60 s delay + 5 x 30 s): /health answers only after every loader.
    startupSeconds: 210,
    configMap: "medusa-config",
    secret: "medusa-secret",
    initContainers: ["wait-for-postgres", "wait-for-redis"],
    command: [MEDUSA_CLI, "start"],
    runAsUser: 1000,
    image: MEDUSA_IMAGE,
  },
  storefront: {
    deployment: "storefront",
    service: "storefront",
    container: "storefront",
    port: 8000,
    // `/` redirects and renders through Medusa; /api/health is static (APP-FACTS).
    healthPath: "/api/health",
    // The owner's liveness window (20 s delay + 5 x 20 s).
    startupSeconds: 120,
    configMap: "storefront-config",
    secret: "storefront-secret",
    initContainers: ["wait-for-medusa"],
    command: undefined,
    runAsUser: 1001,
    image: STOREFRONT_IMAGE,
  },
} as const;

// A Job has no terminal: without a link flag the CLI may stop on a question when links change.
export const MIGRATE_COMMAND = [MEDUSA_CLI, "db:migrate", "--execute-safe-links"];
export const SEED_COMMAND = [MEDUSA_CLI, "exec", "./src/scripts/seed.js"];
