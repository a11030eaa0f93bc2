//! Instance configuration: the `POST /instances` body of an element instance with polling.
//!
//! - [`model`]: known keys, lenient readers, [`ResourcePoller`]; [`read`]: the one reader of a poller;
//! - [`normalize`](normalize()): one canonical form for every accepted spelling;
//! - [`validate`](validate()): every problem at once, each at its [`JsonPath`];
//! - [`locate`](locate()): a path back to a line and column of the source text;
//! - [`build_instance`]: a body from a small spec; [`presets`]: ready pollers;
//! - [`poller_entries`], [`refresh_interval_ms`], [`instance_identity`]: what hosts read of an instance;
//! - [`render_curl`], [`instance_request`]: the body as a cURL command or a fetch request;
//! - [`schema`](schema()): a JSON Schema of the body for editors.

mod build;
pub mod field;
mod instance;
mod locate;
pub mod model;
mod normalize;
mod path;
pub mod presets;
pub mod read;
mod render;
mod schema;
pub mod secrets;
mod validate;

pub use build::build_instance;
pub use field::FieldPath;
pub use instance::{Identity, Whereabouts, instance_identity, poller_api, poller_entries, refresh_interval_ms};
pub use locate::{EmbeddedLocation, Location, duplicate_keys, locate, locate_embedded, locate_in_string, locate_nearest};
pub use model::{Api, DEFAULT_DATE_FORMAT, DEFAULT_PAGE_SIZE, DEFAULT_ZONE, DateSpec, Dates, Reconcile, ResourcePoller};
pub use normalize::{normalize, normalize_value, parse_body};
pub use path::{JsonPath, Segment};
pub use read::{Got, PollerReading, read_poller};
pub use render::{DEFAULT_BASE_URL, InstanceRequest, MASK, RenderOptions, instance_request, render_curl, secret_paths};
pub use schema::schema;
pub use secrets::{Redaction, is_secret_key, redact, url_for_display};
pub use validate::{validate, validate_value};

use crate::diag::Error;
use serde_json::Value;

/// Every resource poller of a body (JSON text), read leniently with defaults applied, in the
/// order written. Errors carry the full path of the offending value.
pub fn pollers(input: &str) -> Result<Vec<ResourcePoller>, Error> {
    let body = parse_body(input)?;
    let cp = JsonPath::root().key("configuration");
    let Some(conf) = body.get("configuration").and_then(Value::as_object) else {
        return Ok(Vec::new());
    };
    let Some(pc) = conf.get(model::POLLER_CONFIGURATION) else { return Ok(Vec::new()) };
    let pp = cp.key(model::POLLER_CONFIGURATION);
    let map = model::poller_configuration(pc).map_err(|_| {
        Error::new("poller.configuration.not-object", "the poller configuration must be an object of resource pollers").at_path(pp.clone())
    })?;
    map.iter().map(|(name, v)| read_poller(name, v, &pp.key(name)).into_result()).collect()
}
