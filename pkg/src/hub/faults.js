// Fault injection for the hub simulator: probabilities drawn from a seeded stream, plus a
// queue of faults for the next N requests. Deterministic for a given seed and request order.

/**
 * @typedef {"throttle"|"serverError"|"truncate"|"abort"|"latency"|"none"} FaultKind
 * `throttle`: 429 with Retry-After and Keap throttle headers. `serverError`: a 5xx.
 * `truncate`: 200 with half the JSON body (the response ends cleanly, the body is not JSON).
 * `abort`: 200 headers, half the body, then the socket is destroyed. `latency`: a delay.
 * `none`: an explicit normal response (useful inside a queue).
 */

/**
 * @typedef {object} FaultStep one queued fault
 * @property {FaultKind} fault
 * @property {number} [status] for serverError (default `serverErrorStatus`)
 * @property {number} [retryAfter] seconds, for throttle (default `retryAfter`)
 * @property {number} [ms] for latency
 * @property {number} [count] repeat this step for the next `count` requests (default 1)
 */

/**
 * @typedef {object} WebhookFaults failures of the webhook receiver
 * @property {number} [failure] probability of answering `status` instead of 200
 * @property {number} [status] default 500
 * @property {Array<number|{status: number, retryAfter?: number, count?: number}>} [next]
 *   statuses to answer to the next deliveries, in order
 */

/**
 * @typedef {object} Faults
 * @property {number} [throttle] probability of a 429
 * @property {number} [serverError] probability of a 5xx
 * @property {number} [truncate] probability of a truncated body
 * @property {number|[number, number]} [latencyMs] delay added to every hub response (a range draws from the seed)
 * @property {number} [retryAfter] Retry-After seconds on a 429 (default 1)
 * @property {number} [serverErrorStatus] default 503
 * @property {number} [skewMs] clock skew: added to the timestamps stamped on records and to the Date header
 * @property {Array<FaultKind|number|FaultStep>} [next] faults for the next requests, in order (a number is a status)
 * @property {WebhookFaults} [webhook]
 */

/** @returns {Required<Omit<Faults, "next"|"webhook">> & {next: FaultStep[], webhook: {failure: number, status: number, next: Array<{status: number, retryAfter?: number, count: number}>}}} */
export function emptyFaults() {
  return {
    throttle: 0,
    serverError: 0,
    truncate: 0,
    latencyMs: 0,
    retryAfter: 1,
    serverErrorStatus: 503,
    skewMs: 0,
    next: [],
    webhook: { failure: 0, status: 500, next: [] },
  };
}

const KINDS = new Set(["throttle", "serverError", "truncate", "abort", "latency", "none"]);

function normStep(step) {
  if (typeof step === "number") return { fault: step === 429 ? "throttle" : "serverError", status: step, count: 1 };
  if (typeof step === "string") step = { fault: step };
  if (!step || !KINDS.has(step.fault)) {
    throw new TypeError(`unknown fault ${JSON.stringify(step)}; one of ${[...KINDS].join(", ")}`);
  }
  return { ...step, count: step.count ?? 1 };
}

function normWebhookStep(step) {
  if (typeof step === "number") return { status: step, count: 1 };
  if (!step || typeof step.status !== "number")
    throw new TypeError(`webhook fault needs a status: ${JSON.stringify(step)}`);
  return { ...step, count: step.count ?? 1 };
}

/** Holds the current fault settings and draws decisions. */
export class FaultPlan {
  /** @param {() => number} rand @param {Faults} [faults] */
  constructor(rand, faults) {
    this.rand = rand;
    this.state = emptyFaults();
    if (faults) this.set(faults);
  }

  /**
   * Merges settings: scalar keys replace, `next` entries are appended to the queue,
   * `webhook` merges the same way.
   * @param {Faults} patch
   */
  set(patch = {}) {
    const s = this.state;
    for (const key of [
      "throttle",
      "serverError",
      "truncate",
      "latencyMs",
      "retryAfter",
      "serverErrorStatus",
      "skewMs",
    ]) {
      if (patch[key] !== undefined) s[key] = patch[key];
    }
    if (patch.next) s.next.push(...patch.next.map(normStep));
    if (patch.webhook) {
      const w = patch.webhook;
      if (w.failure !== undefined) s.webhook.failure = w.failure;
      if (w.status !== undefined) s.webhook.status = w.status;
      if (w.next) s.webhook.next.push(...w.next.map(normWebhookStep));
    }
  }

  clear() {
    this.state = emptyFaults();
  }

  /** A JSON view of the settings. */
  toJSON() {
    return structuredClone(this.state);
  }

  get skewMs() {
    return this.state.skewMs || 0;
  }

  /**
   * The fault for one hub request.
   * @returns {{fault: FaultKind, status?: number, retryAfter: number, latencyMs: number}}
   */
  draw() {
    const s = this.state;
    const r = this.rand();
    let latency = 0;
    if (Array.isArray(s.latencyMs))
      latency = s.latencyMs[0] + Math.floor(this.rand() * (s.latencyMs[1] - s.latencyMs[0] + 1));
    else latency = s.latencyMs || 0;
    /** @type {FaultStep} */
    let step;
    if (s.next.length) {
      step = { ...s.next[0] };
      if (--s.next[0].count <= 0) s.next.shift();
    } else if (r < s.throttle) step = { fault: "throttle" };
    else if (r < s.throttle + s.serverError) step = { fault: "serverError" };
    else if (r < s.throttle + s.serverError + s.truncate) step = { fault: "truncate" };
    else step = { fault: "none" };
    if (step.fault === "latency") latency += step.ms ?? 200;
    return {
      fault: step.fault,
      status:
        step.fault === "serverError"
          ? (step.status ?? s.serverErrorStatus)
          : step.fault === "throttle"
            ? 429
            : undefined,
      retryAfter: step.retryAfter ?? s.retryAfter,
      latencyMs: latency,
    };
  }

  /**
   * The status the webhook receiver answers to one delivery (200 unless a failure is due).
   * @returns {{status: number, retryAfter?: number}}
   */
  drawWebhook() {
    const w = this.state.webhook;
    const r = this.rand();
    if (w.next.length) {
      const step = w.next[0];
      if (--step.count <= 0) w.next.shift();
      return { status: step.status, retryAfter: step.retryAfter };
    }
    if (r < w.failure) return { status: w.status };
    return { status: 200 };
  }
}
