//! Normalization, round trips, the builder, presets, renderers and poll-url rendering.

use elements_poller::config::{self, RenderOptions, ResourcePoller, presets};
use elements_poller::{cycle, detect};
use serde_json::{Value, json};

const ISO: &str = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'";

fn appointments() -> Value {
    json!({
        "url": "/hubs/crm/appointments",
        "idField": "id",
        "datesConfiguration": {
            "updatedDateField": "modification_date", "updatedDateFormat": ISO, "updatedDateTimezone": "GMT",
            "createdDateField": "creation_date", "createdDateFormat": ISO, "createdDateTimezone": "GMT"
        },
        "pageSize": 100,
        "filterByUpdatedDate": true,
        "createdCheckTolerance": 5
    })
}

/// The canonical spelling of a body with unknown keys at every level.
fn canonical() -> Value {
    json!({
        "element": {"key": "infusionsoftrest", "x-el": 1},
        "providerData": {"code": "a1b2c3"},
        "configuration": {
            "oauth.api.key": "k", "oauth.api.secret": "s", "oauth.callback.url": "https://app.example.com/oauth",
            "event.notification.enabled": true,
            "event.vendor.type": "polling",
            "event.notification.callback.url": "https://app.example.com/events",
            "event.poller.refresh_interval": 15,
            "event.poller.api": "hub",
            "x-custom": {"z": [1, {"deep": "kept"}], "a": null},
            "event.poller.configuration": {"appointments": appointments()},
            "event.raw.enabled": false
        },
        "tags": ["Docs"],
        "zz-unknown": "kept too",
        "name": "Polling"
    })
}

fn text(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap()
}

fn with(mut v: Value, f: impl FnOnce(&mut Value)) -> Value {
    f(&mut v);
    v
}

fn conf(v: &mut Value) -> &mut Value {
    &mut v["configuration"]
}

fn poller(v: &mut Value) -> &mut Value {
    &mut v["configuration"]["event.poller.configuration"]["appointments"]
}

#[test]
fn every_accepted_spelling_normalizes_identically() {
    let canon = config::normalize(&text(&canonical())).unwrap();
    assert_eq!(canon, canonical(), "the canonical spelling is a fixed point");
    let variants: Vec<(&str, Value)> = vec![
        (
            "strings",
            with(canonical(), |v| {
                conf(v)["event.notification.enabled"] = json!("true");
                conf(v)["event.poller.refresh_interval"] = json!("15");
                conf(v)["event.raw.enabled"] = json!(" FALSE ");
                poller(v)["pageSize"] = json!("100");
                poller(v)["filterByUpdatedDate"] = json!("true");
                poller(v)["createdCheckTolerance"] = json!("5");
            }),
        ),
        ("float", with(canonical(), |v| conf(v)["event.poller.refresh_interval"] = json!(15.0))),
        (
            "string poller configuration",
            with(canonical(), |v| {
                let s = conf(v)["event.poller.configuration"].to_string();
                conf(v)["event.poller.configuration"] = Value::String(s);
            }),
        ),
        (
            "alias",
            with(canonical(), |v| {
                let p = poller(v).as_object_mut().unwrap();
                // Replace the key in place, keeping its position.
                let entries: Vec<(String, Value)> = std::mem::take(p).into_iter().collect();
                for (k, x) in entries {
                    let k = if k == "filterByUpdatedDate" { "filterByUpdateDate".to_owned() } else { k };
                    p.insert(k, x);
                }
            }),
        ),
        (
            "tolerance in datesConfiguration",
            with(canonical(), |v| {
                let t = poller(v).as_object_mut().unwrap().shift_remove("createdCheckTolerance").unwrap();
                poller(v)["datesConfiguration"]["createdCheckTolerance"] = t;
            }),
        ),
    ];
    for (name, v) in &variants {
        assert_eq!(config::normalize(&text(v)).unwrap(), canon, "{name}");
        assert_eq!(config::normalize_value(v).unwrap(), canon, "{name} (as a value)");
    }
    // The body as a JSON string holding the object.
    let wrapped = serde_json::to_string(&text(&canonical())).unwrap();
    assert_eq!(config::normalize(&wrapped).unwrap(), canon);
    // Where nothing moves, even the text is identical (key order included).
    for (name, v) in variants.iter().filter(|(n, _)| *n != "tolerance in datesConfiguration") {
        assert_eq!(text(&config::normalize(&text(v)).unwrap()), text(&canon), "{name}");
    }
}

