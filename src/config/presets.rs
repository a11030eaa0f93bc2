//! Ready resource pollers.
//!
//! `infusionsoftrest`: the Keap REST v1 resources the element polls, with Keap's field names.
//! - appointments, tasks, orders: `modification_date` / `creation_date`;
//! - contacts, opportunities: `last_updated` / `date_created`;
//! - transactions: `transaction_date` for both. A Keap transaction is a payment record with
//!   no modification date: it is written once, so its one instant is when it appeared, and
//!   with updated equal to created every transaction is reported as CREATED, which is what it is.
//!
//! Every url is the hub path (`/hubs/crm/<resource>`) without a where clause, as the reference
//! gives for appointments: the poller then reads the newest records and compares dates itself.
//! Formats are the seed's `yyyy-MM-dd'T'HH:mm:ss.SSS'Z'` in GMT.
//!
//! `infusionsoftrest` direct (`event.poller.api: "direct"`, [`infusionsoftrest_direct`]): Keap
//! REST v1's list endpoints themselves (`reference/keap-rest-v1-facts.md` §2), the records under
//! the envelope's key (the element's rule), dates as Keap writes them
//! (`2024-11-07T20:35:13.000+0000`: `yyyy-MM-dd'T'HH:mm:ss.SSSZ`), pages of 1000 (Keap's default).
//! - contacts (`since` on `last_updated`, stated), tasks, orders, appointments, transactions
//!   (`since` on a date the spec does not name): `since` from the floor, and the poller
//!   compares the record's own date as it does on a hub;
//! - opportunities, notes: no date filter in Keap, so every poll lists them in full and
//!   compares `last_updated` (the README says what that costs);
//! - appointments: the spec's `Appointment` has no id and no dates but `start_date`/`end_date`;
//!   the hub's names (`modification_date`, `creation_date`) are used, as for tasks.

use super::model::{Api, DEFAULT_DATE_FORMAT, DEFAULT_ZONE};
use serde_json::{Map, Value, json};

/// Resource names with presets, per element.
pub const INFUSIONSOFTREST_RESOURCES: [&str; 6] = ["appointments", "contacts", "opportunities", "orders", "tasks", "transactions"];

/// One preset poller. Both elements' presets go through here, so the wasm holds one builder of
/// this shape rather than one per `json!` (about 1 KB).
fn poller(url: String, updated: &str, created: &str, format: &str, page_size: Option<u32>) -> Value {
    let mut p = json!({
        "url": url,
        "idField": "id",
        "datesConfiguration": {
            "updatedDateField": updated,
            "updatedDateFormat": format,
            "updatedDateTimezone": DEFAULT_ZONE,
            "createdDateField": created,
            "createdDateFormat": format,
            "createdDateTimezone": DEFAULT_ZONE
        }
    });
    if let (Some(n), Value::Object(m)) = (page_size, &mut p) {
        m.insert("pageSize".to_owned(), n.into());
    }
    p
}

/// `{resource: poller}` for every infusionsoftrest resource, in [`INFUSIONSOFTREST_RESOURCES`] order.
pub fn infusionsoftrest() -> Value {
    let mut m = Map::new();
    for r in INFUSIONSOFTREST_RESOURCES {
        let (updated, created) = match r {
            "contacts" | "opportunities" => ("last_updated", "date_created"),
            "transactions" => ("transaction_date", "transaction_date"),
            _ => ("modification_date", "creation_date"),
        };
        m.insert(r.to_owned(), poller(format!("/hubs/crm/{r}"), updated, created, DEFAULT_DATE_FORMAT, None));
    }
    Value::Object(m)
}

/// Resource names with direct presets (Keap REST v1 itself), per element.
pub const INFUSIONSOFTREST_DIRECT_RESOURCES: [&str; 7] = ["appointments", "contacts", "notes", "opportunities", "orders", "tasks", "transactions"];

/// How Keap writes an instant: milliseconds and an offset without a colon (`+0000`).
pub const KEAP_DATE_FORMAT: &str = "yyyy-MM-dd'T'HH:mm:ss.SSSZ";

/// Keap's page size when a request names none, and the largest the element asks for.
pub const KEAP_PAGE_SIZE: u32 = 1000;

/// `{resource: poller}` for every resource Keap REST v1 lists, polled directly, in
/// [`INFUSIONSOFTREST_DIRECT_RESOURCES`] order.
pub fn infusionsoftrest_direct() -> Value {
    let mut m = Map::new();
    for r in INFUSIONSOFTREST_DIRECT_RESOURCES {
        let (updated, created) = match r {
            "contacts" | "opportunities" | "notes" => ("last_updated", "date_created"),
            "transactions" => ("transaction_date", "transaction_date"),
            _ => ("modification_date", "creation_date"),
        };
        // `since` where Keap has it (on `last_updated` for contacts; the spec names no date for
        // the others, so the record's own date decides); opportunities and notes are read whole.
        let url = match r {
            "opportunities" | "notes" => format!("/v1/{r}"),
            // Sorted by id: an offset listing whose order is stable.
            "contacts" => format!("/v1/{r}?since=${{gmtDate:yyyy-MM-dd'T'HH:mm:ss.SSS'Z'}}&order=id"),
            _ => format!("/v1/{r}?since=${{gmtDate:yyyy-MM-dd'T'HH:mm:ss.SSS'Z'}}"),
        };
        m.insert(r.to_owned(), poller(url, updated, created, KEAP_DATE_FORMAT, Some(KEAP_PAGE_SIZE)));
    }
    Value::Object(m)
}

/// The preset poller of one resource of an element (through its hub), if there is one.
pub fn preset(element: &str, resource: &str) -> Option<Value> {
    preset_for(element, Api::Hub, resource)
}

/// The preset poller of one resource of an element polled through `api`, if there is one.
pub fn preset_for(element: &str, api: Api, resource: &str) -> Option<Value> {
    all_for(element, api)?.get(resource).cloned()
}

/// Every preset poller of an element (through its hub: `{resource: poller}`), if it has presets.
pub fn all(element: &str) -> Option<Value> {
    all_for(element, Api::Hub)
}

/// Every preset poller of an element polled through `api`, if it has presets.
pub fn all_for(element: &str, api: Api) -> Option<Value> {
    match (element, api) {
        ("infusionsoftrest", Api::Hub) => Some(infusionsoftrest()),
        ("infusionsoftrest", Api::Direct) => Some(infusionsoftrest_direct()),
        _ => None,
    }
}

/// The resource names of an element's presets through `api` (empty: none).
pub fn resources(element: &str, api: Api) -> &'static [&'static str] {
    match (element, api) {
        ("infusionsoftrest", Api::Hub) => &INFUSIONSOFTREST_RESOURCES,
        ("infusionsoftrest", Api::Direct) => &INFUSIONSOFTREST_DIRECT_RESOURCES,
        _ => &[],
    }
}

/// Elements with presets.
pub fn elements() -> &'static [&'static str] {
    &["infusionsoftrest"]
}
