//! Validation never panics and always returns, whatever is done to a valid body: keys
//! deleted, types changed, garbage strings inserted, values nested or JSON-encoded.

use elements_poller::config::{self, JsonPath, presets};
use elements_poller::{cycle, detect, template};
use proptest::prelude::*;
use serde_json::{Value, json};

fn bases() -> Vec<Value> {
    let iso = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'";
    let seed = json!({
        "element": {"key": "infusionsoftrest"},
        "providerData": {"code": "c"},
        "configuration": {
            "oauth.api.key": "k", "oauth.api.secret": "s", "oauth.callback.url": "https://a.example/o",
            "event.notification.enabled": true, "event.vendor.type": "polling",
            "event.notification.callback.url": "https://a.example/e", "event.poller.refresh_interval": "15",
            "event.poller.urls": "/hubs/crm/a|/hubs/crm/b?x=${epoch}",
            "event.poller.configuration": {"appointments": {
                "url": format!("/hubs/crm/appointments?where=modification_date>'${{gmtDate:{iso}}}'"),
                "idField": "id", "pageSize": 10, "pollDelay": "5", "filterByUpdateDate": "true", "createdCheckTolerance": 3,
                "datesConfiguration": {"updatedDateField": "modification_date", "updatedDateFormat": iso, "updatedDateTimezone": "GMT",
                    "createdDateField": "creation_date", "createdDateFormat": iso, "createdDateTimezone": "-8:00", "createdCheckTolerance": 4}
            }}
        },
        "tags": ["t"], "name": "n"
    });
    let mut stringy = seed.clone();
    let pc = stringy["configuration"]["event.poller.configuration"].clone();
    stringy["configuration"]["event.poller.configuration"] = Value::String(pc.to_string());
    let mut all = seed.clone();
    all["configuration"]["event.poller.configuration"] = presets::infusionsoftrest();
    vec![seed, stringy, all]
}

/// JSON pointers of every value in `v`.
fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
    out.push(at.clone());
    match v {
        Value::Object(m) => m.iter().for_each(|(k, x)| pointers(x, format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")), out)),
        Value::Array(a) => a.iter().enumerate().for_each(|(i, x)| pointers(x, format!("{at}/{i}"), out)),
        _ => {}
    }
}

#[derive(Clone, Debug)]
enum Op {
    Delete(usize),
    Retype(usize, u8),
    Garbage(usize, String),
    InsertKey(usize, String, String),
    Nest(usize, u8),
}

fn garbage() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[${}<>:'\"%a-zA-Z0-9 .|/\\\\]{0,24}",
        Just("${gmtDate:".to_owned()),
        Just("<PLACEHOLDER>".to_owned()),
        Just("${dateTimeZone:-8:00:".to_owned()),
        Just("{\"a\": [".to_owned()),
        Just("\u{10FFFF}\u{0}".to_owned()),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        any::<usize>().prop_map(Op::Delete),
        (any::<usize>(), any::<u8>()).prop_map(|(i, t)| Op::Retype(i, t)),
        (any::<usize>(), garbage()).prop_map(|(i, g)| Op::Garbage(i, g)),
        (any::<usize>(), garbage(), garbage()).prop_map(|(i, k, g)| Op::InsertKey(i, k, g)),
        (any::<usize>(), any::<u8>()).prop_map(|(i, t)| Op::Nest(i, t)),
    ]
}

