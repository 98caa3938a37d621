/** An object of a kustomize build: the function's KubeObject with the fields kustomize refuses to emit without. */
import type { KubeObject } from "../../functions/src/core/kube.ts";

export type BuiltObject = KubeObject & { apiVersion: string; kind: string; metadata: { name: string }; [k: string]: unknown };
