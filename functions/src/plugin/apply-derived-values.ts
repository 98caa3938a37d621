/**
 * Plugin mode: applies the derived values to the objects of a kustomize build, warning where the
 * committed overlay was stale.
 */
import type { Derivation } from "../core/derive.ts";
import { AS_BUILT, type KubeObject, isNamed, refOf } from "../core/kube.ts";
import { type Item, editable } from "../core/resource-list.ts";
import { type Result, error, warning } from "../core/results.ts";
import { type Role, mainContainer } from "../core/roles.ts";
import { effectiveEnv, keysInOutput } from "../core/effective-env.ts";
import { sameNamespace } from "../core/pod-templates.ts";
import { setString } from "../core/yaml-edit.ts";

const RENDER_HINT = "run `npm run render` and commit, so plain kustomize and Flux build the same";

/**
 * Plugin mode: write the derived values into the built objects. A committed
 * overlay that was rendered needs no change; any change is reported, since
 * plain kustomize and Flux would deploy the stale value.
 */
export function applyToBuild(items: readonly Item[], derived: Derivation): Result[] {
  const byObject = new Map<KubeObject, Item>(objectsOf(items));
  const objects = [...byObject.keys()];
  const configMaps = items.filter((i) => i.kind === "ConfigMap");
  const results: Result[] = [];
  const set = (item: Item, path: string[], value: string) => {
    const obj = item.object();
    const current = path.reduce((o: any, k) => o?.[k], obj);
    if (current === value) return;
    setString(editable(item), path, value);
    results.push(warning("build-stale", `was "${current ?? ""}", derived "${value}": ${RENDER_HINT}`, {
      ref: refOf(obj),
      field: path.join("."),
    }));
  };
  if (derived.cors) {
    for (const role of ["medusa", "storefront"] as Role[]) {
      const item = configMapOf(objects, derived.model?.servers[role], configMaps, role);
      if (!item) {
        results.push(error("build-no-configmap", `no ConfigMap that the ${role} Deployment loads with envFrom carries ${Object.keys(derived.cors[role]).join(", ")}, ` +
          `so the derived values reach nothing that is deployed: list the overlay's derived/ files in its patches and ${RENDER_HINT}`));
        continue;
      }
      for (const [key, value] of Object.entries(derived.cors[role])) set(item, ["data", key], value);
    }
  }
  const job = derived.migrationJob;
  if (job) set(byObject.get(job.job)!, ["metadata", "name"], job.name);
  return results;
}

function objectsOf(items: readonly Item[]): [KubeObject, Item][] {
  return items.map((i) => [i.object(), i]);
}

/** The ConfigMap the component's Deployment loads with envFrom that carries its derived keys. */
function configMapOf(objects: KubeObject[], deployment: KubeObject | undefined, configMaps: Item[], role: Role): Item | undefined {
  if (!deployment) return undefined;
  const namespace = deployment.metadata?.namespace;
  const key = role === "medusa" ? "STORE_CORS" : "MEDUSA_BACKEND_URL";
  const source = effectiveEnv(mainContainer(deployment, role), keysInOutput(objects, namespace, AS_BUILT)).vars.get(key)?.source;
  return source?.kind === "ConfigMap"
    ? configMaps.find((i) => isNamed(i.object(), source.name) && sameNamespace(i.object().metadata?.namespace, namespace))
    : undefined;
}