#[test]
fn legacy_urls_normalize_to_one_pipe_string() {
    let a = with(canonical(), |v| conf(v)["event.poller.urls"] = json!(" /hubs/crm/a | /hubs/crm/b ||"));
    let b = with(canonical(), |v| conf(v)["event.poller.urls"] = json!(["/hubs/crm/a", "/hubs/crm/b"]));
    let na = config::normalize(&text(&a)).unwrap();
    assert_eq!(na["configuration"]["event.poller.urls"], json!("/hubs/crm/a|/hubs/crm/b"));
    assert_eq!(na, config::normalize(&text(&b)).unwrap());
}

#[test]
fn parse_normalize_render_parse_loses_nothing() {
    let original = text(&canonical());
    let n = config::normalize(&original).unwrap();
    let again: Value = serde_json::from_str(&text(&n)).unwrap();
    assert_eq!(again, canonical());
    // Unknown keys keep their order at every level.
    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&again), keys(&canonical()));
    assert_eq!(keys(&again["configuration"]), keys(&canonical()["configuration"]));
    assert_eq!(keys(&again["configuration"]["x-custom"]), vec!["z", "a"]);
    // Through the cURL renderer (revealed) and the fetch request too.
    let curl = config::render_curl(&n, &RenderOptions { reveal: true, ..Default::default() });
    let arg = &curl[curl.find("-d '").unwrap() + 4..curl.len() - 1];
    assert_eq!(serde_json::from_str::<Value>(&arg.replace(r"'\''", "'")).unwrap(), canonical());
    let req =
        config::instance_request(&n, &RenderOptions { user_secret: Some("u".into()), organization_secret: Some("o".into()), ..Default::default() })
            .unwrap();
    assert_eq!(serde_json::from_str::<Value>(&req.body).unwrap(), canonical());
}

#[test]
fn values_that_cannot_be_coerced_are_left_as_written() {
    let odd = with(canonical(), |v| {
        conf(v)["event.poller.refresh_interval"] = json!("every 15 minutes");
        conf(v)["event.notification.enabled"] = json!("yes");
        conf(v)["event.poller.configuration"] = json!("{not json");
    });
    assert_eq!(config::normalize(&text(&odd)).unwrap(), odd);
    assert_eq!(config::normalize("[1]").unwrap_err().code, "config.not-object");
    assert_eq!(config::normalize("nope").unwrap_err().code, "config.not-json");
}

