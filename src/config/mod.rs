//! Instance configuration: the `POST /instances` body.
//!
//! The thin slice validates the shape of the seed document's body and its required keys;
//! issue 4 adds the lenient model, the builder, renderers and presets.

mod path;
mod validate;

pub use path::JsonPath;
pub use validate::validate;
