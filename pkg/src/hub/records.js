// Simulated Keap (Infusionsoft REST v1) records: schemas, deterministic generation, the
// version history the detection contract is checked against.

import { parseInstant } from "./ceql.js";

/**
 * A small, fast, seedable PRNG (mulberry32). Same seed, same sequence.
 * @param {number} seed
 * @returns {() => number} uniform in [0, 1)
 */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Derives an independent stream seed from a seed and a label. */
export function deriveSeed(seed, label) {
  let h = 2166136261;
  for (const ch of `${seed}/${label}`) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 16777619) >>> 0;
  }
  return h >>> 0;
}

/** Keap v1 date values: `yyyy-MM-dd'T'HH:mm:ss.SSS'Z'` in UTC. */
export const KEAP_DATE_FORMAT = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'";

/** @param {number} ms epoch milliseconds */
export function formatKeapDate(ms) {
  return new Date(ms).toISOString();
}

const FIRST = [
  "Ada",
  "Grace",
  "Alan",
  "Edsger",
  "Barbara",
  "Ken",
  "Margaret",
  "Linus",
  "Radia",
  "Donald",
  "Frances",
  "John",
  "Katherine",
  "Dennis",
  "Hedy",
  "Tim",
];
const LAST = [
  "Lovelace",
  "Hopper",
  "Turing",
  "Dijkstra",
  "Liskov",
  "Thompson",
  "Hamilton",
  "Torvalds",
  "Perlman",
  "Knuth",
  "Allen",
  "Backus",
  "Johnson",
  "Ritchie",
  "Lamarr",
  "Berners-Lee",
];
const COMPANIES = [
  "Acme Corp",
  "Globex",
  "Initech",
  "Umbrella",
  "Hooli",
  "Vandelay Industries",
  "Stark Industries",
  "Wayne Enterprises",
];
const TOPICS = [
  "Discovery call",
  "Quarterly review",
  "Onboarding",
  "Contract renewal",
  "Product demo",
  "Follow-up",
  "Kickoff",
  "Pricing discussion",
];
const PLACES = ["Zoom", "Phone", "Office, room 3", "Client site", "Google Meet", "Cafe downtown"];
const STAGES = [
  [10, "New Opportunity"],
  [20, "Qualified"],
  [30, "Proposal Sent"],
  [40, "Negotiation"],
  [50, "Won"],
  [60, "Lost"],
];
const TASK_TYPES = ["Call", "Email", "Appointment", "Fax", "Letter", "Other"];
const GATEWAYS = ["Stripe", "PayPal", "Authorize.net", "Keap Payments"];

/**
 * @typedef {object} ResourceSchema
 * @property {string} idField
 * @property {string} updatedField
 * @property {string} createdField
 * @property {string} dateFormat Java pattern of every date field
 * @property {string[]} dateFields fields compared as instants in CEQL
 * @property {number} firstId
 * @property {(ctx: GenContext) => object} fields the non-id, non-audit fields of a new record
 * @property {(ms: number) => string} [formatDate] how the audit fields are written (default
 *   formatKeapDate; the Keap simulator writes `+0000`)
 */

/**
 * @typedef {object} GenContext
 * @property {() => number} rand
 * @property {number} id
 * @property {number} at epoch ms of creation
 * @property {<T>(list: T[]) => T} pick
 * @property {(lo: number, hi: number) => number} int
 */

function person(ctx) {
  const first = ctx.pick(FIRST),
    last = ctx.pick(LAST);
  return { first, last, email: `${first}.${last}${ctx.int(1, 999)}@example.com`.toLowerCase() };
}

