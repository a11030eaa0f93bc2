//! The typed model: known keys, lenient readers, and [`ResourcePoller`].
//!
//! Values arrive the way the platform accepts them: `"15"` or `15`, `"true"` or `true`.
//! The readers here accept both and nothing else. A resource poller is read by
//! [`super::read`], the one reader, with the checks of each key.

use super::field::FieldPath;
use crate::diag::Error;
use serde_json::{Map, Value};

pub use crate::datefmt::{DEFAULT_DATE_FORMAT, DEFAULT_ZONE};
/// The hub's page size when a poller names none.
pub const DEFAULT_PAGE_SIZE: u32 = 200;
/// The hub's largest page.
pub const MAX_PAGE_SIZE: u32 = 5000;
/// `createdCheckTolerance` when not given (the one source that names a default says 10 s).
pub const DEFAULT_CREATED_CHECK_TOLERANCE_SECS: u64 = 10;

// Keys of `configuration`.
/// The OAuth client id of the element.
pub const OAUTH_API_KEY: &str = "oauth.api.key";
/// The OAuth client secret of the element (a secret).
pub const OAUTH_API_SECRET: &str = "oauth.api.secret";
/// Where the provider sends the OAuth code.
pub const OAUTH_CALLBACK_URL: &str = "oauth.callback.url";
/// Whether the platform sends event notifications for the instance.
pub const EVENTS_ENABLED: &str = "event.notification.enabled";
/// How events are found: `polling` (this crate) or `webhooks`.
pub const VENDOR_TYPE: &str = "event.vendor.type";
/// Where notifications are POSTed.
pub const CALLBACK_URL: &str = "event.notification.callback.url";
/// Minutes between polls.
pub const REFRESH_INTERVAL: &str = "event.poller.refresh_interval";
/// The resource pollers, by name: an object or that object as JSON text.
pub const POLLER_CONFIGURATION: &str = "event.poller.configuration";
/// The legacy list of poller urls: a pipe-delimited string or an array of strings.
pub const POLLER_URLS: &str = "event.poller.urls";
/// The platform's list of objects with events; validated as a string, passed through.
pub const EVENT_OBJECTS: &str = "event.objects";
/// The key notifications are signed with (a secret).
pub const SIGNATURE_KEY: &str = "event.notification.signature.key";
/// Extra headers sent with each notification (their values are secrets).
pub const CALLBACK_HEADERS: &str = "event.notification.callback.headers";
/// Basic auth user for the callback.
pub const BASIC_USERNAME: &str = "event.notification.basic.username";
/// Basic auth password for the callback (a secret).
pub const BASIC_PASSWORD: &str = "event.notification.basic.password";
/// Whether each event carries the record's JSON (`raw`).
pub const RAW_ENABLED: &str = "event.raw.enabled";
/// A platform setting for routing notifications; validated as a string, passed through.
pub const INSTANCE_FINDER: &str = "event.notification.instance.finder";
/// A platform subscription id; validated as a string, passed through.
pub const SUBSCRIPTION_ID: &str = "event.notification.subscription.id";
/// Which API the poller talks to: `hub` (a Cloud Elements hub, the default) or `direct` (the
/// provider's own API; `infusionsoftrest` only: Keap REST v1).
pub const POLLER_API: &str = "event.poller.api";

/// Every `configuration` key this crate knows (used to suggest fixes for misspellings).
pub const CONFIGURATION_KEYS: [&str; 18] = [
    OAUTH_API_KEY,
    OAUTH_API_SECRET,
    OAUTH_CALLBACK_URL,
    EVENTS_ENABLED,
    VENDOR_TYPE,
    CALLBACK_URL,
    REFRESH_INTERVAL,
    POLLER_CONFIGURATION,
    POLLER_URLS,
    EVENT_OBJECTS,
    SIGNATURE_KEY,
    CALLBACK_HEADERS,
    BASIC_USERNAME,
    BASIC_PASSWORD,
    RAW_ENABLED,
    INSTANCE_FINDER,
    SUBSCRIPTION_ID,
    POLLER_API,
];
/// Boolean `configuration` keys.
pub const BOOLEAN_KEYS: [&str; 2] = [EVENTS_ENABLED, RAW_ENABLED];
/// Values never echoed in a message and masked by renderers: (`configuration` key).
pub const SECRET_KEYS: [&str; 3] = [OAUTH_API_SECRET, SIGNATURE_KEY, BASIC_PASSWORD];
/// Top-level keys of the body.
pub const BODY_KEYS: [&str; 5] = ["element", "providerData", "configuration", "tags", "name"];

