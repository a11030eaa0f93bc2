// What a simulated provider answers to a read, as pure functions: a table, the query, the
// instant and the fault drawn for the request in, `{status, headers, body}` out. No I/O and no
// clock: `simulator.js` (the HTTP adapter) routes, checks the credentials, draws the fault,
// waits its latency and writes what these return. The paging, fault and truncation helpers
// know nothing of the hub, so a Keap simulator can answer with them too.

import { CeqlError, checkDateLiterals, compileWhere, fieldsOf, parseWhere } from "./ceql.js";

/**
 * A response to write. `abort`: write the headers (whose content-length counts the whole
 * body) and `body`, then destroy the socket.
 * @typedef {object} Reply
 * @property {number} status
 * @property {Record<string, string>} headers what the provider adds; the adapter adds the
 *   content type, length, security and CORS headers
 * @property {unknown} body JSON to serialize, or a string written as it is
 * @property {boolean} [abort]
 */

/**
 * The fault drawn for one request (`FaultPlan.draw`).
 * @typedef {{fault: import("./faults.js").FaultKind, status?: number, retryAfter: number}} Fault
 */

/**
 * When the query runs: `now` decides which versions are visible; `dateMs` is the provider's
 * own clock (with its skew), stamped on the `Date` header and the throttle's expiry.
 * @typedef {{now: number, dateMs: number, fault: Fault, requestId: string}} At
 */

/** The hub's default and largest page. */
export const HUB_PAGE_SIZE = 200;
export const HUB_MAX_PAGE_SIZE = 5000;

// ---- generic: any provider ---------------------------------------------------------------

/**
 * The rows a query sees, in the order pages cut them: by updated instant, then id, so a page
 * boundary falls in the same place on every pass.
 * @param {import("./records.js").ResourceTable} table
 * @param {number} now
 * @param {(record: any) => boolean} filter
 */
export function visibleRows(table, now, filter) {
  const id = table.schema.idField;
  const rows = table.visible(now).filter((v) => filter(v.record));
  rows.sort((a, b) => a.updated - b.updated || a.record[id] - b.record[id]);
  return rows.map((v) => v.record);
}

/**
 * One page of `rows` from `offset`; `next` is the offset of the next page, absent at the end.
 * @template T
 * @param {T[]} rows
 * @param {number} offset
 * @param {number} size
 * @returns {{items: T[], total: number, next?: number}}
 */
export function pageOf(rows, offset, size) {
  const items = rows.slice(offset, offset + size);
  return offset + size < rows.length
    ? { items, total: rows.length, next: offset + size }
    : { items, total: rows.length };
}

/**
 * The headers of a Keap throttle (the hub passes them through): a 429 for `retryAfter` seconds.
 * @param {number} retryAfter seconds
 * @param {number} dateMs the provider's clock
 */
export function throttleHeaders(retryAfter, dateMs) {
  return {
    "retry-after": String(retryAfter),
    "x-keap-product-throttle-limit": "10",
    "x-keap-product-throttle-time-unit": "SECONDS",
    "x-keap-product-throttle-interval": "1",
    "x-keap-product-throttle-available": "0",
    "x-keap-product-throttle-used": "10",
    "x-keap-product-throttle-expiry-time": new Date(dateMs + retryAfter * 1000).toISOString(),
  };
}

/**
 * A successful reply as a `truncate` or `abort` fault spoils it (other faults leave it alone):
 * half the JSON bytes (at least one). `truncate` ends cleanly, so the body is simply not JSON;
 * `abort` announces the whole length and the socket dies after the half.
 * @param {Reply} reply
 * @param {Fault} fault
 * @returns {Reply}
 */
export function spoiled(reply, fault) {
  if (fault.fault !== "truncate" && fault.fault !== "abort") return reply;
  const whole = new TextEncoder().encode(typeof reply.body === "string" ? reply.body : JSON.stringify(reply.body));
  const half = whole.subarray(0, Math.max(1, Math.floor(whole.length / 2)));
  if (fault.fault === "truncate") return { ...reply, body: new TextDecoder().decode(half) };
  return { ...reply, headers: { ...reply.headers, "content-length": String(whole.length) }, body: half, abort: true };
}

// ---- the Cloud Elements hub ---------------------------------------------------------------