/** @type {Record<string, ResourceSchema>} */
export const SCHEMAS = {
  appointments: {
    idField: "id",
    updatedField: "modification_date",
    createdField: "creation_date",
    dateFormat: KEAP_DATE_FORMAT,
    firstId: 1001,
    dateFields: ["creation_date", "modification_date", "start_date", "end_date"],
    fields(ctx) {
      const start = ctx.at + ctx.int(1, 30) * 86400000 + ctx.int(8, 17) * 3600000;
      const p = person(ctx);
      return {
        title: `${ctx.pick(TOPICS)} with ${p.first} ${p.last}`,
        description: `Talk about ${ctx.pick(TOPICS).toLowerCase()}.`,
        location: ctx.pick(PLACES),
        start_date: formatKeapDate(start - (start % 1800000)),
        end_date: formatKeapDate(start - (start % 1800000) + ctx.int(1, 4) * 1800000),
        contact_id: ctx.int(1, 500),
        user: ctx.int(1, 12),
        remind_time: ctx.pick([null, 5, 15, 30, 60]),
      };
    },
  },
  contacts: {
    idField: "id",
    updatedField: "last_updated",
    createdField: "date_created",
    dateFormat: KEAP_DATE_FORMAT,
    firstId: 1,
    dateFields: ["date_created", "last_updated"],
    fields(ctx) {
      const p = person(ctx);
      return {
        given_name: p.first,
        family_name: p.last,
        email_addresses: [{ email: p.email, field: "EMAIL1" }],
        phone_numbers: [{ number: `555-01${String(ctx.int(0, 99)).padStart(2, "0")}`, field: "PHONE1", type: "Work" }],
        company: { id: ctx.int(1, COMPANIES.length), company_name: ctx.pick(COMPANIES) },
        owner_id: ctx.int(1, 12),
        email_status: ctx.pick(["SingleOptIn", "DoubleOptin", "UnengagedMarketable", "NonMarketable"]),
        email_opted_in: ctx.rand() < 0.7,
        tag_ids: [ctx.int(90, 99)],
      };
    },
  },
  opportunities: {
    idField: "id",
    updatedField: "last_updated",
    createdField: "date_created",
    dateFormat: KEAP_DATE_FORMAT,
    firstId: 201,
    dateFields: ["date_created", "last_updated", "estimated_close_date", "next_action_date"],
    fields(ctx) {
      const p = person(ctx);
      const [stageId, stageName] = ctx.pick(STAGES);
      const low = ctx.int(1, 50) * 100;
      return {
        opportunity_title: `${ctx.pick(COMPANIES)}: ${ctx.pick(TOPICS)}`,
        contact: { id: ctx.int(1, 500), first_name: p.first, last_name: p.last, email: p.email },
        stage: { id: stageId, name: stageName },
        user: { id: ctx.int(1, 12), first_name: ctx.pick(FIRST), last_name: ctx.pick(LAST) },
        projected_revenue_low: low,
        projected_revenue_high: low + ctx.int(0, 50) * 100,
        estimated_close_date: formatKeapDate(ctx.at + ctx.int(7, 90) * 86400000),
        next_action_date: null,
        next_action_notes: "",
        opportunity_notes: "",
        include_in_forecast: ctx.int(0, 1),
      };
    },
  },
  tasks: {
    idField: "id",
    updatedField: "modification_date",
    createdField: "creation_date",
    dateFormat: KEAP_DATE_FORMAT,
    firstId: 5001,
    dateFields: ["creation_date", "modification_date", "due_date", "completion_date"],
    fields(ctx) {
      const p = person(ctx);
      return {
        title: `${ctx.pick(TASK_TYPES)} ${p.first} ${p.last}`,
        description: `About ${ctx.pick(TOPICS).toLowerCase()}.`,
        type: ctx.pick(TASK_TYPES),
        priority: ctx.int(1, 3),
        completed: false,
        completion_date: null,
        due_date: formatKeapDate(ctx.at + ctx.int(1, 14) * 86400000),
        contact: { id: ctx.int(1, 500), first_name: p.first, last_name: p.last, email: p.email },
        user_id: ctx.int(1, 12),
      };
    },
  },
  orders: {
    idField: "id",
    updatedField: "modification_date",
    createdField: "creation_date",
    dateFormat: KEAP_DATE_FORMAT,
    firstId: 30001,
    dateFields: ["creation_date", "modification_date", "order_date"],
    fields(ctx) {
      const p = person(ctx);
      const qty = ctx.int(1, 5),
        price = ctx.int(5, 200);
      return {
        title: `Order for ${p.first} ${p.last}`,
        status: ctx.pick(["PAID", "UNPAID", "DRAFT"]),
        total: qty * price,
        contact: { id: ctx.int(1, 500), first_name: p.first, last_name: p.last, email: p.email },
        order_date: formatKeapDate(ctx.at),
        order_type: ctx.pick(["Offline", "Online"]),
        source_type: ctx.pick(["API", "MANUAL", "INVOICE"]),
        order_items: [{ id: ctx.int(1, 9999), name: "Widget", quantity: qty, price, type: "Product" }],
      };
    },
  },
  transactions: {
    // Keap transactions have one date; the simulator stamps it again on an update.
    idField: "id",
    updatedField: "transaction_date",
    createdField: "transaction_date",
    dateFormat: KEAP_DATE_FORMAT,
    firstId: 70001,
    dateFields: ["transaction_date"],
    fields(ctx) {
      return {
        amount: ctx.int(5, 1000),
        currency: "USD",
        gateway: ctx.pick(GATEWAYS),
        type: "Sale",
        status: ctx.pick(["Approved", "Approved", "Declined", "Error"]),
        contact_id: ctx.int(1, 500),
        order_ids: String(ctx.int(30001, 30500)),
        collection_method: ctx.pick(["Credit Card", "Cash", "Check"]),
        gateway_account_name: "Main account",
        test: false,
      };
    },
  },
};

