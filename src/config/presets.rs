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

use super::model::{DEFAULT_DATE_FORMAT, DEFAULT_ZONE};
use serde_json::{Map, Value, json};

/// Resource names with presets, per element.
pub const INFUSIONSOFTREST_RESOURCES: [&str; 6] = ["appointments", "contacts", "opportunities", "orders", "tasks", "transactions"];

fn poller(resource: &str, updated: &str, created: &str) -> Value {
    json!({
        "url": format!("/hubs/crm/{resource}"),
        "idField": "id",
        "datesConfiguration": {
            "updatedDateField": updated,
            "updatedDateFormat": DEFAULT_DATE_FORMAT,
            "updatedDateTimezone": DEFAULT_ZONE,
            "createdDateField": created,
            "createdDateFormat": DEFAULT_DATE_FORMAT,
            "createdDateTimezone": DEFAULT_ZONE
        }
    })
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
        m.insert(r.to_owned(), poller(r, updated, created));
    }
    Value::Object(m)
}

/// The preset poller of one resource of an element, if there is one.
pub fn preset(element: &str, resource: &str) -> Option<Value> {
    match element {
        "infusionsoftrest" => infusionsoftrest().get(resource).cloned(),
        _ => None,
    }
}

/// Every preset poller of an element (`{resource: poller}`), if it has presets.
pub fn all(element: &str) -> Option<Value> {
    match element {
        "infusionsoftrest" => Some(infusionsoftrest()),
        _ => None,
    }
}

/// Elements with presets.
pub fn elements() -> &'static [&'static str] {
    &["infusionsoftrest"]
}
