/**
 * Composes an overlay from the files of a kpt package, so `kpt fn render`
 * sees what `kustomize build` would emit, for the part of kustomize that
 * kustomization-model.ts allows: file and directory resources, components,
 * strategic-merge patches without directives, inline JSON 6902 patches,
 * targets by group/version/kind/name, images, a top-level
 * namePrefix/nameSuffix, and the names of generated Secrets. Anything else is
 * refused, never guessed.
 */
import { posix } from "node:path";
import type { Node } from "yaml";
import { derivedFilePaths } from "./write-derived-files.ts";
import { parseImageRef, formatImageRef } from "../core/image-ref.ts";
import { type Operation, applyJsonPatch, operationsProblem } from "./json-patch.ts";
import { RENDER_INSTEAD, refusalsOf } from "./kustomization-model.ts";
import { type KubeObject, isPlainObject } from "../core/kube.ts";
import { containersOf } from "../core/shop-objects.ts";
import type { OverlayView } from "../core/overlay-view.ts";
import type { Item } from "../core/resource-list.ts";
import { POLICY_KIND } from "../core/policy.ts";
import { type Result, error } from "../core/results.ts";
import { yamlLib } from "../core/yaml-lib.ts";

const KUSTOMIZATION_FILES = ["kustomization.yaml", "kustomization.yml", "Kustomization"];
const POLICY_FILE = "policy/policy.yaml";
// How a strategic merge patch merges the lists the function can meet: by a key, or by replacing them.
const MERGE_KEY: Record<string, string> = {
  containers: "name", initContainers: "name", ephemeralContainers: "name", env: "name", volumes: "name",
  imagePullSecrets: "name", volumeMounts: "mountPath",
};
const REPLACED_LISTS = new Set(["command", "args", "envFrom", "rules", "tls", "hosts", "paths"]);

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

/** `refusals` are kustomize features the composition does not model; `results` are findings about the files. */
export function composeOverlay(index: PackageIndex, dir: string): { view?: OverlayView; results: Result[]; refusals: Result[] } {
  const composer = new Composer(index, new Set(derivedFilePaths(dir)));
  const built = composer.build(dir, [], true);
  const files = composer.files;
  const view: OverlayView = {
    label: dir,
    objects: built.objects,
    namePrefix: built.prefix,
    nameSuffix: built.suffix,
    fileOf: (node, field) => files.get(node)?.get(field ?? ""),
  };
  const failed = composer.results.length + composer.refusals.length > 0;
  return { view: failed ? undefined : view, results: composer.results, refusals: composer.refusals };
}

interface Built {
  objects: KubeObject[];
  prefix: string;
  suffix: string;
}

class Composer {
  readonly files = new WeakMap<object, Map<string, string>>();
  readonly results: Result[] = [];
  readonly refusals: Result[] = [];
  /** The name each object had when it entered the build: kustomize's patch targets match it too. */
  private readonly originalNames = new WeakMap<object, string>();
  /** `ownFiles`: the overlay's derived files, which this run writes; what they set is never read. */
  constructor(
    private readonly index: PackageIndex,
    private readonly ownFiles: ReadonlySet<string>,
  ) {}