#[test]
fn resource_pollers_read_leniently_with_defaults() {
    let p = ResourcePoller::from_value("appointments", &appointments()).unwrap();
    assert_eq!((p.name.as_str(), p.url.as_deref(), p.id_field.as_str()), ("appointments", Some("/hubs/crm/appointments"), "id"));
    assert_eq!(p.driving().field, "modification_date");
    assert_eq!(p.dates.created.as_ref().unwrap().field, "creation_date");
    assert_eq!((p.page_size, p.poll_delay_secs, p.created_check_tolerance_secs), (100, 0, 5));
    assert!(p.filter_by_updated_date && !p.filter_by_current_date);

    let minimal = json!({"url": "/x", "idField": "id", "datesConfiguration": {"updatedDateField": "u", "createdCheckTolerance": "7"}, "filterByUpdateDate": "false", "pollDelay": "30"});
    // Filtering by the created date needs one: it drives detection (validation's code: one reader).
    let e = ResourcePoller::from_value("x", &minimal).unwrap_err();
    assert_eq!((e.code, e.path.as_deref()), ("poller.dates.created-required", Some("datesConfiguration.createdDateField")));
    let mut minimal = minimal;
    minimal["datesConfiguration"]["createdDateField"] = json!("c");
    let p = ResourcePoller::from_value("x", &minimal).unwrap();
    assert_eq!((p.driving().field.as_str(), p.driving().format.as_str(), p.driving().zone.as_str()), ("c", ISO, "GMT"));
    assert_eq!((p.page_size, p.poll_delay_secs, p.created_check_tolerance_secs), (200, 30, 7));
    assert!(!p.filter_by_updated_date);

    let e = ResourcePoller::from_value(
        "x",
        &json!({"url": "/x", "idField": "id", "datesConfiguration": {"updatedDateField": "u", "updatedDateTimezone": "Mars"}}),
    )
    .unwrap_err();
    assert_eq!((e.code, e.path.as_deref()), ("zone.unknown", Some("datesConfiguration.updatedDateTimezone")));
    let e = ResourcePoller::from_value("x", &json!({"url": "/x"})).unwrap_err();
    assert_eq!((e.code, e.path.as_deref()), ("config.required", Some("idField")));

    // From a whole body, the string form included; errors carry the full path.
    let s = with(canonical(), |v| {
        let s = conf(v)["event.poller.configuration"].to_string();
        conf(v)["event.poller.configuration"] = Value::String(s);
    });
    let ps = config::pollers(&text(&s)).unwrap();
    assert_eq!(ps.len(), 1);
    assert_eq!(ps[0], ResourcePoller::from_value("appointments", &appointments()).unwrap());
    let bad = with(canonical(), |v| poller(v)["pageSize"] = json!(0));
    let e = config::pollers(&text(&bad)).unwrap_err();
    assert_eq!(e.path.as_deref(), Some("configuration[\"event.poller.configuration\"].appointments.pageSize"));
}

#[test]
fn every_preset_validates_clean() {
    let all = presets::infusionsoftrest();
    let names: Vec<_> = all.as_object().unwrap().keys().cloned().collect();
    assert_eq!(names, presets::INFUSIONSOFTREST_RESOURCES);
    for (name, p) in all.as_object().unwrap() {
        let body = with(canonical(), |v| conf(v)["event.poller.configuration"] = json!({ name.clone(): p.clone() }));
        assert_eq!(config::validate(&text(&body)), vec![], "{name}");
        ResourcePoller::from_value(name, p).unwrap();
    }
    let fields = |r: &str| {
        let d = &all[r]["datesConfiguration"];
        (d["updatedDateField"].as_str().unwrap().to_owned(), d["createdDateField"].as_str().unwrap().to_owned())
    };
    for r in ["contacts", "opportunities"] {
        assert_eq!(fields(r), ("last_updated".into(), "date_created".into()));
    }
    for r in ["tasks", "orders", "appointments"] {
        assert_eq!(fields(r), ("modification_date".into(), "creation_date".into()));
    }
    assert_eq!(fields("transactions"), ("transaction_date".into(), "transaction_date".into()));
    // Each reads a hub page: with one field for both dates (transactions) too, which the
    // scanner once read into one slot only, leaving every transaction without a date.
    for (name, p) in all.as_object().unwrap() {
        let d = &p["datesConfiguration"];
        let mut record = json!({"id": 7});
        record[d["updatedDateField"].as_str().unwrap()] = json!("2024-11-07T20:35:13.000Z");
        record[d["createdDateField"].as_str().unwrap()] = json!("2024-11-07T20:35:13.000Z");
        let spec = detect::Spec::from_poller(&ResourcePoller::from_value(name, p).unwrap()).unwrap();
        let opts = detect::Options { start_from: "beginning".into(), now: 1_800_000_000_000, ..detect::Options::default() };
        let out = detect::detect(&spec, None, json!([record]).to_string().as_bytes(), &opts).unwrap();
        assert_eq!((out.events.len(), out.stats.invalid), (1, 0), "{name}: {:?}", out.diagnostics);
        assert_eq!(out.events.types()[0], detect::EventType::Created, "{name}");
    }
}

