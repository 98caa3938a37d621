import { parseImageRef } from "./image-ref.ts";
import { type KubeObject, refOf } from "./kube.ts";
import { type OverlayView, fieldOf, fileWhere } from "./overlay-view.ts";
import type { Policy } from "./policy.ts";
import { type Result, type Where, error } from "./results.ts";
import { type Role, ROLES, containerField, deploymentFor, mainContainer, migrationJobs } from "./roles.ts";
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
export function planMigrationJob(view: OverlayView, policy: Policy): { plan?: MigrationJobPlan; results: Result[] } {
  const results = checkPins(view, policy);
  const medusa = deploymentFor(view.objects, "medusa");
  const jobs = migrationJobs(view.objects);
  if (!medusa) return { results: [...results, error("job-no-medusa", `${view.label}: no Deployment with pod label app=medusa`)] };
  if (jobs.length !== 1) {
    return { results: [...results, error("job-count", `${view.label}: expected exactly one ${MIGRATION_JOB_BASE} Job, found ${jobs.length}`)] };
  }
  const job = jobs[0]!;
  const medusaContainer = mainContainer(medusa, "medusa");
  const image: string = medusaContainer?.image ?? "";
  const { tag } = parseImageRef(image);
  for (const { container: c, path, init } of containersOf(job)) {
    if (!init && c?.image !== image) {
      results.push(error("job-image", `runs "${c?.image}" but the medusa Deployment runs "${image}"; migrations must come from the image that rolls out`, {
        ref: refOf(job), field: `${path}.image`, ...fileWhere(view, job, fieldOf(c, "image")),
      }));
    }
  }
  if (!tag) {
    results.push(error("job-no-tag", `the medusa image "${image}" has no tag to name the migration Job after; ${PIN_HOWTO}`,
      imageWhere(view, medusa, medusaContainer)));
    return { results };
  }
  const current = job.metadata!.name!;
  const prefix = current.slice(0, current.indexOf(MIGRATION_JOB_BASE));
  const name = `${prefix}${MIGRATION_JOB_BASE}-${tag}`;
  const full = `${view.namePrefix}${name}${view.nameSuffix}`;
  if (!DNS_LABEL.test(full)) {
    results.push(error("job-name-invalid", `the tag "${tag}" would name the migration Job "${full}", which is not a DNS label (lowercase letters, digits and '-', at most 63 characters); ${PIN_HOWTO}`,
      imageWhere(view, medusa, medusaContainer)));
    return { results };
  }
  return { plan: { job, name }, results };
}

function checkPins(view: OverlayView, policy: Policy): Result[] {
  if (!policy.requirePinnedSha) return [];
  return ROLES.flatMap((role: Role) => {
    const deployment = deploymentFor(view.objects, role);
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
