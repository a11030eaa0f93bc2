//! Diagnostics and errors with stable dotted codes.
//!
//! Both cross the wasm boundary as plain data: the JS layer turns an [`Error`] into a
//! `PollerError` and hands [`Diagnostic`]s to the user unchanged, so every field here is
//! part of the public contract.

use serde::Serialize;
use std::fmt;

/// How bad a diagnostic is: only errors make a document invalid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The document cannot be used as it is.
    Error,
    /// Usable, but probably not what was meant.
    Warning,
    /// Worth knowing; nothing is wrong.
    Info,
}

/// One problem found in a user's document, addressed by its JSON path.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Diagnostic {
    /// Error, warning or info.
    pub severity: Severity,
    /// Stable and dotted, e.g. `date-format.week-year`.
    pub code: &'static str,
    /// JSON path in the user's document; empty for the root.
    pub path: String,
    /// What is wrong, in a sentence.
    pub message: String,
    /// How to fix it, when there is a likely fix.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

impl Diagnostic {
    /// A diagnostic of any severity.
    pub fn new(severity: Severity, code: &'static str, path: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic { severity, code, path: path.into(), message: message.into(), hint: None }
    }
    /// An error at `path`.
    pub fn error(code: &'static str, path: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, code, path, message)
    }
    /// A warning at `path`.
    pub fn warning(code: &'static str, path: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, code, path, message)
    }
    /// Adds how to fix it.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

/// A failed operation. Reaches JS as `PollerError` with the same fields.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Error {
    /// Stable and dotted (`src/codes.rs` lists every one): what callers match on.
    pub code: &'static str,
    /// What went wrong, in a sentence.
    pub message: String,
    /// Character column (0-based) where parsing stopped, for parse errors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
    /// JSON path of the offending value, where there is a document.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// How to fix it, when there is a likely fix.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

impl Error {
    /// An error with no position.
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Error { code, message: message.into(), column: None, path: None, hint: None }
    }
    /// Where in the text it failed.
    pub fn at_column(mut self, column: usize) -> Self {
        self.column = Some(column);
        self
    }
    /// Which value in the document.
    pub fn at_path(mut self, path: impl Into<String>) -> Self {
        self.path = Some(path.into());
        self
    }
    /// Adds how to fix it.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)?;
        if let Some(c) = self.column {
            write!(f, " (at column {c})")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

/// Edit distance on ASCII-lower-cased characters, counting a swap of neighbours as one edit
/// (optimal string alignment): `nmae` is one edit from `name`. ASCII case only: every name
/// suggested (keys, zones, formats) is ASCII, and Unicode's case tables would cost the wasm
/// more than this whole module.
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().map(|c| c.to_ascii_lowercase()).collect();
    let b: Vec<char> = b.chars().map(|c| c.to_ascii_lowercase()).collect();
    let w = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * w];
    for i in 0..=a.len() {
        for j in 0..=b.len() {
            d[i * w + j] = if i == 0 {
                j
            } else if j == 0 {
                i
            } else {
                let mut v = (d[(i - 1) * w + j - 1] + usize::from(a[i - 1] != b[j - 1])).min(d[(i - 1) * w + j] + 1).min(d[i * w + j - 1] + 1);
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    v = v.min(d[(i - 2) * w + j - 2] + 1);
                }
                v
            };
        }
    }
    d[a.len() * w + b.len()]
}

/// The candidate closest to `word`, if it is close enough to be a plausible misspelling.
pub fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).clamp(1, 3);
    candidates.iter().map(|c| (distance(word, c), *c)).filter(|(d, c)| *d <= limit && *c != word).min_by_key(|(d, _)| *d).map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        assert_eq!(distance("nmae", "name"), 1, "a swap of neighbours is one edit");
        assert_eq!(distance("Name", "name"), 0);
        assert_eq!(closest("gmtdate", &["gmtDate", "date"]), Some("gmtDate"));
        assert_eq!(closest("epoc", &["gmtDate", "epoch"]), Some("epoch"));
        assert_eq!(closest("xyz", &["gmtDate", "epoch"]), None);
        assert_eq!(closest("date", &["date"]), None, "the word itself is no suggestion");
    }
}