#[test]
fn every_direct_preset_validates_clean_and_reads_a_keap_page() {
    let all = presets::infusionsoftrest_direct();
    let names: Vec<_> = all.as_object().unwrap().keys().cloned().collect();
    assert_eq!(names, presets::INFUSIONSOFTREST_DIRECT_RESOURCES);
    for (name, p) in all.as_object().unwrap() {
        let body = with(canonical(), |v| {
            conf(v)["event.poller.api"] = json!("direct");
            conf(v)["event.poller.configuration"] = json!({ name.clone(): p.clone() });
        });
        assert_eq!(config::validate(&text(&body)), vec![], "{name}");
        let poller = ResourcePoller::from_value(name, p).unwrap();
        let url = p["url"].as_str().unwrap();
        assert!(url.starts_with(&format!("/v1/{name}")), "{name}: {url}");
        // Keap filters by date where it can: every resource but the two it lists whole.
        assert_eq!(url.contains("since=${gmtDate:"), !["opportunities", "notes"].contains(&name.as_str()), "{name}: {url}");
        // A page as Keap writes it: the records under the envelope key, `+0000` dates.
        let d = &p["datesConfiguration"];
        let (u, c) = (d["updatedDateField"].as_str().unwrap(), d["createdDateField"].as_str().unwrap());
        let mut record = json!({"id": 7});
        record[u] = json!("2024-11-07T20:35:13.000+0000");
        record[c] = json!("2024-11-07T20:35:13.000+0000");
        let page = json!({name.clone(): [record], "count": 1,
            "next": format!("https://api.infusionsoft.com/crm/rest/v1/{name}/?limit=1000&offset=1000")});
        let spec = detect::Spec::from_poller(&poller).unwrap();
        let opts = detect::Options {
            start_from: "beginning".into(),
            now: 1_800_000_000_000,
            records_field: elements_poller::element::Element::records_field(config::Api::Direct, &spec),
            ..detect::Options::default()
        };
        let out = detect::detect(&spec, None, page.to_string().as_bytes(), &opts).unwrap();
        assert_eq!((out.events.len(), out.stats.invalid), (1, 0), "{name}: {:?}", out.diagnostics);
        assert_eq!(out.events.instant(0), 1_731_011_713_000, "{name}");
    }
    assert_eq!(presets::all_for("infusionsoftrest", config::Api::Direct), Some(all));
    assert_eq!(presets::all_for("hubspotcrm", config::Api::Direct), None);
}

#[test]
fn the_builder_takes_the_direct_presets_with_api_direct() {
    let spec = json!({"element": "infusionsoftrest", "name": "x", "code": "c", "callbackUrl": "https://a.example/e", "api": "direct",
        "oauth": {"key": "k", "secret": "s", "callbackUrl": "https://a.example/o"}, "resources": ["contacts", "notes"]});
    let body = config::build_instance(&spec).unwrap();
    assert_eq!(body["configuration"]["event.poller.api"], "direct");
    assert_eq!(config::validate(&text(&body)), vec![]);
    assert_eq!(config::normalize(&text(&body)).unwrap(), body, "kept on a round trip");
    assert_eq!(body["configuration"]["event.poller.configuration"]["notes"], presets::infusionsoftrest_direct()["notes"]);
    let e = config::build_instance(&with(spec.clone(), |s| s["resources"] = json!(["files"]))).unwrap_err();
    assert_eq!(e.code, "build.unknown-preset");
    assert!(e.message.contains("notes"), "names the direct presets: {}", e.message);
    let e = config::build_instance(&with(spec.clone(), |s| s["api"] = json!("keap"))).unwrap_err();
    assert_eq!((e.code, e.path.as_deref()), ("build.type", Some("api")));
    let e = config::build_instance(&with(spec, |s| s["element"] = json!("hubspotcrm"))).unwrap_err();
    assert_eq!(e.code, "build.unknown-preset", "no direct presets for another element");
}

