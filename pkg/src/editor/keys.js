// The keys of a body the core reads, in the order the editor writes them: taken from the
// core's JSON Schema (`configSchema`), not copied from it, so a key the core learns is known
// here too. The schema lists the body's keys in the order documents write them (the order
// `buildInstance` writes; tests/js/editor-keys.test.js checks both agree).

/**
 * @typedef {object} SchemaKeys
 * @property {string[]} body top-level keys of a body
 * @property {string[]} poller keys of a resource poller (a deprecated spelling is not one)
 * @property {string[]} dates keys of `datesConfiguration`
 * @property {string[]} reconcile keys of `reconcile` (the opt-in to DELETED events)
 * @property {Record<string, unknown>} reconcileDefaults what the core takes for a `reconcile` key left out
 */

/**
 * The keys a schema names at each level, in its order; deprecated ones left out (the editor
 * lists a deprecated spelling among the keys it keeps without a field).
 * @param {any} schema `configSchema`
 * @returns {SchemaKeys}
 */
export function keysOf(schema) {
  const poller = schema?.$defs?.poller;
  const reconcile = poller?.properties?.reconcile;
  return {
    body: names(schema),
    poller: names(poller),
    dates: names(poller?.properties?.datesConfiguration),
    reconcile: names(reconcile),
    reconcileDefaults: defaults(reconcile),
  };
}

/** The `default` a schema gives each of a node's keys: a field shows it as its placeholder, never writes it. */
function defaults(node) {
  const props = node?.properties;
  if (!props || typeof props !== "object") return {};
  return Object.fromEntries(
    Object.entries(props)
      .filter(([, p]) => p && typeof p === "object" && "default" in p)
      .map(([k, p]) => [k, p.default]),
  );
}

/** @param {any} node */
function names(node) {
  const props = node?.properties;
  if (!props || typeof props !== "object") return [];
  return Object.entries(props)
    .filter(([, p]) => !p?.deprecated)
    .map(([k]) => k);
}
