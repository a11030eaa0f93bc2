// Where an instance's provider connection comes from: the seam between the service and the
// elements. Today: the hub element, through the Cloud Elements hub the operator configures
// (ELEMENTS_HUB_URL and its secrets). The direct Keap element plugs in here: exchange
// `providerData.code` at Keap's token endpoint (DESIGN section 11) and return its tokens as the
// connection, which the service stores with the instance and hands to every cycle.

/** An error with the HTTP status the API answers with; its message carries no secret. */
export class ServiceError extends Error {
  constructor(status, message, extra = {}) {
    super(message);
    this.status = status;
    Object.assign(this, extra);
  }
}

/**
 * The connection a new instance is polled with: `{baseUrl, auth}` for `PollCycle`.
 * @param {object} body the normalized POST /instances body
 * @param {{hub?: {baseUrl: string, auth: object}}} options the service's options
 * @returns {Promise<{kind: string, baseUrl: string, auth: object}>}
 */
export async function connectInstance(body, { hub }) {
  if (hub) return { kind: "hub", baseUrl: hub.baseUrl, auth: hub.auth };
  // The seam: a direct element exchanges the grant code here.
  throw new ServiceError(
    501,
    `this service polls through a Cloud Elements hub (set ELEMENTS_HUB_URL); the direct ${body?.element?.key ?? "element"} element's grant-code exchange is not in this build`,
  );
}
