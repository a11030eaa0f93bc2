// JSON paths as the validator writes them: `configuration["event.poller.configuration"].appointments.url`.
// A key that is an identifier is written `.key`; any other key `["..."]`; an index `[0]`.

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** @param {Array<string|number>} segments */
export function pathOf(segments) {
  let s = "";
  for (const seg of segments) {
    if (typeof seg === "number") s += `[${seg}]`;
    else if (IDENT.test(seg)) s += (s ? "." : "") + seg;
    else s += `[${JSON.stringify(seg)}]`;
  }
  return s;
}

/** True when `path` is `base` or lies inside it. */
export function isWithin(path, base) {
  if (path === base) return true;
  if (base === "") return true;
  return path.startsWith(base) && (path[base.length] === "." || path[base.length] === "[");
}

/** The value at `segments` in `obj`, or undefined. */
export function getAt(obj, segments) {
  let v = obj;
  for (const seg of segments) {
    if (v == null || typeof v !== "object") return undefined;
    v = v[seg];
  }
  return v;
}

/**
 * Sets (or with `undefined`, deletes) the value at `segments`, creating objects on the way.
 * A key that is new is placed by `order` (known keys first, in that order), so a value typed
 * into an empty field lands where a person expects it in the JSON.
 */
export function setAt(obj, segments, value, order = []) {
  let parent = obj;
  for (let i = 0; i < segments.length - 1; i++) {
    const seg = segments[i];
    if (parent[seg] == null || typeof parent[seg] !== "object") {
      if (value === undefined) return;
      parent[seg] = typeof segments[i + 1] === "number" ? [] : {};
    }
    parent = parent[seg];
  }
  const key = segments[segments.length - 1];
  if (value === undefined) {
    if (Array.isArray(parent)) parent.splice(key, 1);
    else delete parent[key];
    return;
  }
  const isNew = !Array.isArray(parent) && !Object.hasOwn(parent, key);
  parent[key] = value;
  if (isNew && order.includes(key)) reorder(parent, order);
}

/** Puts the keys of `obj` named in `order` first, in that order; other keys keep theirs after. */
export function reorder(obj, order) {
  const entries = Object.entries(obj);
  for (const k of Object.keys(obj)) delete obj[k];
  for (const k of order) {
    const e = entries.find(([n]) => n === k);
    if (e) obj[k] = e[1];
  }
  for (const [k, v] of entries) if (!order.includes(k)) obj[k] = v;
}

/**
 * Removes the object at `segments` when it is left with no keys: an optional object whose
 * fields were all cleared goes with them (`reconcile`, not `reconcile: {}`, which would mean
 * something else to the validator). Anything else there, or an object with keys, is kept.
 */
export function dropIfEmpty(obj, segments) {
  const v = getAt(obj, segments);
  if (v && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 0) setAt(obj, segments, undefined);
}
