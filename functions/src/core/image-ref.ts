/**
 * Core: container image references split into name, tag and digest, and put back together.
 */
export interface ImageRef {
  /** Everything before the tag or digest: registry/repository. */
  name: string;
  tag?: string;
  digest?: string;
}

export function parseImageRef(image: string): ImageRef {
  let rest = image;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  // A colon after the last slash separates the tag; one before it is a registry port.
  const colon = rest.lastIndexOf(":");
  const ref: ImageRef = { name: rest };
  if (colon > rest.lastIndexOf("/")) {
    ref.name = rest.slice(0, colon);
    ref.tag = rest.slice(colon + 1);
  }
  if (digest) ref.digest = digest;
  return ref;
}

export function formatImageRef(ref: ImageRef): string {
  return `${ref.name}${ref.tag !== undefined ? `:${ref.tag}` : ""}${ref.digest ? `@${ref.digest}` : ""}`;
}
