# Regenerates the case files in this folder (python3 tests/data/configs/generate.py from the repo root).
# The JSON files are the source of truth for the tests; this script is how they were written.
import json, copy, os
OUT = "tests/data/configs"
ISO = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'"
def appt():
    return {"url": "/hubs/crm/appointments", "idField": "id", "datesConfiguration": {
        "updatedDateField": "modification_date", "updatedDateFormat": ISO, "updatedDateTimezone": "GMT",
        "createdDateField": "creation_date", "createdDateFormat": ISO, "createdDateTimezone": "GMT"}}
def base():
    return {"element": {"key": "infusionsoftrest"}, "providerData": {"code": "a1b2c3"},
            "configuration": {"oauth.api.key": "Rand0MAP1-key", "oauth.api.secret": "fak3AP1-s3Cr3t",
                              "oauth.callback.url": "https://mycoolapp.com/oauth",
                              "event.notification.enabled": True, "event.vendor.type": "polling",
                              "event.notification.callback.url": "https://mycoolapp.com/events",
                              "event.poller.refresh_interval": "15",
                              "event.poller.configuration": {"appointments": appt()}},
            "tags": ["Docs"], "name": "API Instance with Polling"}
C = 'configuration'
PC = 'configuration["event.poller.configuration"]'
A = PC + '.appointments'
D = A + '.datesConfiguration'
cases = []
def case(name, desc, expect, mut=None, text=None):
    b = base()
    if mut:
        mut(b)
    c = {"description": desc}
    if text is not None: c["text"] = text
    else: c["body"] = b
    c["expect"] = expect
    cases.append((name, c))
def conf(b): return b["configuration"]
def ap(b): return b["configuration"]["event.poller.configuration"]["appointments"]
def dates(b): return ap(b)["datesConfiguration"]
def setc(k, v): return lambda b: conf(b).__setitem__(k, v)
def delc(k): return lambda b: conf(b).pop(k)
def seta(k, v): return lambda b: ap(b).__setitem__(k, v)
def dela(k): return lambda b: ap(b).pop(k)
def setd(k, v): return lambda b: dates(b).__setitem__(k, v)
def deld(k): return lambda b: dates(b).pop(k)
def seq(*fs):
    def f(b):
        for g in fs: g(b)
    return f
W = lambda where: seta("url", "/hubs/crm/appointments?where=" + where)

# ---- valid ----
case("valid-minimal", "the cURL example with a real grant code", [])
case("valid-native-types", "native JSON values", [], setc("event.poller.refresh_interval", 15))
case("valid-string-types", "every value as a string, as returned instances show them", [], seq(setc("event.notification.enabled", "true"), setc("event.poller.refresh_interval", "30")))
case("valid-poller-config-string", "event.poller.configuration as a JSON-encoded string", [], lambda b: conf(b).__setitem__("event.poller.configuration", json.dumps(conf(b)["event.poller.configuration"])))
case("valid-unknown-keys", "unknown keys at every level are kept and not reported", [], seq(lambda b: b.__setitem__("x-owner", {"team": "crm"}), setc("oauth.scope", "full"), seta("comment", "keep me"), setd("note", 1)))
case("valid-legacy-urls", "legacy pipe-delimited event.poller.urls", [], seq(delc("event.poller.configuration"), setc("event.poller.urls", "/hubs/crm/contacts|/hubs/crm/appointments")))
case("valid-where-gmtdate", "where clause on the updated field with ${gmtDate:...}", [], W("modification_date>'${gmtDate:" + ISO + "}'"))
case("valid-where-epoch", "where clause with ${epoch:s}", [], W("modification_date>${epoch:s}"))
case("valid-where-datetimezone", "a zone with a colon inside ${dateTimeZone}", [], W("modification_date>'${dateTimeZone:-8:00:yyyy-MM-dd'T'HH:mm:ss}'"))
case("valid-where-since", "provider pseudo-fields such as since are not compared", [], W("since='${date:yyyy-MM-dd'T'HH:mm:ss}'"))
case("valid-where-created-when-filtering-created", "filterByUpdatedDate false: the where clause compares the created field", [], seq(seta("filterByUpdatedDate", False), W("creation_date>'${gmtDate:" + ISO + "}'")))
case("valid-all-poller-keys", "every poller key, as strings", [], seq(seta("pageSize", "200"), seta("pollDelay", "30"), seta("filterByUpdatedDate", "false"), seta("filterByCurrentDate", True), seta("createdCheckTolerance", 5)))
case("valid-tolerance-in-dates", "createdCheckTolerance inside datesConfiguration", [], setd("createdCheckTolerance", "10"))
case("valid-nested-fields", "dotted id and date fields", [], seq(seta("idField", "user.id"), setd("updatedDateField", "_info.lastUpdated"), setd("createdDateField", "items[0].created")))
case("valid-webhooks", "webhooks: no pollers and no refresh interval needed", [], seq(setc("event.vendor.type", "webhooks"), delc("event.poller.configuration"), delc("event.poller.refresh_interval")))
case("valid-events-off", "events off: no callback needed", [], seq(setc("event.notification.enabled", False), delc("event.notification.callback.url"), delc("event.poller.configuration"), delc("event.poller.refresh_interval")))
case("valid-localhost-http", "plain http is fine for localhost", [], setc("event.notification.callback.url", "http://localhost:3000/events"))
case("valid-other-element", "an element without OAuth needs no grant code", [], seq(lambda b: b.__setitem__("element", {"key": "myapi"}), lambda b: b.pop("providerData"), delc("oauth.api.key"), delc("oauth.api.secret"), delc("oauth.callback.url")))
case("valid-no-created-field", "no created field: an info says every event is UPDATED", [["poller.dates.no-created-field", D + ".createdDateField"]], seq(deld("createdDateField"), deld("createdDateFormat"), deld("createdDateTimezone")))
case("valid-defaults-for-format-and-zone", "formats and zones default to the seed's ISO pattern in GMT", [], seq(deld("updatedDateFormat"), deld("updatedDateTimezone"), deld("createdDateFormat"), deld("createdDateTimezone")))
case("valid-offset-zone", "a fixed offset zone with a pattern that has no zone of its own", [], seq(setd("updatedDateTimezone", "-08:00"), setd("updatedDateFormat", "yyyy-MM-dd'T'HH:mm:ss.SSS")))

