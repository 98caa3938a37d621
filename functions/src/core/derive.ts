/**
 * Core: one composed overlay and its policy in, derived values and findings out; both modes call
 * it.
 */
import { checkBakedUrls } from "../checks/baked-urls.ts";
import { type CorsValues, deriveCors } from "./cors.ts";
import { checkCrossObject } from "../checks/cross-object.ts";
import { type MigrationJobPlan, planMigrationJob } from "./migration-job.ts";
import type { OverlayView } from "./overlay-view.ts";
import type { Policy } from "./policy.ts";
import { checkResources } from "../checks/resources.ts";
import type { Result } from "./results.ts";
import { checkShapes } from "../checks/shapes.ts";
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
  const shapes = checkShapes(view.objects);
  if (shapes.length) return { results: shapes };
  const model = shopModel(view);
  const cors = deriveCors(model, policy);
  const job = planMigrationJob(model, policy);
  const baked = cors.origins ? checkBakedUrls(model, policy, cors.origins) : [];
  const out: Derivation = {
    model,
    results: [...model.results, ...cors.results, ...baked, ...job.results, ...checkResources(view, policy), ...checkCrossObject(model, policy)],
  };
  if (cors.values) out.cors = cors.values;
  if (job.plan) out.migrationJob = job.plan;
  return out;
}
