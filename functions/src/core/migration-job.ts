/**
 * Core: the migration Job's name after the medusa image tag, and the image pins the policy
 * requires.
 */
import { parseImageRef } from "./image-ref.ts";
import { type KubeObject, namesOf, refOf } from "./kube.ts";
import { type OverlayView, fieldOf, fileWhere } from "./overlay-view.ts";
import type { Policy } from "./policy.ts";
import { type Result, type Where, error } from "./results.ts";
import { type Role, ROLES, containerField, mainContainer, migrationJobs } from "./roles.ts";
import type { ShopModel } from "./shop-model.ts";
import { MIGRATION_JOB_BASE, SHORT_SHA, containersOf } from "./shop-objects.ts";

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const PIN_HOWTO = "pin a 7-character git short SHA, e.g. `npm run set-image -- <env> <medusa|storefront> a1b2c3d`";

export interface MigrationJobPlan {
  job: KubeObject;
  /** The name the Job must have: medusa-migrate-<medusa tag>, behind whatever prefix the build gave it. */
  name: string;
}

/**
 * The migration Job is named after the medusa image tag, so every new image
 * gets a new Job (Jobs are immutable) and the name says what it migrated to.
 */
export function planMigrationJob(model: ShopModel, policy: Policy): { plan?: MigrationJobPlan; results: Result[] } {
  const { view } = model;
  const results = checkPins(model, policy);
  const medusa = model.servers.medusa;
  const jobs = migrationJobs(view.objects);
  if (!medusa) {
    // Several Deployments labelled app=medusa are the model's finding (app-workload) already.
    const several = model.workloads.medusa.filter((w) => w.kind === "Deployment").length > 1;
    return { results: several ? results : [...results, error("job-no-medusa", `${view.label}: no Deployment with pod label app=medusa`)] };
  }
  if (jobs.length !== 1) {
    return { results: [...results, error("job-count", `${view.label}: expected exactly one ${MIGRATION_JOB_BASE} Job, found ${jobs.length}`)] };
  }
  const job = jobs[0]!;
  const medusaContainer = mainContainer(medusa, "medusa");
  const image: string = medusaContainer?.image ?? "";
  const { tag } = parseImageRef(image);
  // A sidecar of another image (a database proxy) may run beside the migration; every container
  // of the medusa image must run the very image that rolls out, and one must run it.
  const repo = parseImageRef(image).name;
  const main = containersOf(job).filter(({ init, container: c }) => !init);
  const medusaRuns = main.filter(({ container: c }) => typeof c?.image === "string" && parseImageRef(c.image).name === repo);
  for (const { container: c, path } of medusaRuns.length ? medusaRuns.filter(({ container: c }) => c.image !== image) : main) {
    results.push(error("job-image", `runs "${c?.image}" but the medusa Deployment runs "${image}"; migrations must come from the image that rolls out`, {
      ref: refOf(job), field: `${path}.image`, ...fileWhere(view, job, fieldOf(c, "image")),
    }));
  }
  if (!tag) {
    results.push(error("job-no-tag", `the medusa image "${image}" has no tag to name the migration Job after; ${PIN_HOWTO}`,
      imageWhere(view, medusa, medusaContainer)));
    return { results };
  }
  const { before, after } = affixes(job);
  const name = `${before}${MIGRATION_JOB_BASE}-${tag}${after}`;
  const full = `${view.namePrefix}${name}${view.nameSuffix}`;
  if (!DNS_LABEL.test(full)) {
    results.push(error("job-name-invalid", `the tag "${tag}" would name the migration Job "${full}", which is not a DNS label (lowercase letters, digits and '-', at most 63 characters); ${PIN_HOWTO}`,
      imageWhere(view, medusa, medusaContainer)));
    return { results };
  }
  return { plan: { job, name }, results };
}

/**
 * What the Job's name has around medusa-migrate[-<tag>]: whatever stands before it (a namePrefix),
 * and a nameSuffix after it, which only a build handed to a plugin shows: it records the names the
 * Job had before, and the suffix is what the current name adds after the closest tagged one (the
 * derived component names the Job after its tag before the overlay's suffix is added).
 */
function affixes(job: KubeObject): { before: string; after: string } {
  const current = job.metadata!.name!;
  const before = current.slice(0, current.indexOf(MIGRATION_JOB_BASE));
  const afters = namesOf(job).slice(1)
    .filter((n) => n.includes(`${MIGRATION_JOB_BASE}-`) && current.includes(n))
    .map((n) => current.slice(current.indexOf(n) + n.length));
  const after = afters.length ? afters.reduce((a, b) => (b.length < a.length ? b : a)) : "";
  return { before, after };
}

function checkPins(model: ShopModel, policy: Policy): Result[] {
  if (!policy.requirePinnedSha) return [];
  const { view } = model;
  return ROLES.flatMap((role: Role) => {
    const deployment = model.servers[role];
    const container = deployment && mainContainer(deployment, role);
    if (!deployment || !container) return [];
    const { tag, digest } = parseImageRef(container.image ?? "");
    if (tag !== undefined && SHORT_SHA.test(tag)) return [];
    const what = tag === undefined ? (digest ? "is pinned by digest only" : "has no tag") : `has the tag "${tag}"`;
    return [error("image-not-pinned", `policy ${policy.name} requires a pinned short SHA, but the ${role} image "${container.image}" ${what}; ${PIN_HOWTO}`,
      imageWhere(view, deployment, container))];
  });
}

/** A Deployment's image is set by whatever file set its tag (an overlay's `images:`), so findings name that. */
function imageWhere(view: OverlayView, deployment: KubeObject, container: object | undefined): Where {
  return {
    ref: refOf(deployment),
    field: containerField(deployment, container, "image"),
    ...fileWhere(view, deployment, fieldOf(container, "image")),
  };
}