#[test]
fn the_builder_produces_a_valid_body_in_the_seeds_shape() {
    let spec = json!({
        "element": "infusionsoftrest",
        "name": "Keap polling",
        "code": "grant-123",
        "oauth": {"key": "client", "secret": "shh", "callbackUrl": "https://app.example.com/oauth"},
        "callbackUrl": "https://app.example.com/events",
        "refreshInterval": 10,
        "signatureKey": "sig",
        "tags": ["crm"],
        "resources": {
            "appointments": true,
            "deals": "opportunities",
            "contacts": {"preset": "contacts", "pollDelay": 30, "datesConfiguration": {"updatedDateTimezone": "UTC"}},
            "notes": {"url": "/hubs/crm/notes", "idField": "id", "datesConfiguration": {"updatedDateField": "last_updated", "createdDateField": "date_created"}}
        },
        "configuration": {"event.raw.enabled": true}
    });
    let body = config::build_instance(&spec).unwrap();
    assert_eq!(config::validate(&text(&body)), vec![]);
    let keys: Vec<_> = body.as_object().unwrap().keys().cloned().collect();
    assert_eq!(keys, ["element", "providerData", "configuration", "tags", "name"]);
    let c = &body["configuration"];
    assert_eq!(c["event.poller.refresh_interval"], json!(10));
    assert_eq!(c["event.vendor.type"], json!("polling"));
    assert_eq!(c["event.notification.signature.key"], json!("sig"));
    let pc = &c["event.poller.configuration"];
    assert_eq!(pc["appointments"], presets::infusionsoftrest()["appointments"]);
    assert_eq!(pc["deals"], presets::infusionsoftrest()["opportunities"]);
    assert_eq!(pc["contacts"]["pollDelay"], json!(30));
    assert_eq!(pc["contacts"]["datesConfiguration"]["updatedDateTimezone"], json!("UTC"));
    assert_eq!(pc["contacts"]["datesConfiguration"]["updatedDateField"], json!("last_updated"));

    let e = config::build_instance(&json!({"element": "infusionsoftrest", "name": "x", "resources": {"a": "nope"}})).unwrap_err();
    assert_eq!((e.code, e.path.as_deref()), ("build.unknown-preset", Some("resources.a")));
    let e = config::build_instance(&json!({"element": "infusionsoftrest", "nmae": "x"})).unwrap_err();
    assert_eq!((e.code, e.hint.as_deref()), ("build.unknown-key", Some("did you mean \"name\"?")));
    // A body that would not validate is refused, at the body's path.
    let e = config::build_instance(&json!({"element": "infusionsoftrest", "name": "x", "code": "c",
        "oauth": {"key": "k", "secret": "s", "callbackUrl": "https://a.example"}, "resources": {"appointments": true}}))
    .unwrap_err();
    assert_eq!((e.code, e.path.as_deref()), ("build.invalid", Some("configuration[\"event.notification.callback.url\"]")));
}