/** The resources the simulator serves under `/hubs/crm/`. */
export const RESOURCE_NAMES = Object.keys(SCHEMAS);

/**
 * What a poller configuration needs for each simulated resource: the `url`, `idField`
 * and `datesConfiguration` of an `event.poller.configuration` entry.
 * @param {string} resource
 */
export function pollerConfigFor(resource) {
  const s = SCHEMAS[resource];
  if (!s) throw new Error(`unknown resource ${resource}`);
  return {
    url: `/hubs/crm/${resource}`,
    idField: s.idField,
    datesConfiguration: {
      updatedDateField: s.updatedField,
      updatedDateFormat: s.dateFormat,
      updatedDateTimezone: "GMT",
      createdDateField: s.createdField,
      createdDateFormat: s.dateFormat,
      createdDateTimezone: "GMT",
    },
  };
}

/**
 * The records of one resource and every version they ever had.
 *
 * A record may hold a version that is not yet visible (`visibleAt` in the future): queries
 * show the last visible version, as a search index that lags behind the database would.
 */
export class ResourceTable {
  /**
   * @param {string} name
   * @param {() => number} rand
   * @param {ResourceSchema} [schema] default: the hub's `SCHEMAS[name]`
   */
  constructor(name, rand, schema = SCHEMAS[name]) {
    this.name = name;
    this.schema = schema;
    this.format = schema.formatDate ?? formatKeapDate;
    this.rand = rand;
    this.nextId = this.schema.firstId;
    /** @type {Map<number, Array<{record: object, updated: number, created: number, visibleAt: number, at: number, deleted?: boolean}>>} */
    this.history = new Map();
    /** every field name ever seen, for CEQL's unknown-field check */
    this.knownFields = new Set([this.schema.idField, this.schema.updatedField, this.schema.createdField]);
    this.dateFields = new Set(this.schema.dateFields);
  }