# ---- body ----
case("body-not-json", "not JSON at all", [["config.not-json", ""]], text="{element: infusionsoftrest")
case("body-array", "a JSON array", [["config.not-object", ""]], text="[1, 2]")
case("body-string-not-object", "a JSON string that holds no object", [["config.not-object", ""]], text="\"hello\"")
case("body-empty-object", "an empty object", [["config.required", "element"], ["config.required", "name"], ["config.required", "configuration"]], text="{}")
case("element-missing-key", "element without its key", [["config.required", "element.key"]], lambda b: b.__setitem__("element", {}))
case("element-not-object", "element given as a string", [["config.type", "element"]], lambda b: b.__setitem__("element", "infusionsoftrest"))
case("name-missing", "no instance name", [["config.required", "name"]], lambda b: b.pop("name"))
case("name-empty", "an empty name", [["config.empty", "name"]], lambda b: b.__setitem__("name", "  "))
case("provider-data-missing", "an OAuth element without providerData", [["config.required", "providerData"]], lambda b: b.pop("providerData"))
case("provider-code-placeholder", "the grant code left as in the docs", [["config.placeholder", "providerData.code"]], lambda b: b.__setitem__("providerData", {"code": "<AUTHORIZATION_GRANT_CODE>"}))
case("tags-not-array", "tags as a string", [["config.type", "tags"]], lambda b: b.__setitem__("tags", "Docs"))
case("tags-placeholder", "a tag left as in the docs", [["config.placeholder", "tags[1]"]], lambda b: b.__setitem__("tags", ["Docs", "<Add_Your_Tag>"]))
case("configuration-array", "configuration as an array", [["config.type", "configuration"]], lambda b: b.__setitem__("configuration", []))
case("body-key-misspelled", "a misspelled top-level key", [["config.key.misspelled", "configuraton"], ["config.required", "configuration"]], lambda b: b.__setitem__("configuraton", b.pop("configuration")))

