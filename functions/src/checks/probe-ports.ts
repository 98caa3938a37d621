/**
 * Check: every probe names a port its container declares.
 */
import { refOf } from "../core/kube.ts";
import { type OverlayView, fieldOf, fileWhere } from "../core/overlay-view.ts";
import { podTemplates } from "../core/pod-templates.ts";
import { containersOf } from "../core/shop-objects.ts";
import { type Result, error } from "../core/results.ts";

const PROBES = ["startupProbe", "readinessProbe", "livenessProbe"] as const;
const HANDLERS = ["httpGet", "tcpSocket", "grpc"] as const;

/** Each probe's port is one its container declares, by number or by name. */
export function checkProbePorts(view: OverlayView): Result[] {
  return podTemplates(view.objects).flatMap((t) =>
    containersOf(t.owner).flatMap(({ container, path }) => {
      const ports: any[] = Array.isArray(container?.ports) ? container.ports : [];
      return PROBES.flatMap((probe) =>
        HANDLERS.flatMap((handler) => {
          const port = container?.[probe]?.[handler]?.port;
          if (port === undefined) return [];
          const ok = typeof port === "string" ? ports.some((p) => p?.name === port) : ports.some((p) => p?.containerPort === port);
          if (ok) return [];
          const declared = ports.map((p) => p?.containerPort).join(", ") || "none";
          return [error("probe-port", `container "${container?.name}": ${probe} port ${JSON.stringify(port)} is not a port the container declares (${declared})`, {
            ref: refOf(t.owner),
            field: `${path}.${probe}.${handler}.port`,
            ...fileWhere(view, t.owner, container, fieldOf(container, probe)),
          })];
        }));
    }));
}
