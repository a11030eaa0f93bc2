//! One reader of a resource poller (DESIGN section 5, issue 12): for every key of a poller and
//! every way to get it wrong, `validate` (the console, `elements-poller validate`), the reader
//! detection and the cycle use (`ResourcePoller::from_value`) and `config::pollers` (the
//! Poller's) give the same code at the same path. Validation adds only what needs more than
//! one key; here, for a poller whose url has no where clause, it adds nothing at all.

use elements_poller::config::{self, JsonPath, ResourcePoller, read_poller};
use elements_poller::diag::Severity;
use serde_json::{Value, json};

const NAME: &str = "appointments";

fn poller() -> Value {
    json!({
        "url": "/hubs/crm/appointments",
        "idField": "id",
        "datesConfiguration": {
            "updatedDateField": "modification_date",
            "updatedDateFormat": "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'",
            "updatedDateTimezone": "GMT",
            "createdDateField": "creation_date",
            "createdDateFormat": "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'",
            "createdDateTimezone": "GMT"
        },
        "pageSize": "200",
        "pollDelay": "30",
        "filterByUpdatedDate": true,
        "filterByCurrentDate": false,
        "createdCheckTolerance": 5
    })
}

fn body(poller: &Value) -> String {
    json!({
        "element": {"key": "infusionsoftrest"},
        "providerData": {"code": "a1b2c3"},
        "configuration": {
            "oauth.api.key": "Rand0MAP1-key",
            "oauth.api.secret": "fak3AP1-s3Cr3t",
            "oauth.callback.url": "https://mycoolapp.com/oauth",
            "event.notification.enabled": true,
            "event.vendor.type": "polling",
            "event.notification.callback.url": "https://mycoolapp.com/events",
            "event.poller.refresh_interval": "15",
            "event.poller.configuration": {NAME: poller}
        },
        "tags": ["Docs"],
        "name": "API Instance with Polling"
    })
    .to_string()
}

fn base() -> JsonPath {
    JsonPath::root().key("configuration").key("event.poller.configuration").key(NAME)
}

/// `poller()` with the value at `path` (dotted, inside the poller) set to `v`, or removed.
fn with(path: &str, v: Option<Value>) -> Value {
    let mut p = poller();
    let (parent, key) = match path.split_once('.') {
        Some((a, b)) => (&mut p[a], b),
        None => (&mut p, path),
    };
    let m = parent.as_object_mut().unwrap();
    match v {
        Some(v) => m.insert(key.to_owned(), v),
        None => m.remove(key),
    };
    p
}

/// The full path of a dotted path inside the poller.
fn full(inner: &str) -> String {
    inner.split('.').fold(base(), |p, k| p.key(k)).to_string()
}

