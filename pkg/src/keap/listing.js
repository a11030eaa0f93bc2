// What Keap REST v1 answers to `GET /v1/{list}`, pure: the table, the query, the instant and
// the drawn fault in, `{status, headers, body}` out. The visibility, paging and truncation
// are hub/listing.js's generic parts; the envelope and the quirks are Keap's
// (reference/keap-rest-v1-facts.md §1, §2, §8):
// - `{<key>: [...], count, next, previous}` (+ `sync_token` on appointments and tasks);
//   `count` is the number of items on the page (what AMP's fixture shows; the facts call it
//   ambiguous);
// - `next`/`previous` are absolute urls with a `/` before `?`, `order=id` added, the query's
//   other parameters copied EXCEPT `optional_properties`; `next` is there on the last page
//   too, `next.offset` = offset + limit and `next.limit` = the items just returned;
// - default `limit` 1000; `since`/`until` (inclusive) on the updated date where the list has them.

import { pageOf, spoiled, visibleRows } from "../hub/listing.js";
import { parseInstant } from "../hub/ceql.js";

/** Keap's observed default page. */
export const KEAP_DEFAULT_LIMIT = 1000;

/** Keap's 500 (the spec's Error schema is a Java Throwable; observed errors carry `message`). */
export const SERVER_ERROR_BODY = Object.freeze({ message: "Internal Server Error" });

/** A v1 application error: `{message}`. @returns {import("../hub/listing.js").Reply} */
export function keapFailure(status, message) {
  return { status, headers: {}, body: { message } };
}

/**
 * The answer to a list read.
 * @param {import("./records.js").KeapList} list
 * @param {import("../hub/records.js").ResourceTable} table
 * @param {{params: URLSearchParams, url: string}} query `url`: the absolute url of the list, no query
 * @param {{now: number, fault: import("../hub/listing.js").Fault}} at
 * @returns {import("../hub/listing.js").Reply}
 */
export function keapList(list, table, query, at) {
  const { params } = query;
  const paging = keapPaging(params);
  if ("error" in paging) return keapFailure(400, paging.error);
  const filter = dateFilter(list, params);
  if ("error" in filter) return keapFailure(400, filter.error);
  const order = params.get("order") ?? "id";
  const sortField = order === "id" ? table.schema.idField : order;
  if (![table.schema.idField, table.schema.updatedField, table.schema.createdField].includes(sortField)) {
    return keapFailure(400, `Invalid order: ${order}`);
  }
  const rows = visibleRows(table, at.now, filter.test);
  if (sortField === table.schema.idField) rows.sort((a, b) => a[sortField] - b[sortField]);
  else rows.sort((a, b) => parseInstant(a[sortField]) - parseInstant(b[sortField]) || a.id - b.id);
  const page = pageOf(rows, paging.offset, paging.limit);
  const wanted = new Set(params.getAll("optional_properties").flatMap((p) => p.split(",")));
  const items = page.items.map((r) => present(list, r, wanted));

  const link = (limit, offset) => {
    const p = new URLSearchParams();
    for (const [k, v] of params) if (!["optional_properties", "limit", "offset", "order"].includes(k)) p.append(k, v);
    return `${query.url}/?limit=${limit}&offset=${offset}${p.size ? `&${p}` : ""}&order=${encodeURIComponent(order)}`;
  };
  /** @type {Record<string, unknown>} */
  const body = {
    [list.envelope]: items,
    count: items.length,
    next: link(items.length, paging.offset + paging.limit),
    previous: link(paging.limit, Math.max(0, paging.offset - paging.limit)),
  };
  if (list.syncToken) body.sync_token = `sim-sync-${table.versions().length}`;
  return spoiled({ status: 200, headers: {}, body }, at.fault);
}

/** What a list shows of a record: optional properties only when asked for, contacts' `last_updated_utc_millis`. */
function present(list, record, wanted) {
  const out = structuredClone(record);
  for (const p of list.optionalProperties) if (!wanted.has(p)) delete out[p];
  if (list.envelope === "contacts") out.last_updated_utc_millis = parseInstant(record.last_updated);
  return out;
}

/**
 * `limit` (absent or 0: 1000) and `offset` (default 0), whole numbers.
 * @param {URLSearchParams} params
 * @returns {{limit: number, offset: number} | {error: string}}
 */
export function keapPaging(params) {
  const whole = (name, dflt) => {
    const text = params.get(name);
    if (text === null || text === "") return dflt;
    const n = Number(text);
    return Number.isInteger(n) && n >= 0 ? n : undefined;
  };
  const limit = whole("limit", KEAP_DEFAULT_LIMIT);
  if (limit === undefined) return { error: `Invalid limit: ${params.get("limit")}` };
  const offset = whole("offset", 0);
  if (offset === undefined) return { error: `Invalid offset: ${params.get("offset")}` };
  return { limit: limit === 0 ? KEAP_DEFAULT_LIMIT : limit, offset };
}

/**
 * `since`/`until` as a filter on the list's date field (inclusive both ends); a list without
 * a date filter ignores them, as Keap ignores parameters a list does not take.
 */
function dateFilter(list, params) {
  const bounds = {};
  if (!list.sinceField) return { test: () => true };
  for (const name of ["since", "until"]) {
    const text = params.get(name);
    if (text === null || text === "") continue;
    const t = parseInstant(text);
    if (t === undefined) return { error: `Invalid ${name} date: ${text} (expected e.g. 2017-01-01T22:17:59.039Z)` };
    bounds[name] = t;
  }
  const field = list.sinceField;
  return {
    test: (record) => {
      const t = parseInstant(record[field]);
      if (t === undefined) return false;
      return (bounds.since === undefined || t >= bounds.since) && (bounds.until === undefined || t <= bounds.until);
    },
  };
}