/// Keys of a resource poller.
pub const POLLER_KEYS: [&str; 9] = [
    "url",
    "idField",
    "datesConfiguration",
    "pageSize",
    "pollDelay",
    "filterByUpdatedDate",
    "filterByCurrentDate",
    "createdCheckTolerance",
    RECONCILE,
];
/// The poller's extension key that turns reconciliation on (DESIGN section 13):
/// `{"everyHours": 24, "maxDrop": 0.5}`.
pub const RECONCILE: &str = "reconcile";
/// `reconcile.maxDrop` when not given: a listing with half the ids of the last one is held.
pub const DEFAULT_MAX_DROP: f64 = 0.5;
/// The misspelling one docs page uses; accepted as `filterByUpdatedDate`.
pub const FILTER_BY_UPDATED_DATE_ALIAS: &str = "filterByUpdateDate";
/// Keys of `datesConfiguration` (`createdCheckTolerance` is also accepted there).
pub const DATES_KEYS: [&str; 6] =
    ["updatedDateField", "updatedDateFormat", "updatedDateTimezone", "createdDateField", "createdDateFormat", "createdDateTimezone"];

/// The element key whose provider API a `direct` poller can talk to.
pub const DIRECT_ELEMENT: &str = "infusionsoftrest";

/// Which API an instance polls (`event.poller.api`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Api {
    /// A Cloud Elements hub: what every instance polled before `direct` existed.
    #[default]
    Hub,
    /// The provider's own API (Keap REST v1 for `infusionsoftrest`), with an OAuth2 bearer token the host adds.
    Direct,
}

impl Api {
    /// The values `event.poller.api` takes.
    pub const NAMES: [&'static str; 2] = ["hub", "direct"];

    /// `hub` or `direct` (surrounding spaces ignored, as `event.vendor.type` is read).
    pub fn parse(text: &str) -> Option<Api> {
        match text.trim() {
            "hub" => Some(Api::Hub),
            "direct" => Some(Api::Direct),
            _ => None,
        }
    }

    /// The value as written in a configuration.
    pub fn name(self) -> &'static str {
        match self {
            Api::Hub => "hub",
            Api::Direct => "direct",
        }
    }
}

/// `true`/`false` or `"true"`/`"false"` (any case, surrounding spaces ignored).
pub fn read_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// A number, or a string holding one.
pub fn read_number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok().filter(|f| f.is_finite()),
        _ => None,
    }
}

/// A whole number (`15`, `15.0`, `"15"`), or `None`.
pub fn read_int(v: &Value) -> Option<i64> {
    if let Some(i) = v.as_i64() {
        return Some(i);
    }
    if let Value::String(s) = v
        && let Ok(i) = s.trim().parse::<i64>()
    {
        return Some(i);
    }
    read_number(v).filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15).map(|f| f as i64)
}

/// A string that is still a `<placeholder>` from the documentation.
pub fn is_placeholder(v: &Value) -> bool {
    v.as_str().is_some_and(|s| {
        let t = s.trim();
        t.len() > 2 && t.starts_with('<') && t.ends_with('>')
    })
}

/// The poller configuration as an object, whichever form it was written in. `Err` carries the
/// parse error of a JSON-encoded string that is not an object.
pub fn poller_configuration(v: &Value) -> Result<Map<String, Value>, Option<serde_json::Error>> {
    match v {
        Value::Object(m) => Ok(m.clone()),
        Value::String(s) => match serde_json::from_str::<Value>(s) {
            Ok(Value::Object(m)) => Ok(m),
            Ok(_) => Err(None),
            Err(e) => Err(Some(e)),
        },
        _ => Err(None),
    }
}

