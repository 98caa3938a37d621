import { posix } from "node:path";
import { isScalar, parse, parseDocument } from "yaml";
import { parseImageRef, formatImageRef } from "./image-ref.js";
import { type KubeObject, isPlainObject, podSpecOf } from "./kube.js";
import type { OverlayView } from "./overlay-view.js";
import type { Item } from "./resource-list.js";
import { type Result, error } from "./results.js";

/**
 * Composes an overlay from the files of a kpt package, so `kpt fn render`
 * sees what `kustomize build` would emit: the subset of kustomize this repo
 * uses (file and directory resources, components, strategic-merge patches
 * with optional target and allowNameChange, images, namePrefix/nameSuffix).
 * What it can't see (JSON 6902 patches, generators, remote bases) the plugin
 * mode checks on the real build.
 */
const KUSTOMIZATION_FILES = ["kustomization.yaml", "kustomization.yml", "Kustomization"];
// Lists kubernetes' strategic merge patch merges by `name` instead of replacing.
const MERGE_BY_NAME = new Set(["containers", "initContainers", "env", "volumes", "volumeMounts", "imagePullSecrets"]);

export class PackageIndex {
  readonly byPath = new Map<string, Item[]>();
  constructor(items: readonly Item[]) {
    for (const item of items) {
      if (!item.path) continue;
      const list = this.byPath.get(item.path) ?? [];
      list.push(item);
      this.byPath.set(item.path, list);
    }
  }
  kustomization(dir: string): Item | undefined {
    for (const name of KUSTOMIZATION_FILES) {
      const found = this.byPath.get(posix.join(dir, name))?.[0];
      if (found) return found;
    }
    return undefined;
  }
}

export function composeOverlay(index: PackageIndex, dir: string): { view?: OverlayView; results: Result[] } {
  const composer = new Composer(index);
  const built = composer.build(dir, []);
  const files = composer.files;
  const view: OverlayView = {
    label: dir,
    objects: built.objects,
    namePrefix: built.prefix,
    nameSuffix: built.suffix,
    fileOf: (node, field) => files.get(node)?.get(field ?? ""),
  };
  return { view: composer.results.length ? undefined : view, results: composer.results };
}

interface Built {
  objects: KubeObject[];
  prefix: string;
  suffix: string;
}

class Composer {
  readonly files = new WeakMap<object, Map<string, string>>();
  readonly results: Result[] = [];
  constructor(private readonly index: PackageIndex) {}

  build(dir: string, stack: string[]): Built {
    const kItem = this.index.kustomization(dir);
    if (!kItem) {
      this.results.push(error(`no kustomization.yaml in ${dir} (or it is excluded by .krmignore)`));
      return { objects: [], prefix: "", suffix: "" };
    }
    if (stack.includes(dir)) {
      this.results.push(error(`kustomization cycle through ${dir}`, { file: kItem.path! }));
      return { objects: [], prefix: "", suffix: "" };
    }
    const k = kItem.object();
    const file = kItem.path!;
    const inner = [...stack, dir];
    const out: Built = { objects: [], prefix: "", suffix: "" };
    for (const entry of list(k.resources)) this.addResource(out, dir, String(entry), file, inner);
    for (const entry of list(k.components)) {
      const sub = this.build(posix.join(dir, String(entry)), inner);
      this.mergeBuilt(out, sub);
    }
    for (const entry of [...list(k.patchesStrategicMerge).map((path) => ({ path })), ...list(k.patches)]) {
      this.applyPatch(out.objects, dir, entry, file);
    }
    this.checkImageTags(kItem);
    for (const image of list(k.images)) this.applyImage(out.objects, image, file);
    out.prefix = `${k.namePrefix ?? ""}${out.prefix}`;
    out.suffix = `${out.suffix}${k.nameSuffix ?? ""}`;
    return out;
  }

  private mergeBuilt(into: Built, sub: Built) {
    into.objects.push(...sub.objects);
    into.prefix = `${sub.prefix}${into.prefix}`;
    into.suffix = `${into.suffix}${sub.suffix}`;
  }

  private addResource(out: Built, dir: string, entry: string, file: string, stack: string[]) {
    const target = posix.normalize(posix.join(dir, entry));
    const docs = this.index.byPath.get(target);
    if (docs) {
      for (const item of docs) out.objects.push(this.own(structuredClone(item.object()), target));
    } else if (this.index.kustomization(target)) {
      this.mergeBuilt(out, this.build(target, stack));
    } else {
      this.results.push(error(`resource "${entry}" is not a file or kustomization in this package`, { file, field: "resources" }));
    }
  }