/// What each path says about one poller: validation's diagnostics under the poller, the
/// reader's findings, `from_value`'s error (re-addressed) and `config::pollers`' error.
struct Said {
    validation: Vec<(Severity, &'static str, String, Option<String>)>,
    reader: Vec<(Severity, &'static str, String, Option<String>)>,
    from_value: Option<(&'static str, String)>,
    pollers: Option<(&'static str, String)>,
}

fn said(p: &Value) -> Said {
    let prefix = base().to_string();
    let validation =
        config::validate(&body(p)).into_iter().filter(|d| d.path.starts_with(&prefix)).map(|d| (d.severity, d.code, d.path, d.hint)).collect();
    let reader = read_poller(NAME, p, &base()).findings.into_iter().map(|d| (d.severity, d.code, d.path, d.hint)).collect();
    let from_value = ResourcePoller::from_value(NAME, p).err().map(|e| (e.code, full(e.path.as_deref().unwrap_or(""))));
    let pollers = config::pollers(&body(p)).err().map(|e| (e.code, e.path.unwrap_or_default()));
    Said { validation, reader, from_value, pollers }
}

#[test]
fn the_base_poller_is_clean_on_every_path() {
    let s = said(&poller());
    assert!(s.validation.is_empty() && s.reader.is_empty(), "{:?}", s.validation);
    assert_eq!((s.from_value, s.pollers), (None, None));
}

/// Each row: the key (dotted inside the poller), the value written (`None`: removed), and the
/// one error every path must give, at that key.
#[test]
fn every_key_wrong_gives_one_code_at_one_path_everywhere() {
    let rows: Vec<(&str, Option<Value>, &str)> = vec![
        // Wrong type.
        ("url", Some(json!(5)), "config.type"),
        ("idField", Some(json!(["id"])), "config.type"),
        ("pageSize", Some(json!("many")), "config.type"),
        ("pageSize", Some(json!(2.5)), "config.type"),
        ("pollDelay", Some(json!(true)), "config.type"),
        ("pollDelay", Some(json!("soon")), "config.type"),
        ("createdCheckTolerance", Some(json!({})), "config.type"),
        ("filterByUpdatedDate", Some(json!("yes")), "config.type"),
        ("filterByCurrentDate", Some(json!(1)), "config.type"),
        ("filterByUpdateDate", Some(json!("no")), "config.type"),
        ("datesConfiguration", Some(json!("modification_date")), "config.type"),
        ("datesConfiguration.updatedDateField", Some(json!(1)), "config.type"),
        ("datesConfiguration.updatedDateFormat", Some(json!(false)), "config.type"),
        ("datesConfiguration.updatedDateTimezone", Some(json!(0)), "config.type"),
        ("datesConfiguration.createdDateField", Some(json!({})), "config.type"),
        ("datesConfiguration.createdDateFormat", Some(json!([])), "config.type"),
        ("datesConfiguration.createdDateTimezone", Some(json!(2)), "config.type"),
        ("datesConfiguration.createdCheckTolerance", Some(json!("long")), "config.type"),
        // Negative.
        ("pollDelay", Some(json!(-30)), "poller.poll-delay.negative"),
        ("pollDelay", Some(json!("-1")), "poller.poll-delay.negative"),
        ("createdCheckTolerance", Some(json!(-5)), "poller.created-check-tolerance.negative"),
        ("datesConfiguration.createdCheckTolerance", Some(json!(-5)), "poller.created-check-tolerance.negative"),
        // Out of range: a negative page size is out of the hub's range too (it once read as
        // `config.type` in detection's reader and `poller.page-size.range` in validation).
        ("pageSize", Some(json!(0)), "poller.page-size.range"),
        ("pageSize", Some(json!(-5)), "poller.page-size.range"),
        ("pageSize", Some(json!(5001)), "poller.page-size.range"),
        // Placeholders, on every kind of key alike.
        ("url", Some(json!("<url>")), "config.placeholder"),
        ("idField", Some(json!("<id>")), "config.placeholder"),
        ("pageSize", Some(json!("<size>")), "config.placeholder"),
        ("pollDelay", Some(json!("<seconds>")), "config.placeholder"),
        ("filterByCurrentDate", Some(json!("<bool>")), "config.placeholder"),
        ("datesConfiguration.updatedDateFormat", Some(json!("<format>")), "config.placeholder"),
        // Empty strings.
        ("idField", Some(json!("  ")), "config.empty"),
        ("datesConfiguration.updatedDateTimezone", Some(json!("")), "config.empty"),
        // The grammars: field paths, date formats, zones.
        ("idField", Some(json!("ids[x]")), "poller.field-path.malformed"),
        ("datesConfiguration.updatedDateField", Some(json!("a..b")), "poller.field-path.malformed"),
        ("datesConfiguration.createdDateField", Some(json!("items[0")), "poller.field-path.malformed"),
        ("datesConfiguration.updatedDateTimezone", Some(json!("Mars/Olympus")), "zone.unknown"),
        ("datesConfiguration.createdDateTimezone", Some(json!("Mars/Olympus")), "zone.unknown"),
        // Required.
        ("idField", None, "config.required"),
        ("datesConfiguration", None, "config.required"),
        ("datesConfiguration.updatedDateField", None, "config.required"),
    ];
    for (key, value, code) in rows {
        let p = with(key, value.clone());
        let s = said(&p);
        let at = full(key);
        let errors: Vec<_> = s.validation.iter().filter(|d| d.0 == Severity::Error).map(|d| (d.1, d.2.clone())).collect();
        assert_eq!(errors, vec![(code, at.clone())], "{key} = {value:?}: validation");
        assert_eq!(s.from_value, Some((code, at.clone())), "{key} = {value:?}: from_value");
        assert_eq!(s.pollers, Some((code, at.clone())), "{key} = {value:?}: config::pollers");
        // Everything validation says about the poller is the reader's (no url checks apply).
        assert_eq!(s.validation, s.reader, "{key} = {value:?}: validation beside the reader");
    }
}

/// A date format the engine refuses: its own code, and the column on the error detection gets.
#[test]
fn a_bad_date_format_is_the_engines_code_on_every_path() {
    let p = with("datesConfiguration.updatedDateFormat", Some(json!("yyyy-MM-dd'T")));
    let s = said(&p);
    let (code, at) = s.from_value.clone().expect("refused");
    assert!(code.starts_with("date-format."), "{code}");
    assert_eq!(at, full("datesConfiguration.updatedDateFormat"));
    assert_eq!(s.pollers, Some((code, at.clone())));
    assert_eq!(s.validation, s.reader);
    assert_eq!(s.validation.iter().filter(|d| d.0 == Severity::Error).count(), 1);
    assert!(ResourcePoller::from_value(NAME, &p).unwrap_err().column.is_some());
}

/// An unknown key one edit from a known one: a warning with "did you mean", from the reader,
/// at every level; the poller still reads (the key is kept but ignored).
#[test]
fn a_misspelled_key_is_the_readers_warning_with_did_you_mean() {
    let keys = [
        ("pageSize", "pagesize"),
        ("pollDelay", "polDelay"),
        ("filterByCurrentDate", "filterByCurentDate"),
        ("createdCheckTolerance", "createdCheckTolerence"),
        ("datesConfiguration.updatedDateFormat", "datesConfiguration.updatedDateFromat"),
        ("datesConfiguration.createdDateTimezone", "datesConfiguration.createdDateTimeZone"),
        ("datesConfiguration.createdCheckTolerance", "datesConfiguration.createdCheckTolerence"),
    ];
    for (known, typo) in keys {
        // The typo in place of the key (a key that is present suppresses the suggestion).
        let mut p = with(known, None);
        let (parent, leaf) = typo.split_once('.').map_or((None, typo), |(a, b)| (Some(a), b));
        let obj = match parent {
            Some(a) => p[a].as_object_mut().unwrap(),
            None => p.as_object_mut().unwrap(),
        };
        obj.insert(leaf.to_owned(), json!(1));
        let s = said(&p);
        let want = (Severity::Warning, "config.key.misspelled", full(typo), Some(format!("did you mean {:?}?", known.rsplit('.').next().unwrap())));
        assert_eq!(s.reader, vec![want], "{typo}");
        assert_eq!(s.validation, s.reader, "{typo}");
        assert_eq!((s.from_value, s.pollers), (None, None), "{typo}");
    }
}

/// The url is required to poll, not to detect over a body already fetched: the one check
/// validation adds on its own, from what the reader read.
#[test]
fn only_validation_requires_the_url() {
    let p = with("url", None);
    let s = said(&p);
    assert!(s.reader.is_empty());
    assert_eq!(s.validation, vec![(Severity::Error, "config.required", full("url"), None)]);
    assert_eq!(ResourcePoller::from_value(NAME, &p).map(|r| r.url), Ok(None));
}

/// Where validation was stricter than detection's reader, it now accepts what detection reads:
/// a field path with spaces around it (read trimmed), and no updated field when the created
/// date drives detection.
#[test]
fn what_detection_reads_validates() {
    let p = with("idField", Some(json!(" id ")));
    let s = said(&p);
    assert!(s.validation.is_empty(), "{:?}", s.validation);
    assert_eq!(ResourcePoller::from_value(NAME, &p).unwrap().id_field, "id");

    let mut p = with("filterByUpdatedDate", Some(json!(false)));
    p["datesConfiguration"].as_object_mut().unwrap().remove("updatedDateField");
    let s = said(&p);
    assert!(s.validation.is_empty() && s.reader.is_empty(), "{:?}", s.validation);
    assert_eq!(ResourcePoller::from_value(NAME, &p).unwrap().driving().field, "creation_date");
    // Filtering by the created date with none: the one code, on every path.
    p["datesConfiguration"].as_object_mut().unwrap().remove("createdDateField");
    let s = said(&p);
    let at = full("datesConfiguration.createdDateField");
    assert_eq!(s.from_value, Some(("poller.dates.created-required", at.clone())));
    assert_eq!(s.pollers, s.from_value);
    assert_eq!(s.validation, s.reader);
}
