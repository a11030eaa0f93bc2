//! # elements-poller
//!
//! Cloud Elements style polling, as a sans-IO core: Java date patterns ([`datefmt`], [`zone`]),
//! instance configuration ([`config`]), the little of HTTP it speaks ([`http`]), date-watermark change detection ([`detect`]), the
//! poll cycle ([`cycle`]), signed notifications ([`notify`]) and their delivery ([`delivery`]). The core never reads a
//! clock, draws randomness or does I/O: `now` and seeds are arguments. `wasm` (behind the `wasm` feature) is the only
//! module that knows about JavaScript.

#![warn(missing_docs)]

pub mod codes;
pub mod config;
pub mod cycle;
pub mod datefmt;
pub mod delivery;
pub mod detect;
pub mod diag;
pub mod element;
pub mod http;
pub mod notify;
pub mod template;
pub mod zone;

#[cfg(feature = "wasm")]
pub mod wasm;

pub use diag::{Diagnostic, Error, Severity};
