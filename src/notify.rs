//! Notification envelopes: batches of at most `batch_size` events, signed with HMAC-SHA256,
//! and the delivery retry schedule. Sans-IO: this builds requests, the host sends them.

use crate::cycle::Request;
use crate::detect::Event;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::{Digest, Sha256};

#[derive(Clone, Debug)]
pub struct NotifyOptions {
    /// The element instance id (or name) the events came from.
    pub instance_id: Option<String>,
    pub element_key: Option<String>,
    pub callback_url: String,
    /// `event.notification.signature.key`: when set, each request is signed.
    pub signature_key: Option<String>,
    /// At most this many events per notification (the platform sends up to 10).
    pub batch_size: usize,
}

impl NotifyOptions {
    pub fn new(callback_url: impl Into<String>) -> Self {
        NotifyOptions { instance_id: None, element_key: None, callback_url: callback_url.into(), signature_key: None, batch_size: 10 }
    }
}

/// The body of one notification: `{"message": Message}`.
#[derive(Serialize)]
struct Body<'a> {
    message: Message<'a>,
}

/// One notification's message.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Message<'a> {
    /// Deterministic id of the batch (a hash of its events' ids): the same batch rebuilt after
    /// a crash has the same id, so receivers can dedupe whole notifications too.
    event_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    instance_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    element_key: Option<&'a str>,
    /// Events in this notification.
    count: usize,
    events: &'a [Event],
}

/// The id of a batch: 32 hex digits of sha256 over its event ids.
pub fn batch_id(events: &[Event]) -> String {
    let mut h = Sha256::new();
    for e in events {
        h.update(e.event_id.as_bytes());
        h.update(b"\n");
    }
    hex(&h.finalize()[..16])
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// `sha256=<base64(HMAC-SHA256(key, body))>`: the `Elements-Webhook-Signature` value.
pub fn sign(key: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(body);
    format!("sha256={}", base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes()))
}

/// One POST per batch of at most `batch_size` events (empty input, no requests).
pub fn build_notifications(events: &[Event], opts: &NotifyOptions) -> Vec<Request> {
    events
        .chunks(opts.batch_size.max(1))
        .map(|chunk| {
            let id = batch_id(chunk);
            let body = serde_json::to_string(&Body {
                message: Message {
                    event_id: id.clone(),
                    instance_id: opts.instance_id.as_deref(),
                    element_key: opts.element_key.as_deref(),
                    count: chunk.len(),
                    events: chunk,
                },
            })
            .expect("events serialize");
            let mut headers = vec![("Content-Type".to_owned(), "application/json".to_owned()), ("Elements-Webhook-Id".to_owned(), id)];
            if let Some(key) = opts.signature_key.as_deref().filter(|k| !k.is_empty()) {
                // Signed over the exact bytes sent: the receiver verifies before parsing.
                headers.push(("Elements-Webhook-Signature".to_owned(), sign(key, body.as_bytes())));
            }
            Request { method: "POST".into(), url: opts.callback_url.clone(), headers, body: Some(body), delay_ms: 0 }
        })
        .collect()
}

/// Delivery retries: 9 of them, the x-th after 2^(2x) seconds (4 s, 16 s, ... ~3 days).
pub fn retry_schedule() -> Vec<u64> {
    (1..=9u32).map(|x| (1u64 << (2 * x)) * 1000).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231_case_2() {
        // RFC 4231 test case 2 (key "Jefe"), the digest in base64.
        assert_eq!(sign("Jefe", b"what do ya want for nothing?"), "sha256=W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM=");
    }

    #[test]
    fn schedule() {
        let s = retry_schedule();
        assert_eq!(s.len(), 9);
        assert_eq!((s[0], s[1], s[8]), (4_000, 16_000, 262_144_000));
    }
}
