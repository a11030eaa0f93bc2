// Generated from src/codes.rs by `UPDATE_CODES=1 cargo test --test codes`: do not edit.
// tests/codes.rs fails when this file and the catalogue disagree.

/** Every stable code a `PollerError` or a `Diagnostic` carries; see src/codes.rs. */
export type ErrorCode =
  /** `D` (day of year) where `d` (day of month) is meant */
  | "date-format.day-of-year"
  /** the date pattern is empty */
  | "date-format.empty"
  /** a run of `S` other than three letters: its meaning differs between SimpleDateFormat and java.time */
  | "date-format.fraction-width"
  /** `h`/`K` (12-hour clock) without an `a` marker */
  | "date-format.hour-without-ampm"
  /** a quoted `'Z'` literal with a zone other than GMT/UTC */
  | "date-format.literal-z-zone"
  /** `mm` (minutes) where `MM` (month) is meant */
  | "date-format.minutes-as-month"
  /** an updated-date pattern with no time of day */
  | "date-format.no-time-of-day"
  /** more letters in a run than the field accepts */
  | "date-format.too-many-letters"
  /** a pattern letter SimpleDateFormat does not know */
  | "date-format.unknown-letter"
  /** a quoted literal with no closing quote */
  | "date-format.unterminated-quote"
  /** `YYYY` (week year) where `yyyy` is meant */
  | "date-format.week-year"
  /** an instant that is not a whole number of epoch milliseconds */
  | "date.instant.invalid"
  /** a zone offset or zone name that cannot be read */
  | "date.parse.bad-offset"
  /** the text ended before the pattern did */
  | "date.parse.end-of-text"
  /** digits were expected here */
  | "date.parse.expected-digits"
  /** fields that contradict each other (e.g. a weekday that is not the date's) */
  | "date.parse.inconsistent"
  /** the text differs from a literal of the pattern */
  | "date.parse.literal"
  /** a number where a named format (milliseconds, seconds, ...) expects one */
  | "date.parse.number-for-pattern"
  /** a field out of its range (strict parsing), or a number too large for an instant */
  | "date.parse.out-of-range"
  /** text left over after the pattern */
  | "date.parse.trailing-text"
  /** a month, weekday, era or am/pm name that is not known */
  | "date.parse.unknown-name"
  /** a zone name that is neither GMT/UTC, an offset, a Java short id nor an IANA zone */
  | "zone.unknown"
  /** an epoch variable with an unknown unit */
  | "poller.url.epoch-unit"
  /** a `{gmtDate:...}` variable without its `$` */
  | "poller.url.missing-dollar"
  /** a hub path polled directly, or a Keap REST v1 path through a hub (event.poller.api) */
  | "poller.url.api"
  /** a resource url that is not a path relative to the element */
  | "poller.url.not-relative"
  /** a url template beyond 16 KB */
  | "poller.url.too-long"
  /** a `${...}` variable that is not known */
  | "poller.url.unknown-variable"
  /** a `${` with no closing `}` */
  | "poller.url.unterminated-variable"
  /** a url variable with missing or extra arguments */
  | "poller.url.variable-arguments"
  /** the where clause compares a field other than the updated-date field */
  | "poller.url.where-field"
  /** the body is empty */
  | "config.empty"
  /** a key spelled the way the platform also accepts, but not canonically */
  | "config.key.alias"
  /** a key given twice in one object */
  | "config.key.duplicate"
  /** an unknown key close to a known one */
  | "config.key.misspelled"
  /** the body is not JSON */
  | "config.not-json"
  /** the body is not a JSON object */
  | "config.not-object"
  /** a value is still a placeholder */
  | "config.placeholder"
  /** event.poller.api is neither `hub` nor `direct` */
  | "config.poller-api"
  /** event.poller.api `direct` for an element whose own API the poller cannot talk to (only infusionsoftrest) */
  | "config.poller-api.element"
  /** event.poller.refresh_interval is not a positive number of minutes */
  | "config.refresh-interval"
  /** a required key is missing */
  | "config.required"
  /** a value of the wrong type */
  | "config.type"
  /** an http:// url where https:// is required */
  | "config.url.insecure"
  /** a url that must be absolute is not */
  | "config.url.not-absolute"
  /** the notification callback points at Cloud Elements itself */
  | "events.callback.self"
  /** pollers are configured but event.notification.enabled is not true */
  | "events.disabled"
  /** events given to buildNotifications that are not what detection returned */
  | "events.invalid"
  /** events are enabled without event.notification.callback.url */
  | "events.no-callback"
  /** events are enabled without any resource poller */
  | "events.no-pollers"
  /** an empty event.notification.signature.key: notifications would go unsigned */
  | "events.signature-key.empty"
  /** event.vendor.type is not `polling` */
  | "events.vendor-type"
  /** event.poller.configuration is a string that is not JSON */
  | "poller.configuration.not-json"
  /** event.poller.configuration is not an object */
  | "poller.configuration.not-object"
  /** createdCheckTolerance is given in two places */
  | "poller.created-check-tolerance.duplicate"
  /** createdCheckTolerance is negative */
  | "poller.created-check-tolerance.negative"
  /** a created-date setting without createdDateField */
  | "poller.dates.created-required"
  /** no created-date field: every event will be UPDATED */
  | "poller.dates.no-created-field"
  /** a field path (idField, a date field, recordsField) that the grammar cannot read */
  | "poller.field-path.malformed"
  /** a resource poller is not an object */
  | "poller.not-object"
  /** pageSize outside what the element accepts */
  | "poller.page-size.range"
  /** pollDelay is negative */
  | "poller.poll-delay.negative"
  /** reconcile is not an object */
  | "poller.reconcile.type"
  /** reconcile.everyHours is missing or not a number of hours above 0 (at most a year) */
  | "poller.reconcile.every-hours"
  /** reconcile.maxDrop is not a share between 0 and 1 */
  | "poller.reconcile.max-drop"
  /** the built body does not validate */
  | "build.invalid"
  /** the spec is not an object */
  | "build.not-object"
  /** the spec lacks a required key */
  | "build.required"
  /** the spec is not JSON */
  | "build.spec"
  /** a spec value of the wrong type */
  | "build.type"
  /** a spec key that is not known */
  | "build.unknown-key"
  /** a resource name with no preset for the element */
  | "build.unknown-preset"
  /** a secret needed for the authorization header was not given */
  | "request.secret-missing"
  /** BodyBuffer.commit of more bytes than spare() reserved */
  | "body.commit"
  /** the body has no records where recordsField says */
  | "body.no-records"
  /** the response body is not JSON */
  | "body.not-json"
  /** wasm memory cannot hold the body (BodyBuffer.spare / write) */
  | "body.too-large"
  /** a record's date that does not match its format */
  | "record.bad-date"
  /** no record of a page has the configured created date field (every event would be UPDATED) */
  | "record.created-field.missing"
  /** a record stamped beyond our clock plus maxClockSkew: emitted, kept out of the watermark */
  | "record.future-date"
  /** a record without its updated date */
  | "record.missing-date"
  /** a record without a readable id */
  | "record.missing-id"
  /** a record that is not a JSON object */
  | "record.not-object"
  /** the resource poller has no name */
  | "resource.name"
  /** the resource poller is not JSON */
  | "resource.not-json"
  /** the resource poller has no usable url */
  | "resource.url"
  /** startFrom is neither now, beginning nor an ISO instant */
  | "start-from.invalid"
  /** the saved state cannot be read */
  | "state.invalid"
  /** the saved state is of a version this build does not read */
  | "state.version"
  /** the provider refused the credentials (401/403) */
  | "cycle.auth"
  /** the cycle was used after finish() */
  | "cycle.finished"
  /** the provider answered with a status the cycle does not retry */
  | "cycle.http"
  /** a direct provider's next-page link points at another origin than the first page's (the token is not sent there) */
  | "cycle.next-link"
  /** the provider's paging returned to a page already read */
  | "cycle.paging-loop"
  /** retries of a 429/5xx/transport failure ran out */
  | "cycle.retries-exhausted"
  /** finish() before the cycle was over */
  | "cycle.unfinished"
  /** rows kept moving while the cycle paged, past its passes */
  | "cycle.unstable-listing"
  /** a full listing failed (a page after its retries, a truncated body, a record by id): nothing compared; the cycle polled the date window and the next listing waits */
  | "reconcile.failed"
  /** a full listing lost more than maxDrop of the ids: nothing deleted until the next complete listing confirms it */
  | "reconcile.held"
  /** a record asked for by id (an id gone from a listing) got a 404 that is not JSON: the provider serves no records there */
  | "reconcile.item-url"
  /** no signing or verification key, an empty one, or a whsec_ key that is not base64 */
  | "webhook.key"
  /** a webhook request whose signature headers or body cannot be read */
  | "webhook.malformed"
  /** a verification scheme other than elements or standard */
  | "webhook.scheme"
  /** no signature, or none that matches the body and a key */
  | "webhook.signature"
  /** a signing value other than elements, standard or both */
  | "webhook.signing"
  /** a genuine Standard Webhooks signature outside the tolerance window */
  | "webhook.timestamp"
  /** options that are not the JSON the core expects */
  | "options.invalid"
  /** response headers that are not an object of strings */
  | "response.headers"
  /** baseUrl is not a string */
  | "argument.base-url"
  /** a body that is neither bytes, a string nor a live BodyBuffer */
  | "argument.body"
  /** no callback url given or in the instance */
  | "argument.callback-url"
  /** a BodyBuffer capacity that is not a byte count */
  | "argument.capacity"
  /** events is not an array */
  | "argument.events"
  /** request headers that are neither a Headers nor an object of strings */
  | "argument.headers"
  /** an instant that is neither epoch ms, a Date nor ISO text */
  | "argument.instant"
  /** lookback is not milliseconds >= 0 */
  | "argument.lookback"
  /** maxClockSkew is not milliseconds >= 0 */
  | "argument.max-clock-skew"
  /** an argument that cannot be turned into JSON */
  | "argument.not-json"
  /** now is not epoch milliseconds */
  | "argument.now"
  /** nextDelivery given an outcome that is not {kind, status?, headers?} */
  | "argument.outcome"
  /** verifyNotification given no {body, headers} */
  | "argument.request"
  /** a resource that is not a resource poller, or not in the instance */
  | "argument.resource"
  /** fromStream given neither a ReadableStream nor an async iterable */
  | "argument.stream"
  /** toleranceSeconds is not a number of seconds >= 0 */
  | "argument.tolerance"
  /** an argument of the wrong type */
  | "argument.type"
  /** auth is not {user, organization, element} */
  | "poller.auth"
  /** baseUrl is not the hub's absolute url */
  | "poller.base-url"
  /** clock is neither a function returning epoch ms nor {now, sleep} */
  | "poller.clock"
  /** concurrency is not a positive integer */
  | "poller.concurrency"
  /** both onEvents and delivery were given */
  | "poller.consumer"
  /** a cycle failed */
  | "poller.cycle"
  /** delivery without a callbackUrl */
  | "poller.delivery"
  /** no fetch function is available: pass one with {fetch} */
  | "poller.fetch"
  /** onLostState is neither error nor restart */
  | "poller.on-lost-state"
  /** rateLimit is not requests per second > 0 */
  | "poller.rate-limit"
  /** a resource that is not in the instance */
  | "poller.resource"
  /** no saved state for a resource that has polled before (onLostState: restart to start again) */
  | "poller.state-missing"
  /** a saved state that is not a state (onLostState: restart to start again) */
  | "poller.state-unreadable"
  /** the Poller was stopped */
  | "poller.stopped"
  /** a bearer request without a tokens option (an OAuthTokens), or tokens that is not one */
  | "poller.tokens"
  /** a saved token cannot be decrypted with the key given (another key, or tampered) */
  | "oauth.decrypt"
  /** OAuthTokens options that cannot be used (no token url, client id or secret, a bad key) */
  | "oauth.options"
  /** the instance needs re-authorization: the provider refused its refresh token or code, or none is saved */
  | "oauth.reauthorize"
  /** the token endpoint could not be reached or answered with something other than a token */
  | "oauth.token-request"
  /** a notification exhausted its retries and is parked as dead */
  | "delivery.dead"
  /** an outbox entry or notification list that cannot be read */
  | "delivery.invalid-item"
  /** an outbox entry for an in-process consumer drained without onEvents */
  | "delivery.no-consumer"
  /** redelivery of an entry that is not dead */
  | "delivery.not-dead"
  /** a delivery attempt failed and will be retried */
  | "delivery.retry"
  /** a delivery attempt timed out */
  | "delivery.timeout"
  /** a warning: the signature key is empty, notifications go unsigned */
  | "delivery.unsigned"
  /** a FileStore used after close() */
  | "store.closed"
  /** the store's data cannot be read back as what it wrote */
  | "store.corrupt"
  /** a key that is not a non-empty string */
  | "store.invalid-key"
  /** store options that cannot be used (e.g. FileStore without a directory) */
  | "store.invalid-options"
  /** a transaction that is not a list of set/delete ops */
  | "store.invalid-transaction"
  /** a value that is not a string */
  | "store.invalid-value"
  /** another process holds the FileStore directory's lock */
  | "store.locked"
  /** the store could not be read */
  | "store.read-failed"
  /** the storage the store needs is not available here */
  | "store.unavailable"
  /** the store could not be written */
  | "store.write-failed"
  /** an input file that is not UTF-8 text (binary, or another encoding) */
  | "cli.not-text"
  /** a captured request for verify that is not {headers, body} JSON */
  | "cli.request"
  /** the simulated hub refused a request (400) */
  | "hub.bad-request"
  /** the simulated hub has no such resource (404) */
  | "hub.not-found"
  /** the Keap simulator's control API refused a request (400) */
  | "keap.bad-request"
  /** the Keap simulator has no such resource (404) */
  | "keap.not-found"
  /** the API was called before the package's entry had loaded the wasm core */
  | "wasm.not-loaded"
  /** a bug: the wasm core trapped (the next call gets a fresh instance) */
  | "internal";