#[test]
fn curl_masks_secrets_unless_revealed() {
    let body = canonical();
    let opts = RenderOptions { user_secret: Some("USERSECRET1".into()), organization_secret: Some("ORGSECRET1".into()), ..Default::default() };
    let masked = config::render_curl(&body, &opts);
    for secret in ["USERSECRET1", "ORGSECRET1", "\"s\"", "a1b2c3"] {
        assert!(!masked.contains(secret), "{secret} leaked:\n{masked}");
    }
    assert!(masked.contains("authorization: User ********, Organization ********"));
    let shown = config::render_curl(&body, &RenderOptions { reveal: true, ..opts.clone() });
    for secret in ["USERSECRET1", "ORGSECRET1", "a1b2c3"] {
        assert!(shown.contains(secret));
    }
    let req = config::instance_request(&body, &RenderOptions { base_url: Some("http://localhost:8080/elements/api-v2/".into()), ..opts }).unwrap();
    assert_eq!((req.method.as_str(), req.url.as_str()), ("POST", "http://localhost:8080/elements/api-v2/instances"));
    assert_eq!(req.headers["authorization"], "User USERSECRET1, Organization ORGSECRET1");
    assert_eq!(req.headers["content-type"], "application/json");
    assert_eq!(config::instance_request(&body, &RenderOptions::default()).unwrap_err().code, "request.secret-missing");
}

#[test]
fn secrets_never_appear_in_diagnostics() {
    let secret = "Zq9-SECRET-VALUE";
    // Secrets in every secret slot, each also broken in some way, with other errors around.
    for bad in [json!(secret), json!(format!(" {secret} ")), json!([secret]), json!({"v": secret}), json!(format!("<{secret}>"))] {
        let body = with(canonical(), |v| {
            conf(v)["oauth.api.secret"] = bad.clone();
            conf(v)["event.notification.signature.key"] = bad.clone();
            conf(v)["event.notification.basic.password"] = bad.clone();
            v["providerData"]["code"] = bad.clone();
            conf(v)["event.poller.refresh_interval"] = json!(0);
        });
        for d in config::validate(&text(&body)) {
            assert!(!d.message.contains("SECRET-VALUE") && !d.hint.clone().unwrap_or_default().contains("SECRET-VALUE"), "{d:?}");
        }
    }
}

/// The url the next poll sends from a state holding `watermark` (what the preview shows).
fn next_url(r: &ResourcePoller, watermark: i64, lookback_ms: i64) -> Result<String, elements_poller::Error> {
    let state = detect::State { v: 1, watermark: Some(watermark), from: None, evicted: None, seen: vec![], listing: None, relist: None };
    cycle::poll_url(r, Some(&state), &detect::Options { now: watermark, lookback_ms, ..Default::default() })
}

#[test]
fn poll_urls_render_from_the_watermark_minus_the_delay_one_step_below() {
    let mut r = ResourcePoller::from_value("appointments", &appointments()).unwrap();
    r.url = Some(format!("/hubs/crm/appointments?where=modification_date>'${{gmtDate:{ISO}}}'&pageSize=5"));
    r.poll_delay_secs = 60;
    let t = 1_710_054_309_042; // 2024-03-10T07:05:09.042Z
    let url = next_url(&r, t, 0).unwrap();
    // What a poll sends: one millisecond (the format's step) below watermark - pollDelay.
    assert_eq!(url, "/hubs/crm/appointments?where=modification_date%3E'2024-03-10T07:04:09.041Z'&pageSize=5");
    // And minus lookback: the same floor the cycle reads from.
    assert!(next_url(&r, t, 30_000).unwrap().contains("07:03:39.041Z"));
    // Bare ${date} uses the poller's updated format and zone.
    r.url = Some("/x?where=modification_date>'${date}'".into());
    let updated = r.dates.updated.as_mut().unwrap();
    updated.format = "yyyy-MM-dd HH:mm".into();
    updated.zone = "+05:30".into();
    r.poll_delay_secs = 0;
    // Minutes: the minute before the one holding the watermark, so `>` misses nothing in it.
    assert_eq!(next_url(&r, t, 0).unwrap(), "/x?where=modification_date%3E'2024-03-10%2012:34'");
    r.url = Some("/x?a=${nope}".into());
    let e = next_url(&r, t, 0).unwrap_err();
    assert_eq!((e.code, e.path.as_deref(), e.column), ("poller.url.unknown-variable", Some("url"), Some(5)));
}

