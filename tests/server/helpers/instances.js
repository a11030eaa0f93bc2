// Instance bodies whose resources are the hub simulator's, signed for its receiver.
import { buildInstance } from "elements-poller";

/**
 * `tagged`: each resource's url carries `?poller=<name>`, a parameter the hub ignores and its
 * cycle ledger keys by (the service polls every hub instance with the same credentials, so
 * without it the hub cannot tell two instances' cycles apart); `pageSize`: records a page.
 */
export function hubBody(hub, name, resources, { tagged = false, pageSize } = {}) {
  const config = (r) => {
    const c = hub.pollerConfig(r);
    return {
      ...c,
      ...(tagged ? { url: `${c.url}?poller=${encodeURIComponent(name)}` } : {}),
      ...(pageSize ? { pageSize } : {}),
    };
  };
  return buildInstance({
    element: "infusionsoftrest",
    name,
    code: "grant",
    // A secret long enough to be looked for in the logs (assertNoSecretsLogged).
    oauth: { key: "k", secret: "hub-oauth-secret", callbackUrl: "https://app.example.com/oauth" },
    callbackUrl: hub.webhookUrl,
    signatureKey: hub.signatureKey,
    refreshInterval: 1,
    resources: Object.fromEntries(resources.map((r) => [r, config(r)])),
  });
}

/** Delivered events by `instance/type/id/date`, each with the eventIds and how many times it came. */
export function receivedVersions(hub) {
  const byVersion = new Map();
  for (const r of hub.received().filter((r) => r.status === 200)) {
    if (r.verified !== true) throw new Error("a delivery was not signed with the instance's key");
    for (const e of r.body.message.events) {
      const key = `${r.body.message.instanceId}/${e.objectType}/${e.objectId}/${e.date}`;
      const v = byVersion.get(key) ?? { ids: new Set(), count: 0 };
      v.ids.add(e.eventId);
      v.count++;
      byVersion.set(key, v);
    }
  }
  return byVersion;
}
