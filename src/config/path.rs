//! JSON paths as a user reads them: `configuration["event.poller.configuration"].appointments.url`.

use std::fmt;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct JsonPath(String);

impl JsonPath {
    pub fn root() -> Self {
        JsonPath(String::new())
    }

    pub fn key(&self, key: &str) -> Self {
        let ident = !key.is_empty()
            && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
            && !key.starts_with(|c: char| c.is_ascii_digit());
        let mut s = self.0.clone();
        if ident {
            if !s.is_empty() {
                s.push('.');
            }
            s.push_str(key);
        } else {
            s.push('[');
            s.push_str(&serde_json::to_string(key).expect("a string serializes"));
            s.push(']');
        }
        JsonPath(s)
    }

    pub fn index(&self, i: usize) -> Self {
        JsonPath(format!("{}[{i}]", self.0))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for JsonPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<JsonPath> for String {
    fn from(p: JsonPath) -> String {
        p.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_like_javascript() {
        let p = JsonPath::root().key("configuration").key("event.poller.configuration").key("appointments").key("url");
        assert_eq!(p.as_str(), r#"configuration["event.poller.configuration"].appointments.url"#);
        assert_eq!(JsonPath::root().key("tags").index(0).as_str(), "tags[0]");
    }
}