/// The preview and the cycle send the same url: one rule.
#[test]
fn the_preview_renders_what_the_cycle_sends() {
    let mut r = ResourcePoller::from_value("appointments", &appointments()).unwrap();
    r.url = Some(format!("/hubs/crm/appointments?where=modification_date>='${{gmtDate:{ISO}}}'"));
    r.poll_delay_secs = 5;
    let t = 1_710_054_309_042;
    for (state, lookback) in [
        (
            Some(detect::State { v: 1, watermark: Some(t), from: Some(t - 3_600_000), evicted: None, seen: vec![], listing: None, relist: None }),
            30_000,
        ),
        (Some(detect::State { v: 1, watermark: Some(t), from: Some(t - 1_000), evicted: None, seen: vec![], listing: None, relist: None }), 30_000),
        (None, 2_000),
    ] {
        let opts = detect::Options { now: t + 60_000, lookback_ms: lookback, ..Default::default() };
        let preview = cycle::poll_url(&r, state.as_ref(), &opts).unwrap();
        let spec = detect::Spec::from_poller(&r).unwrap();
        let mut c = cycle::PollCycle::new(cycle::CycleOptions::new(spec, state, opts, "")).unwrap();
        let sent = c.next_request().unwrap().http.url;
        assert_eq!(sent.split("&pageSize=").next().unwrap(), preview);
    }
}

#[test]
fn locate_points_into_an_embedded_poller_configuration() {
    let body = with(canonical(), |v| {
        poller(v)["datesConfiguration"]["updatedDateTimezone"] = json!("Mars");
        let s = conf(v)["event.poller.configuration"].to_string();
        conf(v)["event.poller.configuration"] = Value::String(s);
    });
    let t = text(&body);
    let d = config::validate(&t);
    let z = d.iter().find(|d| d.code == "zone.unknown").unwrap();
    let (line, col) = config::locate(&t, &z.path).unwrap();
    let line_text = t.lines().nth(line - 1).unwrap();
    let at: String = line_text.chars().skip(col - 1).take(7).collect();
    assert_eq!(at, "\\\"Mars\\\"".chars().take(7).collect::<String>());
    let e = config::locate_embedded(&t, &z.path).unwrap();
    assert_eq!(e.string_path, "configuration[\"event.poller.configuration\"]");
    assert_eq!(e.inner_path, "appointments.datesConfiguration.updatedDateTimezone");
    let inner: String = body["configuration"]["event.poller.configuration"].as_str().unwrap().chars().skip(e.inner.column - 1).take(6).collect();
    assert_eq!(inner, "\"Mars\"");
}

#[test]
fn the_schema_names_every_known_key() {
    let s = config::schema();
    let conf = &s["properties"]["configuration"]["properties"];
    for k in ["oauth.api.key", "event.poller.refresh_interval", "event.poller.configuration", "event.notification.signature.key"] {
        assert!(conf.get(k).is_some(), "{k}");
    }
    let poller = &s["$defs"]["poller"]["properties"];
    for k in ["url", "idField", "datesConfiguration", "pageSize", "pollDelay", "filterByUpdatedDate", "filterByCurrentDate", "createdCheckTolerance"]
    {
        assert!(poller.get(k).is_some(), "{k}");
    }
    assert_eq!(s["required"], json!(["element", "configuration", "name"]));
}

#[test]
fn a_body_given_as_a_json_string_validates_and_locates_inside_the_string() {
    let body = with(canonical(), |v| poller(v)["pageSize"] = json!(0));
    let wrapped = serde_json::to_string(&text(&body)).unwrap();
    let d = config::validate(&wrapped);
    assert_eq!(d.len(), 1);
    let path = "configuration[\"event.poller.configuration\"].appointments.pageSize";
    assert_eq!((d[0].code, d[0].path.as_str()), ("poller.page-size.range", path));
    let e = config::locate_embedded(&wrapped, path).unwrap();
    assert_eq!((e.string_path.as_str(), e.inner_path.as_str()), ("", path));
    let (line, col) = config::locate(&text(&body), path).unwrap();
    assert_eq!((e.inner.line, e.inner.column), (line, col));
}

