import { checkMedusaPair } from "./check-medusa-pair.ts";
import { checkProbePorts } from "./check-probes.ts";
import { checkPullSecrets } from "./check-pull-secret.ts";
import { checkReferences } from "./check-references.ts";
import { checkSelectors } from "./check-selectors.ts";
import { checkServices } from "./check-services.ts";
import type { OverlayView } from "./overlay-view.ts";
import type { Policy } from "./policy.ts";
import type { Result } from "./results.ts";

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