/// One date field of a poller: where it is in a record and how to read it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DateSpec {
    /// Field path in a record (`modification_date`, `properties.lastmodifieddate`), as written.
    pub field: String,
    /// `field`, parsed once by the reader: what detection reads.
    pub path: FieldPath,
    /// A date pattern or a named format (`milliseconds`, `timestamp`, `seconds`, `iso8601`).
    pub format: String,
    /// A zone name for [`crate::zone::Zone::parse`].
    pub zone: String,
}

/// The poller's two date fields; which one drives detection is `filter_by_updated_date`'s choice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dates {
    /// Required unless `filterByUpdatedDate` is false.
    pub updated: Option<DateSpec>,
    /// Required when `filterByUpdatedDate` is false.
    pub created: Option<DateSpec>,
}

/// One resource poller, read leniently, with every default applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResourcePoller {
    /// The key in `event.poller.configuration` (the event's `objectType`).
    pub name: String,
    /// Required to poll; detection over a body you already have does without it.
    pub url: Option<String>,
    /// Field path of the record's id, as written (`id`, `properties.id`).
    pub id_field: String,
    /// `id_field`, parsed once by the reader.
    pub id_path: FieldPath,
    /// The updated and created date fields.
    pub dates: Dates,
    /// Default [`DEFAULT_PAGE_SIZE`].
    pub page_size: u32,
    /// Seconds subtracted from the last poll date; default 0.
    pub poll_delay_secs: u64,
    /// Default true; `filterByUpdateDate` is read as this key.
    pub filter_by_updated_date: bool,
    /// Default false.
    pub filter_by_current_date: bool,
    /// Read at the poller level, else inside `datesConfiguration`; default
    /// [`DEFAULT_CREATED_CHECK_TOLERANCE_SECS`].
    pub created_check_tolerance_secs: u64,
    /// `reconcile`: list in full every so often and emit DELETED; `None`: off.
    pub reconcile: Option<Reconcile>,
}

/// The `reconcile` extension key of a poller, read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reconcile {
    /// `everyHours` in ms: a cycle this long after the last complete listing lists in full.
    pub every_ms: i64,
    /// `maxDrop` in parts per million: a listing with this share fewer ids than the last one
    /// is held until a second complete listing confirms it (default [`DEFAULT_MAX_DROP`]).
    pub max_drop_ppm: u32,
}

impl Reconcile {
    /// Reads `reconcile` (`v` is its value). The codes are validation's too (one reading).
    pub fn from_value(v: &Value) -> Result<Reconcile, Error> {
        let hint = "for example \"reconcile\": {\"everyHours\": 24, \"maxDrop\": 0.5}";
        let m = v.as_object().ok_or_else(|| {
            Error::new("poller.reconcile.type", "reconcile must be an object with everyHours (and maxDrop)").at_path(RECONCILE).with_hint(hint)
        })?;
        let every = m.get("everyHours").and_then(read_number).filter(|h| *h > 0.0 && *h <= 8760.0).ok_or_else(|| {
            Error::new("poller.reconcile.every-hours", "reconcile.everyHours must be a number of hours above 0 (at most 8760, a year)")
                .at_path("reconcile.everyHours")
                .with_hint(hint)
        })?;
        let drop = match m.get("maxDrop") {
            None | Some(Value::Null) => DEFAULT_MAX_DROP,
            Some(d) => read_number(d).filter(|d| (0.0..=1.0).contains(d)).ok_or_else(|| {
                Error::new("poller.reconcile.max-drop", "reconcile.maxDrop must be a share between 0 and 1")
                    .at_path("reconcile.maxDrop")
                    .with_hint("0.5 holds a listing that lost half the ids of the last one until a second listing confirms it")
            })?,
        };
        // `+ 0.5` then truncation: rounds these non-negative values without libm's `round`.
        Ok(Reconcile { every_ms: (every * 3_600_000.0 + 0.5) as i64, max_drop_ppm: (drop * 1e6 + 0.5) as u32 })
    }
}

impl ResourcePoller {
    /// The date that defines versions and drives detection: the updated date, or the created
    /// date when `filterByUpdatedDate` is false.
    pub fn driving(&self) -> &DateSpec {
        let d = if self.filter_by_updated_date { &self.dates.updated } else { &self.dates.created };
        d.as_ref().expect("from_value requires the driving date")
    }
}
