// An instance's identity: what its eventIds are hashed from (PollCycle, detection) and what its
// keys in a store start with (Poller). One rule, so the two can never disagree.

/**
 * `id` when the caller gives one (e.g. the platform's instance id). Otherwise the body's name
 * (else its element key) and, when the hub and the instance's Element token are known, a
 * fingerprint of them: two instances are two instances even when they share a name, so they
 * never share state or eventIds. The token itself never appears in the identity.
 * @param {object|undefined} body a normalized instance body
 * @param {{id?: string, baseUrl?: string, auth?: {element?: string}}} [where]
 * @returns {{elementKey: string|undefined, instanceId: string|undefined}}
 */
export function instanceIdentity(body, { id, baseUrl, auth } = {}) {
  const elementKey = body?.element?.key;
  if (id !== undefined) return { elementKey, instanceId: String(id) };
  const name = body?.name ?? elementKey;
  if (typeof baseUrl !== "string" || typeof auth?.element !== "string") return { elementKey, instanceId: name };
  const fingerprint = fnv1a64([elementKey ?? "", baseUrl.replace(/\/+$/, ""), auth.element].join("\x1f"));
  return { elementKey, instanceId: `${name ?? "instance"}~${fingerprint}` };
}

/** FNV-1a, 64 bits, as 16 hex digits: short and stable; the token in it is long and random, so 64 bits of hash do not give it away. */
function fnv1a64(text) {
  let h = 0xcbf29ce484222325n;
  for (const b of new TextEncoder().encode(text)) {
    h ^= BigInt(b);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h.toString(16).padStart(16, "0");
}
