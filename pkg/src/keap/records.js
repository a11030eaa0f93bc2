// The records of the simulated Keap REST v1: the hub simulator's record shapes (they are
// Keap's already) with Keap's own quirks on top, from reference/keap-rest-v1-facts.md:
// - dates are written `2024-11-07T20:35:13.000+0000` (an offset without a colon), not `Z`;
// - each list has its envelope key (`contacts`, `notes`, ...) and, for some, `sync_token`;
// - `since`/`until` filter on the updated date where the list has them; opportunities and
//   notes have no date filter at all (they are listed in full);
// - contacts carry `last_updated_utc_millis`, and `custom_fields`, `job_title` and
//   `lead_source_id` only when `optional_properties` asks for them.

import { SCHEMAS } from "../hub/records.js";

/** Keap v1 response dates: `yyyy-MM-dd'T'HH:mm:ss.SSSZ` (e.g. `…000+0000`). */
export const KEAP_RESPONSE_DATE_FORMAT = "yyyy-MM-dd'T'HH:mm:ss.SSSZ";

/** @param {number} ms epoch milliseconds @returns {string} e.g. `2024-11-07T20:35:13.000+0000` */
export function formatKeapResponseDate(ms) {
  return new Date(ms).toISOString().replace(/Z$/, "+0000");
}

const ISO_Z = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Every `…Z` instant in a generated value rewritten Keap's way (`start_date`, `due_date`, ...). */
function offsetDates(value) {
  if (typeof value === "string") return ISO_Z.test(value) ? value.replace(/Z$/, "+0000") : value;
  if (Array.isArray(value)) return value.map(offsetDates);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, offsetDates(v)]));
  }
  return value;
}

/** Contact fields Keap returns only when `optional_properties` names them. */
export const CONTACT_OPTIONAL_PROPERTIES = ["custom_fields", "job_title", "lead_source_id"];

const NOTE_TYPES = ["Appointment", "Call", "Email", "Fax", "Letter", "Other"];

/**
 * A Keap list: its schema (for `ResourceTable`), its envelope key, which field `since`/`until`
 * filter on (`undefined`: the list has no date filter) and whether the envelope has `sync_token`.
 * @typedef {object} KeapList
 * @property {import("../hub/records.js").ResourceSchema} schema
 * @property {string} envelope
 * @property {string} [sinceField]
 * @property {boolean} syncToken
 * @property {string[]} optionalProperties
 */

/**
 * @param {string} name a hub schema's name
 * @param {{sinceField?: boolean, syncToken?: boolean, extra?: (ctx: any, fields: any) => object}} o
 * @returns {KeapList}
 */
function fromHub(name, { sinceField = true, syncToken = false, extra } = {}) {
  const hub = SCHEMAS[name];
  return {
    schema: {
      ...hub,
      dateFormat: KEAP_RESPONSE_DATE_FORMAT,
      formatDate: formatKeapResponseDate,
      fields: (ctx) => {
        const fields = offsetDates(hub.fields(ctx));
        return extra ? { ...fields, ...extra(ctx, fields) } : fields;
      },
    },
    envelope: name,
    // The spec says which date only for contacts (LastUpdated); for the others it is not
    // stated, and the simulator uses the record's updated date (see TESTING.md).
    sinceField: sinceField ? hub.updatedField : undefined,
    syncToken,
    optionalProperties: name === "contacts" ? CONTACT_OPTIONAL_PROPERTIES : [],
  };
}

/** The v1 lists the simulator serves under `/crm/rest/v1/`. */
export const KEAP_LISTS = {
  contacts: fromHub("contacts", {
    extra: (ctx) => ({
      job_title: ctx.pick(["CEO", "CTO", "Engineer", "Sales", ""]),
      lead_source_id: ctx.int(1, 20),
      custom_fields: [{ id: 7, content: `tier-${ctx.int(1, 3)}` }],
    }),
  }),
  appointments: fromHub("appointments", { syncToken: true }),
  tasks: fromHub("tasks", { syncToken: true }),
  orders: fromHub("orders"),
  opportunities: fromHub("opportunities", { sinceField: false }),
  transactions: fromHub("transactions"),
  notes: {
    schema: {
      idField: "id",
      updatedField: "last_updated",
      createdField: "date_created",
      dateFormat: KEAP_RESPONSE_DATE_FORMAT,
      formatDate: formatKeapResponseDate,
      firstId: 9001,
      dateFields: ["date_created", "last_updated"],
      fields: (ctx) => {
        const type = ctx.pick(NOTE_TYPES);
        return {
          title: `${type} note`,
          body: `Notes from the ${type.toLowerCase()}.`,
          type,
          contact_id: ctx.int(1, 500),
          user_id: ctx.int(1, 12),
          last_updated_by: { user_id: ctx.int(1, 12), given_name: "Sim", family_name: "User" },
        };
      },
    },
    envelope: "notes",
    sinceField: undefined,
    syncToken: false,
    optionalProperties: [],
  },
};

/** The names of the simulated lists. */
export const KEAP_RESOURCE_NAMES = Object.keys(KEAP_LISTS);

/**
 * The `event.poller.configuration` entry of a resource polled directly (`url` relative to
 * the base url `…/crm/rest`): the date filter where the list has one, Keap's date format.
 * @param {string} resource
 */
export function keapPollerConfigFor(resource) {
  const list = KEAP_LISTS[resource];
  if (!list) throw new Error(`unknown resource ${resource}`);
  const s = list.schema;
  const since = list.sinceField ? "?since=${gmtDate:yyyy-MM-dd'T'HH:mm:ss.SSS'Z'}" : "";
  return {
    url: `/v1/${resource}${since}`,
    idField: s.idField,
    datesConfiguration: {
      updatedDateField: s.updatedField,
      updatedDateFormat: KEAP_RESPONSE_DATE_FORMAT,
      updatedDateTimezone: "GMT",
      createdDateField: s.createdField,
      createdDateFormat: KEAP_RESPONSE_DATE_FORMAT,
      createdDateTimezone: "GMT",
    },
  };
}