  ctx(id, at) {
    const rand = this.rand;
    return {
      rand,
      id,
      at,
      pick: (list) => list[Math.floor(rand() * list.length)],
      int: (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1)),
    };
  }

  noteFields(obj, prefix = "") {
    for (const [k, v] of Object.entries(obj)) {
      this.knownFields.add(prefix + k);
      if (v && typeof v === "object" && !Array.isArray(v)) this.noteFields(v, `${prefix}${k}.`);
    }
  }

  /**
   * Creates a record.
   * @param {{created: number, updated?: number, at: number, visibleAt?: number, fields?: object}} o
   */
  create({ created, updated = created, at, visibleAt = at, fields = {} }) {
    const s = this.schema;
    const id = this.nextId++;
    const base = s.fields(this.ctx(id, created));
    const record = { [s.idField]: id, ...base };
    record[s.createdField] = this.format(created);
    record[s.updatedField] = this.format(updated);
    Object.assign(record, fields);
    this.noteFields(record);
    const v = {
      record,
      updated: parsedOr(record[s.updatedField], updated),
      created: parsedOr(record[s.createdField], created),
      visibleAt,
      at,
    };
    this.history.set(id, [v]);
    return v;
  }

  /**
   * Updates a record: merges `fields` and stamps the updated field with `updated` unless
   * `fields` sets it.
   * @param {number} id
   * @param {{updated: number, at: number, visibleAt?: number, fields?: object}} o
   */
  update(id, { updated, at, visibleAt = at, fields = {} }) {
    const s = this.schema;
    const versions = this.history.get(Number(id));
    if (!versions) return undefined;
    const prev = versions[versions.length - 1].record;
    const record = structuredClone(prev);
    record[s.updatedField] = this.format(updated);
    Object.assign(record, fields);
    record[s.idField] = prev[s.idField];
    this.noteFields(record);
    const v = {
      record,
      updated: parsedOr(record[s.updatedField], updated),
      created: versions[0].created,
      visibleAt,
      at,
    };
    versions.push(v);
    return v;
  }

  /**
   * Deletes a record: from `visibleAt` no query sees it (a listing, or a read by id), until
   * `restore` brings it back. `undefined` for an unknown or already deleted id.
   * @param {number} id
   * @param {{at: number, visibleAt?: number}} o
   */
  remove(id, { at, visibleAt = at }) {
    const versions = this.history.get(Number(id));
    const last = versions?.[versions.length - 1];
    if (!last || last.deleted) return undefined;
    const v = { ...last, deleted: true, visibleAt, at };
    versions.push(v);
    return v;
  }

  /**
   * Brings a deleted record back under its id (a restore from the trash, or a provider that
   * reuses ids), created and updated at `updated`. `undefined` unless it is deleted.
   * @param {number} id
   * @param {{updated: number, at: number, visibleAt?: number}} o
   */
  restore(id, { updated, at, visibleAt = at }) {
    const versions = this.history.get(Number(id));
    const last = versions?.[versions.length - 1];
    if (!last?.deleted) return undefined;
    const s = this.schema;
    const record = structuredClone(last.record);
    record[s.updatedField] = this.format(updated);
    record[s.createdField] = this.format(updated);
    const v = { record, updated, created: updated, visibleAt, at };
    versions.push(v);
    return v;
  }

  /** The records a query made at `now` sees (a deleted one not at all). */
  visible(now) {
    const out = [];
    for (const versions of this.history.values()) {
      for (let i = versions.length - 1; i >= 0; i--) {
        if (versions[i].visibleAt <= now) {
          if (!versions[i].deleted) out.push(versions[i]);
          break;
        }
      }
    }
    return out;
  }

  /** Latest versions regardless of visibility; a deleted record not at all. */
  latest() {
    return [...this.history.values()].map((vs) => vs[vs.length - 1]).filter((v) => !v.deleted);
  }

  /** Every version that ever existed, in the order they were written. */
  versions() {
    const out = [];
    for (const [id, vs] of this.history) {
      for (const v of vs) {
        out.push({
          id,
          updated: formatKeapDate(v.updated),
          updatedMs: v.updated,
          created: formatKeapDate(v.created),
          createdMs: v.created,
          at: v.at,
          visibleAt: v.visibleAt,
          ...(v.deleted ? { deleted: true } : {}),
        });
      }
    }
    return out.sort((a, b) => a.at - b.at || a.id - b.id);
  }

  /** The ids of the records that are not deleted. */
  ids() {
    return [...this.history].filter(([, vs]) => !vs[vs.length - 1].deleted).map(([id]) => id);
  }
}

/**
 * The control API's `delete` and `restore` (both simulators): applies `op` to each id and
 * returns the records, or the first id it could not apply to.
 * @param {ResourceTable} t
 * @param {"delete"|"restore"} op
 * @param {Array<number|string>} ids
 * @param {{stamp: number, at: number, visibleAt: number}} o
 * @returns {{records: object[]} | {missing: number|string}}
 */
export function lifecycle(t, op, ids, { stamp, at, visibleAt }) {
  const records = [];
  for (const id of ids) {
    const v =
      op === "delete"
        ? t.remove(Number(id), { at, visibleAt })
        : t.restore(Number(id), { updated: stamp, at, visibleAt });
    if (!v) return { missing: id };
    records.push(structuredClone(v.record));
  }
  return { records };
}

function parsedOr(value, fallback) {
  const t = parseInstant(value);
  return t === undefined ? fallback : t;
}
