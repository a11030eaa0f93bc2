// An instance body whose resources are the hub simulator's, for the tests that poll it.
import { buildInstance } from "elements-poller";

/**
 * @param {object} hub a started hub simulator
 * @param {string[]} resources resource names
 * @param {{pageSize?: number, signed?: boolean, name?: string}} [options] `signed`: events go
 *   to the simulator's receiver with its signature key
 */
export function hubInstance(hub, resources, { pageSize, signed = false, name = "test" } = {}) {
  return buildInstance({
    element: "infusionsoftrest",
    name,
    code: "grant",
    oauth: { key: "k", secret: "s", callbackUrl: "https://app.example.com/oauth" },
    callbackUrl: signed ? hub.webhookUrl : "https://app.example.com/events",
    ...(signed ? { signatureKey: hub.signatureKey } : {}),
    refreshInterval: 1,
    resources: Object.fromEntries(
      resources.map((r) => [r, pageSize ? { ...hub.pollerConfig(r), pageSize } : hub.pollerConfig(r)]),
    ),
  });
}
