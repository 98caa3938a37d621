import { checkMedusaPair } from "./check-medusa-pair.ts";
import { checkProbePorts } from "./check-probes.ts";
import { checkPullSecrets } from "./check-pull-secret.ts";
import { checkReferences } from "./check-references.ts";
import { checkSelectors } from "./check-selectors.ts";
import { checkEnvShadowing } from "./check-env-shadowing.ts";
import { checkServices } from "./check-services.ts";
import type { Policy } from "./policy.ts";
import type { Result } from "./results.ts";
import type { ShopModel } from "./shop-model.ts";

/** Whether the objects of one composed overlay fit together: what one object names, another provides. */
export function validateCrossObject(model: ShopModel, policy: Policy): Result[] {
  const { view } = model;
  return [
    ...checkServices(view),
    ...checkProbePorts(view),
    ...checkReferences(view, policy),
    ...checkPullSecrets(view),
    ...checkMedusaPair(model),
    ...checkEnvShadowing(model),
    ...checkSelectors(view),
  ];
}