  /** A component (`accumulated` given) adds to and transforms the objects its parent has accumulated so far. */
  build(dir: string, stack: string[], isRoot = false, accumulated?: KubeObject[]): Built {
    const kItem = this.index.kustomization(dir);
    // The overlay's own derived/ component: this run writes it, so until the first render it may not exist.
    if (!kItem && accumulated && this.ownFiles.has(posix.join(dir, "kustomization.yaml"))) return { objects: accumulated, prefix: "", suffix: "" };
    if (!kItem) {
      this.results.push(isRoot ? this.missingOverlay(dir) : error("kustomization-missing", `no kustomization.yaml in ${dir} (or it is excluded by .krmignore)`));
      return { objects: [], prefix: "", suffix: "" };
    }
    if (stack.includes(dir)) {
      this.results.push(error("kustomization-cycle", `kustomization cycle through ${dir}`, { file: kItem.path! }));
      return { objects: [], prefix: "", suffix: "" };
    }
    const k = kItem.object();
    const file = kItem.path!;
    const refusals = refusalsOf(k, file, isRoot);
    if (refusals.length) {
      this.refusals.push(...refusals);
      return { objects: [], prefix: "", suffix: "" };
    }
    const inner = [...stack, dir];
    const out: Built = { objects: accumulated ?? [], prefix: "", suffix: "" };
    for (const entry of list(k.resources)) this.addResource(out, dir, String(entry), file, inner);
    this.addGenerated(out, k, file);
    for (const entry of list(k.components)) this.build(posix.join(dir, String(entry)), inner, false, out.objects);
    const patches = [
      ...list(k.patchesStrategicMerge).map((path, i) => ({ entry: { path }, field: `patchesStrategicMerge[${i}]` })),
      ...list(k.patches).map((entry, i) => ({ entry, field: `patches[${i}]` })),
    ];
    for (const { entry, field } of patches) this.applyPatch(out.objects, dir, entry, file, field);
    this.checkImageTags(kItem);
    for (const image of list(k.images)) this.applyImage(out.objects, image, file);
    // Only the overlay itself may name everything (kustomization-model.ts refuses it below), so nothing below adds to it.
    out.prefix = k.namePrefix ?? "";
    out.suffix = k.nameSuffix ?? "";
    return out;
  }

  /**
   * An overlay is the directory two above its policy's file: a policy anywhere but
   * <overlay>/policy/policy.yaml names a directory that is none, and is the file to move.
   */
  private missingOverlay(dir: string): Result {
    const misplaced = ([path, items]: [string, Item[]]) =>
      posix.dirname(posix.dirname(path)) === dir && path !== posix.join(dir, POLICY_FILE) && items.some((i) => i.kind === POLICY_KIND);
    const policy = [...this.index.byPath].find(misplaced)?.[0];
    if (!policy) return error("kustomization-missing", `no kustomization.yaml in ${dir} (or it is excluded by .krmignore)`);
    return error("kustomization-missing", `a ${POLICY_KIND} configures the overlay two directories above its file, and ${dir} has no kustomization.yaml: move the policy to <overlay>/${POLICY_FILE} of the overlay it configures`, { file: policy });
  }

  /** Generated Secrets count by name only (references to them are checked); their data is never read. */
  private addGenerated(out: Built, k: any, file: string) {
    for (const g of list(k.secretGenerator)) {
      if (typeof g?.name === "string") out.objects.push(this.own({ apiVersion: "v1", kind: "Secret", metadata: { name: g.name } }, file));
    }
  }

  private addResource(out: Built, dir: string, entry: string, file: string, stack: string[]) {
    const target = posix.normalize(posix.join(dir, entry));
    const docs = this.index.byPath.get(target);
    if (docs) {
      for (const o of expandLists(docs.map((item) => structuredClone(item.object())))) {
        this.own(o, target);
        this.originalNames.set(o, o.metadata?.name ?? "");
        out.objects.push(o);
      }
    } else if (this.index.kustomization(target)) {
      out.objects.push(...this.build(target, stack).objects);
    } else {
      this.results.push(error("resource-missing", `resource "${entry}" is not a file or kustomization in this package`, { file, field: "resources" }));
    }
  }