# ---- configuration ----
case("oauth-secret-missing", "no OAuth secret", [["config.required", C + '["oauth.api.secret"]']], delc("oauth.api.secret"))
case("oauth-secret-number", "the OAuth secret as a number", [["config.type", C + '["oauth.api.secret"]']], setc("oauth.api.secret", 1234567))
case("oauth-key-placeholder", "the OAuth key left as in the docs", [["config.placeholder", C + '["oauth.api.key"]']], setc("oauth.api.key", "<Infusionsoft app Key Name>"))
case("oauth-callback-not-absolute", "an OAuth callback without scheme", [["config.url.not-absolute", C + '["oauth.callback.url"]']], setc("oauth.callback.url", "mycoolapp.com/oauth"))
case("oauth-callback-http", "an OAuth callback over plain http", [["config.url.insecure", C + '["oauth.callback.url"]']], setc("oauth.callback.url", "http://mycoolapp.com/oauth"))
case("callback-missing", "events on, nowhere to send them", [["events.no-callback", C + '["event.notification.callback.url"]']], delc("event.notification.callback.url"))
case("callback-ftp", "an ftp callback", [["config.url.not-absolute", C + '["event.notification.callback.url"]']], setc("event.notification.callback.url", "ftp://mycoolapp.com/events"))
case("callback-no-host", "https:// with no host", [["config.url.not-absolute", C + '["event.notification.callback.url"]']], setc("event.notification.callback.url", "https:///events"))
case("callback-self", "events sent back to the Cloud Elements API", [["events.callback.self", C + '["event.notification.callback.url"]']], setc("event.notification.callback.url", "https://api.cloud-elements.com/elements/api-v2/events/"))
case("enabled-not-bool", "enabled as yes", [["config.type", C + '["event.notification.enabled"]']], setc("event.notification.enabled", "yes"))
case("vendor-type-misspelled", "poling", [["events.vendor-type", C + '["event.vendor.type"]']], setc("event.vendor.type", "poling"))
case("refresh-zero", "zero minutes", [["config.refresh-interval", C + '["event.poller.refresh_interval"]']], setc("event.poller.refresh_interval", 0))
case("refresh-fraction", "15.5 minutes", [["config.refresh-interval", C + '["event.poller.refresh_interval"]']], setc("event.poller.refresh_interval", "15.5"))
case("refresh-text", "fifteen", [["config.refresh-interval", C + '["event.poller.refresh_interval"]']], setc("event.poller.refresh_interval", "fifteen"))
case("refresh-negative", "negative minutes", [["config.refresh-interval", C + '["event.poller.refresh_interval"]']], setc("event.poller.refresh_interval", -5))
case("refresh-missing", "polling on, no interval", [["config.required", C + '["event.poller.refresh_interval"]']], delc("event.poller.refresh_interval"))
case("refresh-placeholder", "the interval left as in the docs", [["config.placeholder", C + '["event.poller.refresh_interval"]']], setc("event.poller.refresh_interval", "<minutes>"))
case("config-key-misspelled", "refresh_intervall", [["config.key.misspelled", C + '["event.poller.refresh_intervall"]'], ["config.required", C + '["event.poller.refresh_interval"]']], lambda b: conf(b).__setitem__("event.poller.refresh_intervall", conf(b).pop("event.poller.refresh_interval")))
case("signature-key-number", "a signature key as a number", [["config.type", C + '["event.notification.signature.key"]']], setc("event.notification.signature.key", 42))
case("basic-password-placeholder", "a basic password left as a placeholder", [["config.placeholder", C + '["event.notification.basic.password"]']], setc("event.notification.basic.password", "<PASSWORD>"))
case("events-no-pollers", "events on, nothing to poll", [["events.no-pollers", PC]], delc("event.poller.configuration"))
case("events-disabled-with-pollers", "pollers but events off", [["events.disabled", C + '["event.notification.enabled"]']], setc("event.notification.enabled", "false"))
case("legacy-urls-bad", "legacy urls with a non-relative url and a misspelled variable", [["poller.url.not-relative", C + '["event.poller.urls"]'], ["poller.url.unknown-variable", C + '["event.poller.urls"]']], seq(delc("event.poller.configuration"), setc("event.poller.urls", "hubs/crm/contacts | /hubs/crm/appointments?where=a>'${dat}'")))
case("poller-config-bad-json", "a poller configuration string that is not JSON", [["poller.configuration.not-json", PC]], setc("event.poller.configuration", "{\"appointments\": {\"url\": "))
case("poller-config-array", "a poller configuration array", [["poller.configuration.not-object", PC]], setc("event.poller.configuration", []))

