/**
 * Check: every pod running an image of the app's private registry names a pull secret.
 */
import { refOf } from "../core/kube.ts";
import { type OverlayView, fieldOf, fileWhere } from "../core/overlay-view.ts";
import { podTemplates } from "../core/pod-templates.ts";
import { containersOf } from "../core/shop-objects.ts";
import { type Result, error } from "../core/results.ts";

/** The app's images are private: a pod that runs one cannot start without credentials. */
export const PRIVATE_REGISTRY = "ghcr.io/ekenheim/";

/** Every pod spec that runs an image from the private registry names an image pull secret. */
export function checkPullSecrets(view: OverlayView): Result[] {
  return podTemplates(view.objects).flatMap((t) => {
    const privateImage = containersOf(t.owner).map(({ container }) => container?.image).find((i) => typeof i === "string" && i.startsWith(PRIVATE_REGISTRY));
    const named = (Array.isArray(t.spec?.imagePullSecrets) ? t.spec.imagePullSecrets : []).some((s: any) => typeof s?.name === "string" && s.name);
    if (!privateImage || named) return [];
    return [error("pull-secret-missing", `runs ${privateImage} but names no imagePullSecrets; the registry is private`, {
      ref: refOf(t.owner), field: `${t.path}.imagePullSecrets`, ...fileWhere(view, t.owner, fieldOf(t.spec, "imagePullSecrets")),
    })];
  });
}
