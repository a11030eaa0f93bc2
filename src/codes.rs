//! The catalogue of stable error and diagnostic codes: every `code` a `PollerError` or a
//! `Diagnostic` can carry, from the core and from the JS layer, with what it means.
//!
//! Codes are a contract: a user matches on them, so one is never renamed or reused for
//! another meaning. `pkg/types/codes.d.ts` is generated from this list (as the TypeScript
//! union `ErrorCode`), and `tests/codes.rs` fails when the two disagree or when a code
//! literal in `src/` or `pkg/src/` is missing here. Call sites keep their literals; this
//! list only names them.

/// `(code, one-line meaning)`, grouped by the layer that reports it, sorted within a group.
pub const CODES: &[(&str, &str)] = &[
    // Java date patterns: compiling and linting (`datefmt`).
    ("date-format.day-of-year", "`D` (day of year) where `d` (day of month) is meant"),
    ("date-format.empty", "the date pattern is empty"),
    ("date-format.fraction-width", "a run of `S` other than three letters: its meaning differs between SimpleDateFormat and java.time"),
    ("date-format.hour-without-ampm", "`h`/`K` (12-hour clock) without an `a` marker"),
    ("date-format.literal-z-zone", "a quoted `'Z'` literal with a zone other than GMT/UTC"),
    ("date-format.minutes-as-month", "`mm` (minutes) where `MM` (month) is meant"),
    ("date-format.no-time-of-day", "an updated-date pattern with no time of day"),
    ("date-format.too-many-letters", "more letters in a run than the field accepts"),
    ("date-format.unknown-letter", "a pattern letter SimpleDateFormat does not know"),
    ("date-format.unterminated-quote", "a quoted literal with no closing quote"),
    ("date-format.week-year", "`YYYY` (week year) where `yyyy` is meant"),
    // Parsing and formatting dates (`datefmt`).
    ("date.instant.invalid", "an instant that is not a whole number of epoch milliseconds"),
    ("date.parse.bad-offset", "a zone offset or zone name that cannot be read"),
    ("date.parse.end-of-text", "the text ended before the pattern did"),
    ("date.parse.expected-digits", "digits were expected here"),
    ("date.parse.inconsistent", "fields that contradict each other (e.g. a weekday that is not the date's)"),
    ("date.parse.literal", "the text differs from a literal of the pattern"),
    ("date.parse.number-for-pattern", "a number where a named format (milliseconds, seconds, ...) expects one"),
    ("date.parse.out-of-range", "a field out of its range (strict parsing), or a number too large for an instant"),
    ("date.parse.trailing-text", "text left over after the pattern"),
    ("date.parse.unknown-name", "a month, weekday, era or am/pm name that is not known"),
    // Zones (`zone`).
    ("zone.unknown", "a zone name that is neither GMT/UTC, an offset, a Java short id nor an IANA zone"),
    // Poll url templates (`template`).
    ("poller.url.epoch-unit", "an epoch variable with an unknown unit"),
    ("poller.url.missing-dollar", "a `{gmtDate:...}` variable without its `$`"),
    ("poller.url.not-relative", "a resource url that is not a path relative to the element"),
    ("poller.url.unknown-variable", "a `${...}` variable that is not known"),
    ("poller.url.unterminated-variable", "a `${` with no closing `}`"),
    ("poller.url.variable-arguments", "a url variable with missing or extra arguments"),
    ("poller.url.where-field", "the where clause compares a field other than the updated-date field"),
    // The POST /instances body (`config`): reading and validating.
    ("config.empty", "the body is empty"),
    ("config.key.alias", "a key spelled the way the platform also accepts, but not canonically"),
    ("config.key.duplicate", "a key given twice in one object"),
    ("config.key.misspelled", "an unknown key close to a known one"),
    ("config.not-json", "the body is not JSON"),
    ("config.not-object", "the body is not a JSON object"),
    ("config.placeholder", "a value is still a placeholder"),
    ("config.refresh-interval", "event.poller.refresh_interval is not a positive number of minutes"),
    ("config.required", "a required key is missing"),
    ("config.type", "a value of the wrong type"),
    ("config.url.insecure", "an http:// url where https:// is required"),
    ("config.url.not-absolute", "a url that must be absolute is not"),
    ("events.callback.self", "the notification callback points at Cloud Elements itself"),
    ("events.disabled", "pollers are configured but event.notification.enabled is not true"),
    ("events.invalid", "events given to buildNotifications that are not what detection returned"),
    ("events.no-callback", "events are enabled without event.notification.callback.url"),
    ("events.no-pollers", "events are enabled without any resource poller"),
    ("events.vendor-type", "event.vendor.type is not `polling`"),
    ("poller.configuration.not-json", "event.poller.configuration is a string that is not JSON"),
    ("poller.configuration.not-object", "event.poller.configuration is not an object"),
    ("poller.created-check-tolerance.duplicate", "createdCheckTolerance is given in two places"),
    ("poller.created-check-tolerance.negative", "createdCheckTolerance is negative"),
    ("poller.dates.created-required", "a created-date setting without createdDateField"),
    ("poller.dates.no-created-field", "no created-date field: every event will be UPDATED"),
    ("poller.field-path.malformed", "a field path (idField, a date field, recordsField) that the grammar cannot read"),
    ("poller.not-object", "a resource poller is not an object"),
    ("poller.page-size.range", "pageSize outside what the element accepts"),
    ("poller.poll-delay.negative", "pollDelay is negative"),
    // Building and rendering bodies (`config`).
    ("build.invalid", "the built body does not validate"),
    ("build.not-object", "the spec is not an object"),
    ("build.required", "the spec lacks a required key"),
    ("build.spec", "the spec is not JSON"),
    ("build.type", "a spec value of the wrong type"),
    ("build.unknown-key", "a spec key that is not known"),
    ("build.unknown-preset", "a resource name with no preset for the element"),
    ("request.secret-missing", "a secret needed for the authorization header was not given"),
    // Detection over response bodies (`detect`).
    ("body.commit", "BodyBuffer.commit of more bytes than spare() reserved"),
    ("body.no-records", "the body has no records where recordsField says"),
    ("body.not-json", "the response body is not JSON"),
    ("record.bad-date", "a record's date that does not match its format"),
    ("record.missing-date", "a record without its updated date"),
    ("record.missing-id", "a record without a readable id"),
    ("record.not-object", "a record that is not a JSON object"),
    ("resource.name", "the resource poller has no name"),
    ("resource.not-json", "the resource poller is not JSON"),
    ("resource.url", "the resource poller has no usable url"),
    ("start-from.invalid", "startFrom is neither now, beginning nor an ISO instant"),
    ("state.invalid", "the saved state cannot be read"),
    ("state.version", "the saved state is of a version this build does not read"),
    // The poll cycle (`cycle`).
    ("cycle.auth", "the provider refused the credentials (401/403)"),
    ("cycle.finished", "the cycle was used after finish()"),
    ("cycle.http", "the provider answered with a status the cycle does not retry"),
    ("cycle.paging-loop", "the provider's paging returned to a page already read"),
    ("cycle.retries-exhausted", "retries of a 429/5xx/transport failure ran out"),
    ("cycle.unfinished", "finish() before the cycle was over"),
    ("cycle.unstable-listing", "rows kept moving while the cycle paged, past its passes"),
    // The binding layer (`wasm`).
    ("options.invalid", "options that are not the JSON the core expects"),
    ("response.headers", "response headers that are not an object of strings"),
    // The JS layer (`pkg/src`): arguments.
    ("argument.base-url", "baseUrl is not a string"),
    ("argument.body", "a body that is neither bytes, a string nor a live BodyBuffer"),
    ("argument.callback-url", "no callback url given or in the instance"),
    ("argument.capacity", "a BodyBuffer capacity that is not a byte count"),
    ("argument.events", "events is not an array"),
    ("argument.instant", "an instant that is neither epoch ms, a Date nor ISO text"),
    ("argument.lookback", "lookback is not milliseconds >= 0"),
    ("argument.not-json", "an argument that cannot be turned into JSON"),
    ("argument.now", "now is not epoch milliseconds"),
    ("argument.resource", "a resource that is not a resource poller, or not in the instance"),
    ("argument.stream", "fromStream given neither a ReadableStream nor an async iterable"),
    ("argument.type", "an argument of the wrong type"),
    // The JS layer: the Poller.
    ("poller.auth", "auth is not {user, organization, element}"),
    ("poller.base-url", "baseUrl is not the hub's absolute url"),
    ("poller.concurrency", "concurrency is not a positive integer"),
    ("poller.consumer", "both onEvents and delivery were given"),
    ("poller.cycle", "a cycle failed"),
    ("poller.delivery", "delivery without a callbackUrl"),
    ("poller.fetch", "no fetch function is available: pass one with {fetch}"),
    ("poller.rate-limit", "rateLimit is not requests per second > 0"),
    ("poller.resource", "a resource that is not in the instance"),
    ("poller.stopped", "the Poller was stopped"),
    // The JS layer: the delivery outbox.
    ("delivery.dead", "a notification exhausted its retries and is parked as dead"),
    ("delivery.invalid-item", "an outbox entry or notification list that cannot be read"),
    ("delivery.no-consumer", "an outbox entry for an in-process consumer drained without onEvents"),
    ("delivery.not-dead", "redelivery of an entry that is not dead"),
    ("delivery.retry", "a delivery attempt failed and will be retried"),
    ("delivery.timeout", "a delivery attempt timed out"),
    // The JS layer: stores.
    ("store.corrupt", "the store's data cannot be read back as what it wrote"),
    ("store.invalid-key", "a key that is not a non-empty string"),
    ("store.invalid-options", "store options that cannot be used (e.g. FileStore without a directory)"),
    ("store.invalid-transaction", "a transaction that is not a list of set/delete ops"),
    ("store.invalid-value", "a value that is not a string"),
    ("store.read-failed", "the store could not be read"),
    ("store.unavailable", "the storage the store needs is not available here"),
    ("store.write-failed", "the store could not be written"),
    // The CLI.
    ("cli.not-text", "an input file that is not UTF-8 text (binary, or another encoding)"),
    // The hub simulator (`elements-poller/testing`).
    ("hub.bad-request", "the simulated hub refused a request (400)"),
    ("hub.not-found", "the simulated hub has no such resource (404)"),
    // The JS layer: the wasm instance.
    ("wasm.not-loaded", "the API was called before the package's entry had loaded the wasm core"),
    // Anywhere.
    ("internal", "a bug: the wasm core trapped (the next call gets a fresh instance)"),
];

/// The meaning of `code`, or `None` when it is not a catalogued code.
pub fn meaning(code: &str) -> Option<&'static str> {
    CODES.iter().find(|(c, _)| *c == code).map(|(_, m)| *m)
}