# ---- poller ----
case("poller-not-object", "a poller given as a string", [["poller.not-object", A]], lambda b: conf(b)["event.poller.configuration"].__setitem__("appointments", "/hubs/crm/appointments"))
case("url-missing", "a poller without url", [["config.required", A + ".url"]], dela("url"))
case("url-absolute", "the full API url instead of the hub path", [["poller.url.not-relative", A + ".url"]], seta("url", "https://api.cloud-elements.com/elements/api-v2/hubs/crm/appointments"))
case("url-no-slash", "a hub path without its leading slash", [["poller.url.not-relative", A + ".url"]], seta("url", "hubs/crm/appointments"))
case("url-unknown-variable", "gmtdate in the wrong case", [["poller.url.unknown-variable", A + ".url"]], W("modification_date>'${gmtdate:" + ISO + "}'"))
case("url-unterminated", "a variable without its closing brace", [["poller.url.unterminated-variable", A + ".url"]], W("modification_date>'${gmtDate:yyyy-MM-dd"))
case("url-epoch-unit", "an unknown epoch unit", [["poller.url.epoch-unit", A + ".url"]], W("modification_date>${epoch:sec}"))
case("url-unknown-zone", "an unknown zone in ${dateTimeZone}", [["zone.unknown", A + ".url"]], W("modification_date>'${dateTimeZone:Mars/Base:yyyy-MM-dd}'"))
case("url-format-error", "a date format with an unterminated quote in the url", [["date-format.unterminated-quote", A + ".url"]], W("modification_date>'${gmtDate:yyyy-MM-dd'T}'"))
case("url-missing-dollar", "{gmtDate:...} without its $", [["poller.url.missing-dollar", A + ".url"]], W("modification_date>'{gmtDate:" + ISO + "}'"))
case("url-where-other-field", "the where clause filters on another field", [["poller.url.where-field", A + ".url"]], W("LastModifiedDate>'${gmtDate:" + ISO + "}'"))
case("url-gmtdate-no-format", "${gmtDate} with no format", [["poller.url.variable-arguments", A + ".url"]], W("modification_date>'${gmtDate}'"))
case("id-field-missing", "no idField", [["config.required", A + ".idField"]], dela("idField"))
case("id-field-misspelled", "idfield instead of idField", [["config.key.misspelled", A + ".idfield"], ["config.required", A + ".idField"]], lambda b: ap(b).__setitem__("idfield", ap(b).pop("idField")))
case("id-field-malformed", "an empty path segment", [["poller.field-path.malformed", A + ".idField"]], seta("idField", "user..id"))
case("updated-field-malformed", "a field path with a space", [["poller.field-path.malformed", D + ".updatedDateField"]], setd("updatedDateField", "modification date"))
case("dates-missing", "no datesConfiguration", [["config.required", A + ".datesConfiguration"]], dela("datesConfiguration"))
case("dates-not-object", "datesConfiguration as a string", [["config.type", A + ".datesConfiguration"]], seta("datesConfiguration", "modification_date"))
case("updated-field-missing", "no updatedDateField", [["config.required", D + ".updatedDateField"]], deld("updatedDateField"))
case("dates-key-misspelled", "updatedDateFeild", [["config.key.misspelled", D + ".updatedDateFeild"], ["config.required", D + ".updatedDateField"]], lambda b: dates(b).__setitem__("updatedDateFeild", dates(b).pop("updatedDateField")))
case("format-unterminated-quote", "an unterminated quote in a date format", [["date-format.unterminated-quote", D + ".updatedDateFormat"]], setd("updatedDateFormat", "yyyy-MM-dd'T"))
case("format-week-year", "YYYY: the week-based year", [["date-format.week-year", D + ".createdDateFormat"]], setd("createdDateFormat", "YYYY-MM-dd'T'HH:mm:ss.SSS'Z'"))
case("zone-unknown", "an unknown zone", [["zone.unknown", D + ".updatedDateTimezone"]], setd("updatedDateTimezone", "Mars/Olympus"))
case("zone-number", "a zone as a number", [["config.type", D + ".createdDateTimezone"]], setd("createdDateTimezone", 0))
case("page-size-zero", "pageSize 0", [["poller.page-size.range", A + ".pageSize"]], seta("pageSize", 0))
case("page-size-too-big", "pageSize 6000", [["poller.page-size.range", A + ".pageSize"]], seta("pageSize", 6000))
case("page-size-text", "pageSize lots", [["config.type", A + ".pageSize"]], seta("pageSize", "lots"))
case("poll-delay-negative", "a negative pollDelay", [["poller.poll-delay.negative", A + ".pollDelay"]], seta("pollDelay", -30))
case("filter-alias", "the docs' filterByUpdateDate spelling", [["config.key.alias", A + ".filterByUpdateDate"]], seta("filterByUpdateDate", False))
case("filter-bad-type", "filterByCurrentDate maybe", [["config.type", A + ".filterByCurrentDate"]], seta("filterByCurrentDate", "maybe"))
case("tolerance-duplicate", "createdCheckTolerance at both levels", [["poller.created-check-tolerance.duplicate", D + ".createdCheckTolerance"]], seq(seta("createdCheckTolerance", 10), setd("createdCheckTolerance", 20)))
case("tolerance-negative", "a negative tolerance inside datesConfiguration", [["poller.created-check-tolerance.negative", D + ".createdCheckTolerance"]], setd("createdCheckTolerance", -1))
case("string-config-inner-errors", "errors inside a JSON-encoded poller configuration keep their inner paths",
     [["zone.unknown", D + ".updatedDateTimezone"], ["config.required", A + ".idField"]],
     seq(setd("updatedDateTimezone", "Mars/Olympus"), dela("idField"), lambda b: conf(b).__setitem__("event.poller.configuration", json.dumps(conf(b)["event.poller.configuration"]))))