  private applyPatch(objects: KubeObject[], dir: string, entry: any, file: string) {
    const docs: { doc: any; path: string }[] = [];
    if (typeof entry?.path === "string") {
      const path = posix.normalize(posix.join(dir, entry.path));
      for (const item of this.index.byPath.get(path) ?? []) docs.push({ doc: item.object(), path });
    } else if (typeof entry?.patch === "string") {
      const doc = parse(entry.patch);
      if (isPlainObject(doc)) docs.push({ doc, path: file });
    }
    for (const { doc, path } of docs) {
      const targets = objects.filter((o) => matches(o, entry?.target, doc));
      for (const target of targets) {
        const renamed = doc.metadata?.name;
        const { metadata, ...rest } = doc;
        this.merge(target, rest, path);
        if (metadata) {
          const { name: _name, ...meta } = metadata;
          this.merge(target, { metadata: meta }, path);
          if (entry?.options?.allowNameChange && renamed && renamed !== target.metadata?.name) {
            target.metadata!.name = renamed;
            this.mark(target.metadata!, "name", path);
          }
        }
      }
    }
  }

  private merge(target: any, patch: Record<string, unknown>, file: string) {
    for (const [key, value] of Object.entries(patch)) {
      if (key.startsWith("$")) continue;
      const current = target[key];
      if (value === null) delete target[key];
      else if (isPlainObject(value) && isPlainObject(current)) this.merge(current, value, file);
      else if (Array.isArray(value) && Array.isArray(current) && MERGE_BY_NAME.has(key)) {
        for (const element of value) {
          const match = isPlainObject(element) ? current.find((c: any) => c?.name === element.name) : undefined;
          if (match) this.merge(match, element as Record<string, unknown>, file);
          else current.push(this.own(structuredClone(element), file));
        }
      } else {
        target[key] = isPlainObject(value) || Array.isArray(value) ? this.own(structuredClone(value), file) : value;
        this.mark(target, key, file);
      }
    }
  }

  private checkImageTags(kItem: Item) {
    // sigs.k8s.io/yaml reads YAML 1.1, this package 1.2: a tag must be a string under both.
    for (const version of ["1.1", "1.2"] as const) {
      const doc = parseDocument(kItem.source, { version });
      const found = list(doc.toJS()?.images).flatMap((image: any, i: number) => {
        if (image?.newTag === undefined || typeof image.newTag === "string") return [];
        const node = doc.getIn(["images", i, "newTag"], true);
        const text = isScalar(node) && node.range ? kItem.source.slice(node.range[0], node.range[1]) : String(image.newTag);
        return [error(`newTag ${text} is read as a ${typeof image.newTag}, not a string: quote it ("${text}")`, {
          file: kItem.path!, field: `images[${i}].newTag`,
        })];
      });
      if (found.length) {
        this.results.push(...found);
        return;
      }
    }
  }

  private applyImage(objects: KubeObject[], image: any, file: string) {
    for (const o of objects) {
      const pod = podSpecOf(o);
      for (const c of [...(pod?.spec.initContainers ?? []), ...(pod?.spec.containers ?? [])]) {
        if (typeof c.image !== "string") continue;
        const ref = parseImageRef(c.image);
        if (ref.name !== image?.name) continue;
        if (image.newName) ref.name = image.newName;
        if (image.newTag !== undefined) ref.tag = String(image.newTag);
        if (image.digest) ref.digest = image.digest;
        c.image = formatImageRef(ref);
        this.mark(c, "image", file);
      }
    }
  }

  private own<T extends object>(node: T, file: string): T {
    this.mark(node, "", file);
    return node;
  }

  private mark(node: object, field: string, file: string) {
    const fields = this.files.get(node) ?? new Map<string, string>();
    fields.set(field, file);
    this.files.set(node, fields);
  }
}

const list = (v: unknown): any[] => (Array.isArray(v) ? v : []);

function matches(o: KubeObject, target: any, doc: any): boolean {
  if (target) {
    if (target.kind && !anchored(target.kind).test(o.kind ?? "")) return false;
    if (target.name && !anchored(target.name).test(o.metadata?.name ?? "")) return false;
    if (target.labelSelector) {
      return String(target.labelSelector).split(",").every((pair) => {
        const [k, v] = pair.split("=");
        return o.metadata?.labels?.[k!.trim()] === v?.trim();
      });
    }
    return true;
  }
  return o.kind === doc?.kind && o.metadata?.name === doc?.metadata?.name;
}

const anchored = (pattern: string) => new RegExp(`^(?:${pattern})$`);
