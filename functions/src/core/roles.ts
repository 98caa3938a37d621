/**
 * The two application components are recognised by their pods' `app` label, the one thing
 * kustomize's namePrefix/nameSuffix never rewrite; shop-model.ts finds everything else from there.
 */
import type { KubeObject } from "./kube.ts";
import { isMigrationJob, podSpecOf } from "./shop-objects.ts";

export type Role = "medusa" | "storefront";
export const ROLES: readonly Role[] = ["medusa", "storefront"];

/** The container that runs the component's image: the one named after it, else the first. */
export function mainContainer(deployment: KubeObject, role: Role) {
  const containers: any[] = podSpecOf(deployment)?.spec.containers ?? [];
  return containers.find((c) => c?.name === role) ?? containers[0];
}

export const migrationJobs = (objects: readonly KubeObject[]): KubeObject[] => objects.filter(isMigrationJob);

export function containerField(deployment: KubeObject, container: object | undefined, field: string): string {
  const pod = podSpecOf(deployment);
  const i = (pod?.spec.containers ?? []).indexOf(container as never);
  return `${pod?.path ?? "spec.template.spec"}.containers[${i < 0 ? 0 : i}].${field}`;
}