  private applyPatch(objects: KubeObject[], dir: string, entry: any, file: string, field: string) {
    const refuse = (what: string, at = file) => this.refusals.push(error("not-modelled", `${what}; ${RENDER_INSTEAD}`, { file: at, field }));
    const docs: { doc: any; path: string }[] = [];
    if (typeof entry.path === "string") {
      const path = posix.normalize(posix.join(dir, entry.path));
      const items = this.index.byPath.get(path);
      if (!items && this.ownFiles.has(path)) return;
      if (!items) return refuse(`the patch file "${path}" is not visible to the function: a JSON 6902 patch file (a list, which kpt cannot read), or a file .krmignore excludes`);
      for (const item of items) docs.push({ doc: item.object(), path });
    } else {
      let doc: unknown;
      // kustomize reads a patch that starts with `[` as JSON, and only as JSON.
      if (entry.patch.startsWith("[")) {
        try {
          doc = JSON.parse(entry.patch);
        } catch {
          return this.results.push(error("json6902-invalid", "the JSON 6902 patch starts with `[` but is not JSON, which fails `kustomize build`", { file, field }));
        }
      } else doc = yamlLib().parse(entry.patch);
      if (Array.isArray(doc)) return this.applyJsonPatch(objects, doc, entry, file, field);
      docs.push({ doc, path: file });
    }
    for (const { doc: parsed, path } of docs) {
      if (!isPlainObject(parsed)) return refuse("a patch that is neither a mapping (strategic merge) nor a list (JSON 6902)", path);
      const doc: any = parsed;
      const directive = directiveIn(doc, "");
      if (directive) return refuse(`the strategic merge directive \`${directive.key}\` at ${directive.at}`, path);
      const targets = objects.filter((o) => this.matches(o, entry.target, doc));
      if (!entry.target && targets.length === 0) {
        this.results.push(error("patch-no-match", `the patch for ${doc.kind} ${doc.metadata?.name} matches no object, which fails \`kustomize build\``, { file: path }));
      }
      for (const target of targets) {
        const renamed = doc.metadata?.name;
        // A patch names its target by kind and name; it never changes them (kustomize takes them from `target` when given).
        const { metadata, apiVersion: _apiVersion, kind: _kind, ...rest } = doc;
        if (!this.merge(target, rest, path, refuse)) return;
        if (metadata) {
          const { name: _name, ...meta } = metadata;
          if (!this.merge(target, { metadata: meta }, path, refuse)) return;
          if (entry.options?.allowNameChange && renamed && renamed !== target.metadata?.name) {
            target.metadata!.name = renamed;
            this.mark(target.metadata!, "name", path);
          }
        }
      }
    }
  }

  private applyJsonPatch(objects: KubeObject[], ops: unknown[], entry: any, file: string, field: string) {
    const problem = operationsProblem(ops);
    if (problem) return this.results.push(error("json6902-invalid", `the JSON 6902 patch ${problem}`, { file, field }));
    if (!entry.target) return this.results.push(error("json6902-invalid", "a JSON 6902 patch needs a target", { file, field }));
    for (const o of objects.filter((x) => this.matches(x, entry.target, undefined))) {
      const applied = applyJsonPatch(o, ops as Operation[]);
      if ("problem" in applied) {
        this.results.push(error("json6902-failed", `the JSON 6902 patch cannot apply to ${o.kind} ${o.metadata?.name}: ${applied.problem}, which fails \`kustomize build\``, { file, field }));
      }
    }
  }

  /** Strategic merge of `patch` into `target`; false (after a refusal) when it meets a list it cannot merge exactly. */
  private merge(target: any, patch: Record<string, unknown>, file: string, refuse: (what: string, at?: string) => void): boolean {
    for (const [key, value] of Object.entries(patch)) {
      const current = target[key];
      if (value === null) delete target[key];
      else if (isPlainObject(value) && isPlainObject(current)) {
        if (!this.merge(current, value, file, refuse)) return false;
      } else if (Array.isArray(value) && Array.isArray(current) && !REPLACED_LISTS.has(key)) {
        const mergeKey = MERGE_KEY[key];
        if (!mergeKey) {
          refuse(`merging the list \`${key}\`, whose strategic merge strategy the function does not know`, file);
          return false;
        }
        const patched = new Set<unknown>();
        for (const element of value) {
          const match = isPlainObject(element) ? current.find((c: any) => c?.[mergeKey] === element[mergeKey]) : undefined;
          if (match) {
            if (!this.merge(match, element as Record<string, unknown>, file, refuse)) return false;
            patched.add(match);
          } else patched.add(this.own(structuredClone(element), file));
        }
        // kustomize lists the patch's elements first, in the patch's order, then the others in theirs.
        current.splice(0, current.length, ...patched, ...current.filter((c) => !patched.has(c)));
      } else {
        target[key] = isPlainObject(value) || Array.isArray(value) ? this.own(structuredClone(value), file) : value;
        this.mark(target, key, file);
      }
    }
    return true;
  }

