//! Notification envelopes: batches, signatures, ids.

use base64::Engine;
use elements_poller::detect::{Event, EventType, event_id, iso_utc};
use elements_poller::notify::{NotifyOptions, batch_id, build_notifications, retry_schedule, sign};
use hmac::{Hmac, Mac};
use sha2::Sha256;

fn events(n: usize) -> Vec<Event> {
    (0..n)
        .map(|i| {
            let at = 1_710_054_309_042 + i as i64;
            Event {
                event_type: if i % 2 == 0 { EventType::Created } else { EventType::Updated },
                object_type: "appointments".into(),
                object_id: i.to_string(),
                date: iso_utc(at),
                element_key: Some("infusionsoftrest".into()),
                event_id: event_id("inst", "appointments", &i.to_string(), at),
                raw: None,
                instant: at,
            }
        })
        .collect()
}

fn header<'a>(r: &'a elements_poller::http::Request, name: &str) -> Option<&'a str> {
    r.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

#[test]
fn batches_of_ten_signed_over_the_exact_body() {
    let evs = events(25);
    let mut o = NotifyOptions::new("https://example.com/hook");
    o.signature_key = Some("s3cret".into());
    o.instance_id = Some("inst".into());
    o.element_key = Some("infusionsoftrest".into());
    let reqs = build_notifications(&evs, &o).unwrap();
    assert_eq!(reqs.len(), 3);
    let mut seen = 0;
    for r in &reqs {
        assert_eq!((r.method.as_str(), r.url.as_str()), ("POST", "https://example.com/hook"));
        assert_eq!(header(r, "Content-Type"), Some("application/json"));
        let body = r.body.as_deref().unwrap();
        // Verify as a receiver would, with an independent HMAC.
        let mut mac = Hmac::<Sha256>::new_from_slice(b"s3cret").unwrap();
        mac.update(body.as_bytes());
        let want = format!("sha256={}", base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes()));
        assert_eq!(header(r, "Elements-Webhook-Signature"), Some(want.as_str()));
        let v: serde_json::Value = serde_json::from_str(body).unwrap();
        let m = &v["message"];
        let batch = &evs[seen..seen + m["count"].as_u64().unwrap() as usize];
        assert_eq!(m["eventId"], batch_id(batch));
        assert_eq!(header(r, "Elements-Webhook-Id"), Some(batch_id(batch).as_str()));
        assert_eq!((m["instanceId"].as_str(), m["elementKey"].as_str()), (Some("inst"), Some("infusionsoftrest")));
        let e0 = &m["events"][0];
        assert_eq!(e0["eventId"], batch[0].event_id);
        assert_eq!(e0["objectType"], "appointments");
        assert!(e0["eventType"] == "CREATED" || e0["eventType"] == "UPDATED");
        seen += batch.len();
    }
    assert_eq!(seen, 25);
    assert_eq!(build_notifications(&evs, &o).unwrap(), reqs, "deterministic: a rebuilt batch has the same ids and bytes");
}

#[test]
fn unsigned_without_a_key_and_nothing_for_no_events() {
    let o = NotifyOptions::new("https://example.com/hook");
    let reqs = build_notifications(&events(3), &o).unwrap();
    assert_eq!(reqs.len(), 1);
    assert!(header(&reqs[0], "Elements-Webhook-Signature").is_none());
    assert!(build_notifications(&[], &o).unwrap().is_empty());
}

#[test]
fn known_vector_and_schedule() {
    assert_eq!(sign("Jefe", b"what do ya want for nothing?"), "sha256=W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM=");
    let s = retry_schedule();
    assert_eq!(s, (1..=9).map(|x: u32| 4u64.pow(x) * 1000).collect::<Vec<_>>());
}
