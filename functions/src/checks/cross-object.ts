/**
 * Check: the cross-object checks together, in the order derive reports them.
 */
import { checkMedusaPair } from "./medusa-pair.ts";
import { checkProbePorts } from "./probe-ports.ts";
import { checkPullSecrets } from "./pull-secrets.ts";
import { checkReferences } from "./references.ts";
import { checkSelectors } from "./selectors.ts";
import { checkEnvShadowing } from "./env-shadowing.ts";
import { checkServices } from "./services.ts";
import type { Policy } from "../core/policy.ts";
import type { Result } from "../core/results.ts";
import type { ShopModel } from "../core/shop-model.ts";

/** Whether the objects of one composed overlay fit together: what one object names, another provides. */
export function checkCrossObject(model: ShopModel, policy: Policy): Result[] {
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
