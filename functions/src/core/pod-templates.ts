/**
 * Core: the pod templates of an output with their owners, and the ConfigMaps and Secrets a pod
 * reads.
 */
import { type KubeObject, type Renames, isNamed, secretWrittenBy } from "./kube.ts";
import { type PodReference, podLabels, podReferences, podSpecOf } from "./shop-objects.ts";

/** One pod template of the output: the workload that owns it, its labels, its spec and where that spec sits. */
export interface PodTemplate {
  owner: KubeObject;
  namespace: string | undefined;
  labels: Record<string, string>;
  spec: any;
  path: string;
}

export function podTemplates(objects: readonly KubeObject[]): PodTemplate[] {
  return objects.flatMap((o) => {
    const at = podSpecOf(o);
    return at ? [{ owner: o, namespace: o.metadata?.namespace, labels: podLabels(o), spec: at.spec, path: at.path }] : [];
  });
}

/** The ConfigMaps and Secrets a pod reads: envFrom, env valueFrom and volume sources (not its pull secrets). */
export const configReferences = (o: KubeObject): PodReference[] =>
  podReferences(o).filter((r) => (r.kind === "ConfigMap" || r.kind === "Secret") && r.via !== "imagePullSecrets");

/** Objects live in one namespace per build; a missing namespace matches any (package mode sets none). */
export const sameNamespace = (a: string | undefined, b: string | undefined): boolean => a === undefined || b === undefined || a === b;

/**
 * The object that gives a pod in `namespace` the ConfigMap or Secret it reads as `name`: that
 * ConfigMap or Secret of the output, else, for a Secret, the ExternalSecret that writes it.
 */
export function providerOf(objects: readonly KubeObject[], namespace: string | undefined, kind: string, name: string, renames: Renames): KubeObject | undefined {
  const here = objects.filter((o) => sameNamespace(o.metadata?.namespace, namespace));
  return here.find((o) => o.kind === kind && isNamed(o, name)) ?? (kind === "Secret" ? here.find((o) => secretWrittenBy(o, renames) === name) : undefined);
}
