import { checkBakedUrls } from "./baked-urls.ts";
import { type CorsValues, deriveCors } from "./cors.ts";
import { validateCrossObject } from "./cross-object.ts";
import { type MigrationJobPlan, planMigrationJob } from "./migration-job.ts";
import type { OverlayView } from "./overlay-view.ts";
import type { Policy } from "./policy.ts";
import { validateResources } from "./resource-limits.ts";
import type { Result } from "./results.ts";
import { shapeProblems } from "./shapes.ts";

export interface Derivation {
  cors?: CorsValues;
  migrationJob?: MigrationJobPlan;
  results: Result[];
}

/** The pure core: one composed overlay and its policy in, derived values and findings out. */
export function derive(view: OverlayView, policy: Policy): Derivation {
  const shapes = shapeProblems(view.objects);
  if (shapes.length) return { results: shapes };
  const cors = deriveCors(view, policy);
  const job = planMigrationJob(view, policy);
  const baked = cors.origins ? checkBakedUrls(view, policy, cors.origins) : [];
  const out: Derivation = {
    results: [...cors.results, ...baked, ...job.results, ...validateResources(view, policy), ...validateCrossObject(view, policy)],
  };
  if (cors.values) out.cors = cors.values;
  if (job.plan) out.migrationJob = job.plan;
  return out;
}
