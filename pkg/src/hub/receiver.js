// Webhook signatures as Cloud Elements sends them:
// `Elements-Webhook-Signature: sha256=<base64 HMAC-SHA256 of the raw body bytes>`.

import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * Signs a body the way the platform does.
 * @param {string|Uint8Array} body the raw body (a string is encoded as UTF-8)
 * @param {string} key the `event.notification.signature.key`
 * @returns {string} the header value, `sha256=<base64>`
 */
export function signWebhookBody(body, key) {
  return `sha256=${createHmac("sha256", key).update(body).digest("base64")}`;
}

/**
 * Checks an `Elements-Webhook-Signature` header against the raw body bytes.
 * @param {string|Uint8Array} body
 * @param {string|undefined|null} header
 * @param {string} key
 * @returns {boolean}
 */
export function verifyWebhookSignature(body, header, key) {
  if (typeof header !== "string") return false;
  const expected = Buffer.from(signWebhookBody(body, key));
  const got = Buffer.from(header.trim());
  return got.length === expected.length && timingSafeEqual(got, expected);
}