/**
 * The hub's answer to `GET /hubs/crm/{resource}[/{id}]`: a throttle or server error when one
 * is drawn, else the record `id`, else a page of the records the `where` clause selects
 * (`pageSize`, `nextPage`; `elements-next-page-token` while rows remain).
 * @param {import("./records.js").ResourceTable} table
 * @param {{id?: string, params: URLSearchParams}} query `id` decoded
 * @param {At} at
 * @returns {Reply}
 */
export function hubRead(table, query, at) {
  const { fault } = at;
  const date = { date: new Date(at.dateMs).toUTCString() };
  if (fault.fault === "throttle")
    return hubFailure(at, 429, "Request Throttled", throttleHeaders(fault.retryAfter, at.dateMs));
  if (fault.fault === "serverError")
    return hubFailure(at, fault.status ?? 503, "The provider returned an error: Service Unavailable");

  if (query.id !== undefined) {
    const v = table.visible(at.now).find((x) => String(x.record[table.schema.idField]) === query.id);
    if (!v) return hubFailure(at, 404, `No ${table.name} record with id ${query.id}`);
    return { status: 200, headers: date, body: v.record };
  }

  const filter = hubFilter(table, query.params.get("where"));
  if ("error" in filter) return hubFailure(at, 400, filter.error);
  const paging = hubPaging(query.params);
  if ("error" in paging) return hubFailure(at, 400, paging.error);
  const page = pageOf(visibleRows(table, at.now, filter.test), paging.offset, paging.size);
  /** @type {Record<string, string>} */
  const headers = {
    ...date,
    "elements-returned-count": String(page.items.length),
    "elements-total-count": String(page.total),
  };
  if (page.next !== undefined) headers["elements-next-page-token"] = encodeToken(page.next);
  return spoiled({ status: 200, headers, body: page.items }, fault);
}

/**
 * A hub error: `{requestId, message}` with the `Date` header.
 * @param {{dateMs: number, requestId: string}} at
 * @param {number} status
 * @param {string} message
 * @param {Record<string, string>} [extra]
 * @returns {Reply}
 */
export function hubFailure(at, status, message, extra = {}) {
  return {
    status,
    headers: { date: new Date(at.dateMs).toUTCString(), ...extra },
    body: { requestId: at.requestId, message },
  };
}

/**
 * A CEQL `where` clause as a record filter: every field must be one the table has held, and a
 * date field compares with instants only. No clause (or a blank one) keeps every record.
 * @param {import("./records.js").ResourceTable} table
 * @param {string|null} where
 * @returns {{test: (record: any) => boolean} | {error: string}}
 */
export function hubFilter(table, where) {
  if (where === null || where.trim() === "") return { test: () => true };
  try {
    const tree = parseWhere(where);
    fieldsOf(tree, (field) => {
      if (!table.knownFields.has(field)) throw new CeqlError(`Unknown field '${field}' for ${table.name}`, 1);
    });
    checkDateLiterals(tree, table.dateFields);
    return { test: compileWhere(tree, table.dateFields) };
  } catch (e) {
    if (e instanceof CeqlError) return { error: `Invalid where clause: ${e.message}` };
    throw e;
  }
}

/**
 * `pageSize` (default 200, at most 5000) and `nextPage` (a token the hub gave) as an offset.
 * @param {URLSearchParams} params
 * @returns {{size: number, offset: number} | {error: string}}
 */
export function hubPaging(params) {
  const sizeText = params.get("pageSize");
  let size = HUB_PAGE_SIZE;
  if (sizeText !== null) {
    size = Number(sizeText);
    if (!Number.isInteger(size) || size < 1) return { error: `pageSize must be a positive integer, not '${sizeText}'` };
    size = Math.min(size, HUB_MAX_PAGE_SIZE);
  }
  let offset = 0;
  const token = params.get("nextPage");
  if (token !== null && token !== "") {
    const o = decodeToken(token);
    if (o === undefined) return { error: `Invalid nextPage token '${token}'` };
    offset = o;
  }
  return { size, offset };
}

/** The hub's page token: opaque to a client, an offset here. @param {number} offset */
export function encodeToken(offset) {
  return Buffer.from(JSON.stringify({ o: offset })).toString("base64url");
}

/** @param {string} token @returns {number|undefined} */
export function decodeToken(token) {
  try {
    const v = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
    return Number.isInteger(v?.o) && v.o >= 0 ? v.o : undefined;
  } catch {
    return undefined;
  }
}