fn apply(v: &mut Value, op: &Op) {
    let mut ps = Vec::new();
    pointers(v, String::new(), &mut ps);
    let pick = |i: usize| ps[i % ps.len()].clone();
    match op {
        Op::Delete(i) => {
            let p = pick(*i);
            if let Some((parent, key)) = p.rsplit_once('/') {
                let key = key.replace("~1", "/").replace("~0", "~");
                match v.pointer_mut(parent) {
                    Some(Value::Object(m)) => {
                        m.shift_remove(&key);
                    }
                    Some(Value::Array(a)) => {
                        if let Ok(i) = key.parse::<usize>()
                            && i < a.len()
                        {
                            a.remove(i);
                        }
                    }
                    _ => {}
                }
            }
        }
        Op::Retype(i, t) => {
            if let Some(x) = v.pointer_mut(&pick(*i)) {
                *x = match t % 7 {
                    0 => Value::Null,
                    1 => json!(true),
                    2 => json!(-1.5e300),
                    3 => json!(u64::MAX),
                    4 => json!([]),
                    5 => json!({}),
                    _ => json!(""),
                };
            }
        }
        Op::Garbage(i, g) => {
            if let Some(x) = v.pointer_mut(&pick(*i)) {
                *x = Value::String(g.clone());
            }
        }
        Op::InsertKey(i, k, g) => {
            if let Some(Value::Object(m)) = v.pointer_mut(&pick(*i)) {
                m.insert(k.clone(), Value::String(g.clone()));
            }
        }
        Op::Nest(i, t) => {
            if let Some(x) = v.pointer_mut(&pick(*i)) {
                let inner = x.take();
                *x = match t % 3 {
                    0 => json!([inner]),
                    1 => json!({ "nested": inner }),
                    _ => Value::String(inner.to_string()),
                };
            }
        }
    }
}

/// Everything a user can reach with a document: none of it may panic.
fn exercise(text: &str) {
    let diags = config::validate(text);
    for d in &diags {
        assert!(!d.code.is_empty() && d.code.contains('.'), "{d:?}");
        assert!(JsonPath::parse(&d.path).is_some(), "unparseable path {:?}", d.path);
        let _ = config::locate_nearest(text, &d.path);
        let _ = config::locate_embedded(text, &d.path);
        let _ = config::locate_in_string(text, &d.path, 3);
    }
    if let Ok(n) = config::normalize(text) {
        // Normalizing is idempotent on anything it accepts.
        let again = serde_json::to_string(&n).unwrap();
        assert_eq!(config::normalize(&again).unwrap(), n);
        let _ = config::validate(&again);
        let _ = config::render_curl(&n, &Default::default());
    }
    if let Ok(ps) = config::pollers(text) {
        for p in ps {
            for watermark in [1_700_000_000_000, i64::MIN, i64::MAX] {
                let state = detect::State { v: 1, watermark: Some(watermark), from: None, evicted: None, seen: vec![], listing: None, relist: None };
                let _ = cycle::poll_url(&p, Some(&state), &detect::Options { now: i64::MAX, lookback_ms: i64::MAX, ..Default::default() });
            }
            let _ = template::check(p.url.as_deref().unwrap_or_default());
        }
    }
    let _ = config::build_instance(&serde_json::from_str::<Value>(text).unwrap_or(Value::Null));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, .. ProptestConfig::default() })]

    #[test]
    fn mutated_bodies_never_panic(base in 0usize..3, ops in prop::collection::vec(op(), 1..8), pretty in any::<bool>()) {
        let mut v = bases()[base].clone();
        for o in &ops {
            apply(&mut v, o);
        }
        let text = if pretty { serde_json::to_string_pretty(&v).unwrap() } else { v.to_string() };
        exercise(&text);
        // The same body wrapped in a JSON string.
        exercise(&serde_json::to_string(&text).unwrap());
    }

    #[test]
    fn arbitrary_and_truncated_text_never_panics(s in any::<String>(), cut in any::<usize>(), base in 0usize..3) {
        exercise(&s);
        let text = serde_json::to_string_pretty(&bases()[base]).unwrap();
        let mut cut = cut % (text.len() + 1);
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        exercise(&text[..cut]);
    }

    #[test]
    fn url_templates_never_panic(url in "[/a-z?=&${}:'%+ TZ.,\\-0-9]{0,40}", ms in any::<i64>()) {
        let _ = template::check(&url);
        let _ = template::render(&url, ms, &Default::default());
    }
}
