import { checkBakedUrls } from "./baked-urls.ts";
import { type CorsValues, deriveCors } from "./cors.ts";
import { validateCrossObject } from "./cross-object.ts";
import { type MigrationJobPlan, planMigrationJob } from "./migration-job.ts";
import type { OverlayView } from "./overlay-view.ts";
import type { Policy } from "./policy.ts";
import { validateResources } from "./resource-limits.ts";
import type { Result } from "./results.ts";
import { shapeProblems } from "./shapes.ts";
import { type ShopModel, shopModel } from "./shop-model.ts";

export interface Derivation {
  /** The shop as derive read it; absent when the objects' shapes stopped it first. */
  model?: ShopModel;
  cors?: CorsValues;
  migrationJob?: MigrationJobPlan;
  results: Result[];
}

/** The pure core: one composed overlay and its policy in, derived values and findings out. */
export function derive(view: OverlayView, policy: Policy): Derivation {
  const shapes = shapeProblems(view.objects);
  if (shapes.length) return { results: shapes };
  const model = shopModel(view);
  const cors = deriveCors(model, policy);
  const job = planMigrationJob(model, policy);
  const baked = cors.origins ? checkBakedUrls(model, policy, cors.origins) : [];
  const out: Derivation = {
    model,
    results: [...model.results, ...cors.results, ...baked, ...job.results, ...validateResources(view, policy), ...validateCrossObject(model, policy)],
  };
  if (cors.values) out.cors = cors.values;
  if (job.plan) out.migrationJob = job.plan;
  return out;
}