#[test]
fn bare_date_follows_the_created_field_when_filtering_by_created_date() {
    let mut r = ResourcePoller::from_value("appointments", &appointments()).unwrap();
    r.url = Some("/x?where=creation_date>'${date}'".into());
    r.filter_by_updated_date = false;
    if let Some(c) = r.dates.created.as_mut() {
        c.format = "yyyy-MM-dd".into();
    }
    assert_eq!(next_url(&r, 1_710_054_309_042, 0).unwrap(), "/x?where=creation_date%3E'2024-03-09'");
}

#[test]
fn the_builder_takes_all_presets_or_a_list() {
    let base = json!({"element": "infusionsoftrest", "name": "x", "code": "c", "callbackUrl": "https://a.example/e",
        "oauth": {"key": "k", "secret": "s", "callbackUrl": "https://a.example/o"}});
    let with_resources = |r: Value| {
        let mut s = base.clone();
        s["resources"] = r;
        config::build_instance(&s)
    };
    let all = with_resources(json!("all")).unwrap();
    assert_eq!(all["configuration"]["event.poller.configuration"], presets::infusionsoftrest());
    let two = with_resources(json!(["tasks", "contacts"])).unwrap();
    let pc = two["configuration"]["event.poller.configuration"].as_object().unwrap();
    assert_eq!(pc.keys().collect::<Vec<_>>(), ["tasks", "contacts"]);
    assert_eq!(with_resources(json!([1])).unwrap_err().path.as_deref(), Some("resources[0]"));
}

/// DESIGN section 13: `reconcile` is read by the one reader, validated at its paths with hints,
/// and written back unchanged.
#[test]
fn the_reconcile_key_is_read_validated_and_kept() {
    let on = with(canonical(), |v| poller(v)["reconcile"] = json!({"everyHours": "24", "maxDrop": 0.25}));
    let errors: Vec<_> = config::validate_value(&on).into_iter().filter(|d| d.severity == elements_poller::diag::Severity::Error).collect();
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(config::normalize(&text(&on)).unwrap(), on, "kept as written");
    let p = &on["configuration"]["event.poller.configuration"]["appointments"];
    let r = ResourcePoller::from_value("appointments", p).unwrap().reconcile.unwrap();
    assert_eq!((r.every_ms, r.max_drop_ppm), (86_400_000, 250_000));
    let default_drop = json!({"everyHours": 1.5});
    assert_eq!(config::Reconcile::from_value(&default_drop).unwrap().max_drop_ppm, 500_000);
    assert!(ResourcePoller::from_value("appointments", &appointments()).unwrap().reconcile.is_none(), "off unless asked");
    for (value, code, path) in [
        (json!(true), "poller.reconcile.type", "reconcile"),
        (json!({}), "poller.reconcile.every-hours", "reconcile.everyHours"),
        (json!({"everyHours": 0}), "poller.reconcile.every-hours", "reconcile.everyHours"),
        (json!({"everyHours": "soon"}), "poller.reconcile.every-hours", "reconcile.everyHours"),
        (json!({"everyHours": 24, "maxDrop": 1.5}), "poller.reconcile.max-drop", "reconcile.maxDrop"),
    ] {
        let bad = with(canonical(), |v| poller(v)["reconcile"] = value.clone());
        let d = config::validate_value(&bad);
        let hit = d.iter().find(|d| d.code == code).unwrap_or_else(|| panic!("{value}: {d:?}"));
        assert_eq!(hit.path, format!("configuration[\"event.poller.configuration\"].appointments.{path}"), "{value}");
        assert!(hit.hint.is_some(), "{code} has a hint");
    }
}
