import { checkMedusaPair } from "./check-medusa-pair.js";
import { checkProbePorts } from "./check-probes.js";
import { checkPullSecrets } from "./check-pull-secret.js";
import { checkReferences } from "./check-references.js";
import { checkSelectors } from "./check-selectors.js";
import { checkServices } from "./check-services.js";
import type { OverlayView } from "./overlay-view.js";
import type { Policy } from "./policy.js";
import type { Result } from "./results.js";

/** Whether the objects of one composed overlay fit together: what one object names, another provides. */
export function validateCrossObject(view: OverlayView, policy: Policy): Result[] {
  return [
    ...checkServices(view),
    ...checkProbePorts(view),
    ...checkReferences(view, policy),
    ...checkPullSecrets(view),
    ...checkMedusaPair(view),
    ...checkSelectors(view),
  ];
}