  private matches(o: KubeObject, target: any, doc: any): boolean {
    const names = [o.metadata?.name ?? "", this.originalNames.get(o) ?? ""];
    if (target) {
      const [group, version] = groupVersion(o.apiVersion ?? "");
      // kustomize reads an empty selector field as no selector at all.
      if (target.group && !anchored(target.group).test(group)) return false;
      if (target.version && !anchored(target.version).test(version)) return false;
      if (target.kind && !anchored(target.kind).test(o.kind ?? "")) return false;
      if (target.name && !names.some((n) => anchored(target.name).test(n))) return false;
      return true;
    }
    // Without a target, kustomize finds the patched object by its whole apiVersion, kind and name.
    return o.kind === doc?.kind && o.apiVersion === doc?.apiVersion && names.includes(doc?.metadata?.name);
  }

  private checkImageTags(kItem: Item) {
    // sigs.k8s.io/yaml reads YAML 1.1, this package 1.2: a tag must be a string under both.
    for (const version of ["1.1", "1.2"] as const) {
      const doc = yamlLib().parseDocument(kItem.source, { version });
      const found = list(doc.toJS()?.images).flatMap((image: any, i: number) => {
        if (image?.newTag === undefined || typeof image.newTag === "string") return [];
        const { range } = doc.getIn(["images", i, "newTag"], true) as Node;
        const text = kItem.source.slice(range![0], range![1]);
        return [error("image-tag-type", `newTag ${text} is read as a ${typeof image.newTag}, not a string: quote it ("${text}")`, {
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
      for (const { container: c } of containersOf(o)) {
        if (typeof c.image !== "string") continue;
        const ref = parseImageRef(c.image);
        if (ref.name !== image?.name) continue;
        // As kustomize's image transformer: empty fields are unset, and a new tag or digest replaces both old ones.
        const replaced = Boolean(image.newTag || image.digest);
        c.image = formatImageRef({
          name: image.newName || ref.name,
          tag: replaced ? (image.newTag ? String(image.newTag) : undefined) : ref.tag,
          digest: replaced ? image.digest || undefined : ref.digest,
        });
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

/**
 * As kustomize reads a resource file: an object whose kind ends in `List` stands for its `items`,
 * which follow the file's other objects (nested lists too); a list without items adds nothing.
 */
function expandLists(objects: KubeObject[]): KubeObject[] {
  const out: KubeObject[] = [];
  const queue = [...objects];
  for (let o = queue.shift(); o; o = queue.shift()) {
    if (typeof o.kind === "string" && o.kind.endsWith("List")) queue.push(...list((o as any).items).filter(isPlainObject));
    else out.push(o);
  }
  return out;
}

const groupVersion = (apiVersion: string): [string, string] => {
  const slash = apiVersion.indexOf("/");
  return slash < 0 ? ["", apiVersion] : [apiVersion.slice(0, slash), apiVersion.slice(slash + 1)];
};

/** The first strategic merge directive (`$patch`, `$retainKeys`, `$setElementOrder/...`) in a patch. */
function directiveIn(node: unknown, at: string): { key: string; at: string } | undefined {
  if (Array.isArray(node)) {
    for (const [i, x] of node.entries()) {
      const found = directiveIn(x, `${at}[${i}]`);
      if (found) return found;
    }
  } else if (isPlainObject(node)) {
    for (const [k, v] of Object.entries(node)) {
      if (k.startsWith("$")) return { key: k, at: at || "(root)" };
      const found = directiveIn(v, at ? `${at}.${k}` : k);
      if (found) return found;
    }
  }
  return undefined;
}

const anchored = (pattern: string) => new RegExp(`^(?:${pattern})$`);
