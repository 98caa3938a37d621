/**
 * A derived value only counts if the container receives it: every container that loads a derived
 * ConfigMap with envFrom must get each derived key from it, not from a later envFrom source or an
 * env entry, and no later source may have keys the output cannot show.
 */
import { DERIVED_KEYS } from "../core/cors.ts";
import { type EnvSource, effectiveEnv, keysInOutput } from "../core/effective-env.ts";
import { isNamed, refOf } from "../core/kube.ts";
import { fieldOf, fileWhere } from "../core/overlay-view.ts";
import { podTemplates } from "../core/pod-templates.ts";
import { type Result, error } from "../core/results.ts";
import { ROLES, mainContainer } from "../core/roles.ts";
import { containersOf } from "../core/shop-objects.ts";
import type { ShopModel } from "../core/shop-model.ts";

const describe = (s: EnvSource): string => `${s.kind} ${s.name} (${s.at})`;

export function checkEnvShadowing(model: ShopModel): Result[] {
  const { view } = model;
  // The ConfigMaps that carry derived values: the ones each app's server receives its derived keys from.
  const derived = new Map<string, readonly string[]>();
  for (const role of ROLES) {
    const server = model.servers[role];
    for (const name of server ? configMapsLoaded(mainContainer(server, role)) : []) {
      if (DERIVED_KEYS[role].some((k) => configMapHas(view.objects, name, k))) derived.set(name, DERIVED_KEYS[role]);
    }
  }
  const results: Result[] = [];
  for (const t of podTemplates(view.objects)) {
    const keys = keysInOutput(view.objects, t.namespace, view);
    for (const { container, path } of containersOf(t.owner)) {
      const loads = configMapsLoaded(container).filter((name) => derived.has(name));
      if (!loads.length) continue;
      const env = effectiveEnv(container, keys);
      const where = (source: EnvSource) => ({ ref: refOf(t.owner), field: `${path}.${source.at}`, ...fileWhere(view, t.owner, fieldOf(container, source.kind === "env" ? "env" : "envFrom")) });
      const firstLoad = (container.envFrom as any[]).findIndex((e) => derived.has(loadedAsIs(e) ?? ""));
      for (const u of env.unknown.filter((u) => u.source.index > firstLoad)) {
        results.push(error("env-shadowed", `container ${container.name}: ${describe(u.source)} comes after the derived ConfigMap and may override a derived value: ${u.why}; ` +
          "list it before the derived ConfigMap, or give it a template that lists its keys", where(u.source)));
      }
      for (const name of loads) {
        for (const key of derived.get(name)!) {
          const got = env.vars.get(key);
          if (!got || (got.source.kind === "ConfigMap" && got.source.name === name) || !configMapHas(view.objects, name, key)) continue;
          results.push(error("env-shadowed", `container ${container.name}: ${describe(got.source)} sets ${key}, which ConfigMap ${name} derives from the Ingress; ` +
            `the container would receive that value instead. Remove ${key} from it${got.source.kind === "env" ? "" : ", or list it before the derived ConfigMap"}`, where(got.source)));
        }
      }
    }
  }
  return results;
}

/** The ConfigMap an envFrom entry gives its keys as they are (a prefix renames every key), or undefined. */
const loadedAsIs = (e: any): string | undefined => (typeof e?.configMapRef?.name === "string" && !e.prefix ? e.configMapRef.name : undefined);

const configMapsLoaded = (container: any): string[] =>
  (Array.isArray(container?.envFrom) ? container.envFrom : []).flatMap((e: any) => loadedAsIs(e) ?? []);

const configMapHas = (objects: ShopModel["view"]["objects"], name: string, key: string): boolean =>
  objects.some((o) => o.kind === "ConfigMap" && isNamed(o, name) && Object.hasOwn(o.data ?? {}, key));