case("many-at-once", "every problem at once, at every depth",
     [["config.placeholder", "providerData.code"], ["config.refresh-interval", C + '["event.poller.refresh_interval"]'],
      ["config.url.insecure", C + '["event.notification.callback.url"]'], ["poller.not-object", PC + ".contacts"],
      ["poller.url.not-relative", A + ".url"], ["poller.page-size.range", A + ".pageSize"], ["zone.unknown", D + ".createdDateTimezone"]],
     seq(lambda b: b.__setitem__("providerData", {"code": "<AUTHORIZATION_GRANT_CODE>"}), setc("event.poller.refresh_interval", "0.5"),
         setc("event.notification.callback.url", "http://mycoolapp.com"), lambda b: conf(b)["event.poller.configuration"].__setitem__("contacts", 7),
         seta("url", "appointments"), seta("pageSize", 10000), setd("createdDateTimezone", "GTM")))

# ---- duplicates and empties (text cases: Python dicts cannot hold duplicate keys) ----
dup = json.dumps(base(), indent=2).replace('"event.poller.configuration": {\n', '"event.poller.configuration": {\n        "appointments": {"url": "/hubs/crm/old"},\n', 1)
case("duplicate-poller", "a resource written twice: the first one would be dropped silently", [["config.key.duplicate", A]], text=dup)
b2 = base(); b2["configuration"]["event.poller.configuration"] = json.dumps(b2["configuration"]["event.poller.configuration"])
dup2 = json.dumps(b2, indent=2).replace('\\"idField\\": \\"id\\"', '\\"idField\\": \\"key\\", \\"idField\\": \\"id\\"', 1)
case("duplicate-inside-string-config", "a key written twice inside the string form", [["config.key.duplicate", A + ".idField"]], text=dup2)
case("empty-poller-config", "events on with an empty poller configuration", [["events.no-pollers", PC]], setc("event.poller.configuration", {}))

# ---- named formats, IANA zones, short ids, lints of the full date engine ----
case("valid-hubspot-milliseconds", "the reference's HubSpot contacts poller: bare ${date} with format milliseconds", [],
     lambda b: conf(b)["event.poller.configuration"].__setitem__("appointments", {"url": "/hubs/crm/contacts?where=lastmodifieddate='${date}'", "idField": "vid",
        "datesConfiguration": {"updatedDateField": "properties.lastmodifieddate", "updatedDateFormat": "milliseconds", "createdDateField": "properties.createdate", "createdDateFormat": "milliseconds"}}))
case("valid-intercom-timestamp", "epoch seconds with the named format timestamp", [], seq(setd("updatedDateFormat", "timestamp"), setd("createdDateFormat", "timestamp")))
case("valid-iana-and-short-zones", "an IANA zone and a Java short id", [], seq(setd("updatedDateTimezone", "America/Los_Angeles"), setd("createdDateTimezone", "PST"), setd("updatedDateFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSXXX"), setd("createdDateFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSXXX")))
case("valid-url-iana-zone", "${dateTimeZone} with an IANA zone", [], W("modification_date>'${dateTimeZone:America/New_York:yyyy-MM-dd'T'HH:mm:ssXXX}'"))

for f in os.listdir(OUT):
    if f.endswith(".json"): os.remove(os.path.join(OUT, f))
for name, c in cases:
    with open(os.path.join(OUT, name + ".json"), "w") as fh:
        json.dump(c, fh, indent=2, ensure_ascii=False); fh.write("\n")
print(len(cases))
