/**
 * What an image gives a container in the shop rehearsal: the files of its root and the parts of its
 * config (entrypoint, command, working directory, environment, user) that the kubelet combines with the
 * pod spec. The rehearsal has no registry and no container engine, so each image the overlays name is
 * made here: the app images from the app's source as their Dockerfiles do, the third-party images from
 * the matching Debian package or Go module (images-apps.ts, images-datastores.ts).
 */
export interface ImageFs {
  /** The image's reference as the manifest names it, for messages. */
  ref: string;
  /**
   * Host directories that make up the image's root: each one appears at `at` inside the container,
   * read-only when the container's root is read-only. Later entries are mounted over earlier ones.
   * The runner adds the operating system (the host's /usr, /lib, /bin, ...), /etc, /dev, /proc.
   */
  layers: { host: string; at: string }[];
  /** OCI config: ENTRYPOINT and CMD, overridden by the container's command and args as Kubernetes does. */
  entrypoint?: string[];
  cmd?: string[];
  workingDir?: string;
  /** ENV of the image; the container's env and envFrom come on top. */
  env?: Record<string, string>;
  /** USER of the image, used when the pod sets no runAsUser. */
  user?: { uid: number; gid: number };
  /** STOPSIGNAL of the image: what the runtime sends to stop the container (SIGTERM when unset). */
  stopSignal?: NodeJS.Signals;
  /** Accounts the image's /etc/passwd and /etc/group hold (name → id), so programs find their home. */
  accounts?: { name: string; uid: number; gid: number; home: string }[];
}

/** Finds or makes the image a manifest names; throws with a message naming the image when it cannot. */
export type ImageResolver = (ref: string) => Promise<ImageFs>;
