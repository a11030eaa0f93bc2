// Keap's limits on OAuth2 calls (reference/keap-rest-v1-facts.md §5), per client id, on the
// simulator's clock: a rolling per-minute throttle (1500), a daily quota (150,000, reset at
// 00:00 UTC) and a gateway spike arrest (25 calls a second, answered without headers). Every
// answer carries the `x-keap-product-*` headers; a 429 never has `Retry-After`.

const MINUTE = 60000;
const DAY = 86400000;

/** Keap's later 429 body (FORUM 89944): `code` is a string. */
export const QUOTA_EXCEEDED_BODY = Object.freeze({
  code: "429",
  message: "Quota Exceeded",
  status: "Request Throttled",
  details: null,
});

/** Apigee's spike-arrest 429: no quota headers come with it. */
export const SPIKE_ARREST_BODY = Object.freeze({
  fault: {
    faultstring:
      "Spike arrest violation. Allowed rate : MessageRate{messagesPerPeriod=25, periodInMicroseconds=1000000}",
    detail: { errorcode: "policies.ratelimit.SpikeArrestViolation" },
  },
});

/**
 * @typedef {object} QuotaLimits
 * @property {number} [throttleLimit=1500] calls per rolling minute
 * @property {number} [quotaLimit=150000] calls per UTC day
 * @property {number} [spikeLimit=25] calls per rolling second (Infinity: no spike arrest)
 */

export class Quota {
  /** @param {QuotaLimits} [limits] */
  constructor({ throttleLimit = 1500, quotaLimit = 150000, spikeLimit = 25 } = {}) {
    this.limits = { throttleLimit, quotaLimit, spikeLimit };
    /** @type {Map<string, {calls: number[], day: number, used: number}>} client id -> calls */
    this.clients = new Map();
  }

  #client(id, now) {
    let c = this.clients.get(id);
    if (!c) this.clients.set(id, (c = { calls: [], day: Math.floor(now / DAY), used: 0 }));
    if (Math.floor(now / DAY) !== c.day) Object.assign(c, { day: Math.floor(now / DAY), used: 0 });
    while (c.calls.length && c.calls[0] <= now - MINUTE) c.calls.shift();
    return c;
  }

  /** The headers of the client's buckets as they stand. */
  headers(id, now) {
    const c = this.#client(id, now);
    const { throttleLimit, quotaLimit } = this.limits;
    const minuteUsed = c.calls.length;
    return {
      "x-keap-product-quota-limit": String(quotaLimit),
      "x-keap-product-quota-time-unit": "day",
      "x-keap-product-quota-interval": "1",
      "x-keap-product-quota-available": String(Math.max(0, quotaLimit - c.used)),
      "x-keap-product-quota-used": String(c.used),
      "x-keap-product-quota-expiry-time": String((c.day + 1) * DAY),
      "x-keap-product-throttle-limit": String(throttleLimit),
      "x-keap-product-throttle-time-unit": "minute",
      "x-keap-product-throttle-interval": "1",
      "x-keap-product-throttle-available": String(Math.max(0, throttleLimit - minuteUsed)),
      "x-keap-product-throttle-used": String(minuteUsed),
    };
  }

  /**
   * Counts one call of `id` at `now` if the limits allow it.
   * @returns {{ok: true, headers: Record<string, string>} | {ok: false, reply: import("../hub/listing.js").Reply}}
   */
  take(id, now) {
    const c = this.#client(id, now);
    const { throttleLimit, quotaLimit, spikeLimit } = this.limits;
    const lastSecond = c.calls.filter((t) => t > now - 1000).length;
    if (lastSecond >= spikeLimit) return { ok: false, reply: { status: 429, headers: {}, body: SPIKE_ARREST_BODY } };
    if (c.calls.length >= throttleLimit || c.used >= quotaLimit) {
      return { ok: false, reply: { status: 429, headers: this.headers(id, now), body: QUOTA_EXCEEDED_BODY } };
    }
    c.calls.push(now);
    c.used++;
    return { ok: true, headers: this.headers(id, now) };
  }

  /** A throttle the fault plan drew: a 429 with the headers saying nothing is left this minute. */
  throttled(id, now) {
    const headers = { ...this.headers(id, now), "x-keap-product-throttle-available": "0" };
    headers["x-keap-product-throttle-used"] = String(this.limits.throttleLimit);
    return { status: 429, headers, body: QUOTA_EXCEEDED_BODY };
  }
}
