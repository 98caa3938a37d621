/**
 * Check: every Deployment running the medusa image (the worker) reads what the server reads.
 */
import { parseImageRef } from "../core/image-ref.ts";
import { refOf } from "../core/kube.ts";
import { fileWhere } from "../core/overlay-view.ts";
import { configReferences, podTemplates } from "../core/pod-templates.ts";
import { type Result, error } from "../core/results.ts";
import { mainContainer } from "../core/roles.ts";
import type { ShopModel } from "../core/shop-model.ts";

const refSet = (refs: ReturnType<typeof configReferences>) => [...new Set(refs.map((r) => `${r.kind} ${r.name}`))].sort();

/**
 * The Medusa server and every other Deployment running its image (the worker) read the same
 * ConfigMaps and Secrets: a worker with other credentials would process orders against another
 * database or another Stripe account.
 */
export function checkMedusaPair(model: ShopModel): Result[] {
  const { view } = model;
  const server = model.servers.medusa;
  const image = server ? mainContainer(server, "medusa")?.image : undefined;
  if (!server || typeof image !== "string") return [];
  const templates = podTemplates(view.objects);
  const serverTemplate = templates.find((t) => t.owner === server)!;
  const want = refSet(configReferences(server));
  const repo = parseImageRef(image).name;
  return templates
    .filter((t) => t.owner !== server && t.owner.kind === "Deployment")
    .filter((t) => (Array.isArray(t.spec?.containers) ? t.spec.containers : []).some((c: any) => typeof c?.image === "string" && parseImageRef(c.image).name === repo))
    .flatMap((t) => {
      const got = refSet(configReferences(t.owner));
      if (JSON.stringify(got) === JSON.stringify(want)) return [];
      const missing = want.filter((r) => !got.includes(r));
      const extra = got.filter((r) => !want.includes(r));
      const diff = [missing.length ? `lacks ${missing.join(", ")}` : "", extra.length ? `adds ${extra.join(", ")}` : ""].filter(Boolean).join("; ");
      return [error("medusa-pair-references", `runs the medusa server's image but reads other config and secrets than Deployment "${server.metadata?.name}" (${diff})`, {
        ref: refOf(t.owner), field: `${t.path}.containers`, ...fileWhere(view, t.owner),
      })];
    });
}
