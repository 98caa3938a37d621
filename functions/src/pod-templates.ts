import { type KubeObject, podLabels, podSpecOf } from "./kube.js";

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

export interface ContainerAt {
  container: any;
  /** Field path of the container inside its object. */
  path: string;
}

export function containersOf(t: PodTemplate): ContainerAt[] {
  return (["initContainers", "containers"] as const).flatMap((list) =>
    (Array.isArray(t.spec?.[list]) ? t.spec[list] : []).map((container: any, i: number) => ({ container, path: `${t.path}.${list}[${i}]` })));
}

/** Objects live in one namespace per build; a missing namespace matches any (package mode sets none). */
export const sameNamespace = (a: string | undefined, b: string | undefined): boolean => a === undefined || b === undefined || a === b;
