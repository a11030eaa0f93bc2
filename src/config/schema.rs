//! A JSON Schema (draft 2020-12) of the body, for editors' completion and hover help.
//!
//! It describes the lenient input (strings or native values, the poller configuration as an
//! object or a string) and allows unknown keys everywhere, as the platform does; the rules a
//! schema cannot say (placeholders, url templates, date patterns, zones) are
//! [`super::validate`]'s.

use super::model::*;
use serde_json::{json, Value};

/// The schema of a `POST /instances` body.
pub fn schema() -> Value {
    let boolish = json!({"anyOf": [{"type": "boolean"}, {"type": "string", "enum": ["true", "false"]}]});
    let intish = |min: i64, desc: &str| json!({"anyOf": [{"type": "integer", "minimum": min}, {"type": "string", "pattern": "^\\s*-?[0-9]+\\s*$"}], "description": desc});
    let url = |desc: &str| json!({"type": "string", "format": "uri", "pattern": "^[Hh][Tt][Tt][Pp][Ss]?://", "description": desc});
    let date_keys = json!({
        "updatedDateField": {"type": "string", "description": "Field path of the record's last-updated instant, e.g. modification_date"},
        "updatedDateFormat": {"type": "string", "default": DEFAULT_DATE_FORMAT, "description": "Java SimpleDateFormat pattern, or milliseconds | timestamp | seconds | iso8601"},
        "updatedDateTimezone": {"type": "string", "default": DEFAULT_ZONE, "description": "GMT, UTC, an offset such as -08:00, a Java short id or an IANA name"},
        "createdDateField": {"type": "string", "description": "Field path of the record's creation instant, e.g. creation_date"},
        "createdDateFormat": {"type": "string", "default": DEFAULT_DATE_FORMAT},
        "createdDateTimezone": {"type": "string", "default": DEFAULT_ZONE},
        "createdCheckTolerance": intish(0, "Seconds; also accepted on the poller")
    });
    let poller = json!({
        "type": "object",
        "required": ["url", "idField", "datesConfiguration"],
        "properties": {
            "url": {"type": "string", "pattern": "^/", "description": "Hub path relative to the API base, e.g. /hubs/crm/appointments; may use ${gmtDate:FMT}, ${date:FMT}, ${date}, ${dateTimeZone:ZONE:FMT}, ${epoch}"},
            "idField": {"type": "string", "description": "Field path of the record id; becomes objectId"},
            "datesConfiguration": {"type": "object", "required": ["updatedDateField"], "properties": date_keys},
            "pageSize": intish(1, "Records per page (1..5000; hub default 200)"),
            "pollDelay": intish(0, "Seconds subtracted from the last poll date"),
            "filterByUpdatedDate": {"anyOf": boolish["anyOf"].clone(), "default": true, "description": "false: compare the created date with the last poll date instead"},
            "filterByUpdateDate": {"anyOf": boolish["anyOf"].clone(), "deprecated": true, "description": "Misspelling accepted as filterByUpdatedDate"},
            "filterByCurrentDate": {"anyOf": boolish["anyOf"].clone(), "default": false, "description": "Drop records created after the poll started"},
            "createdCheckTolerance": intish(0, "Seconds that widen created-equals-updated")
        },
        "additionalProperties": true
    });
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://elements-poller.dev/schema/instance.json",
        "title": "Cloud Elements element instance (POST /instances) with polling",
        "type": "object",
        "required": ["element", "configuration", "name"],
        "properties": {
            "element": {"type": "object", "required": ["key"], "properties": {"key": {"type": "string", "examples": ["infusionsoftrest"]}}},
            "providerData": {"type": "object", "properties": {"code": {"type": "string", "description": "OAuth authorization grant code"}}},
            "name": {"type": "string"},
            "tags": {"type": "array", "items": {"type": "string"}},
            "configuration": {
                "type": "object",
                "properties": {
                    OAUTH_API_KEY: {"type": "string", "description": "OAuth client id of your provider app"},
                    OAUTH_API_SECRET: {"type": "string", "description": "OAuth client secret (never shown in diagnostics)"},
                    OAUTH_CALLBACK_URL: url("OAuth redirect url registered with the provider"),
                    EVENTS_ENABLED: {"anyOf": boolish["anyOf"].clone(), "default": false},
                    VENDOR_TYPE: {"type": "string", "enum": ["polling", "webhooks"]},
                    CALLBACK_URL: url("Where events are sent"),
                    REFRESH_INTERVAL: intish(1, "Minutes between polls"),
                    POLLER_CONFIGURATION: {
                        "description": "Resource name -> poller, as an object or a JSON-encoded string",
                        "anyOf": [
                            {"type": "object", "additionalProperties": {"$ref": "#/$defs/poller"}},
                            {"type": "string", "contentMediaType": "application/json"}
                        ]
                    },
                    POLLER_URLS: {"type": "string", "description": "Legacy: pipe-delimited hub urls"},
                    EVENT_OBJECTS: {"type": "string"},
                    SIGNATURE_KEY: {"type": "string", "description": "HMAC-SHA256 key for Elements-Webhook-Signature"},
                    CALLBACK_HEADERS: {},
                    BASIC_USERNAME: {"type": "string"},
                    BASIC_PASSWORD: {"type": "string"},
                    RAW_ENABLED: {"anyOf": boolish["anyOf"].clone(), "default": false},
                    INSTANCE_FINDER: {"type": "string"},
                    SUBSCRIPTION_ID: {"type": "string"}
                },
                "additionalProperties": true
            }
        },
        "additionalProperties": true,
        "$defs": {"poller": poller}
    })
}
