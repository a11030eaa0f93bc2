// Webhook signatures as Cloud Elements sends them:
// `Elements-Webhook-Signature: sha256=<base64 HMAC-SHA256 of the raw body bytes>`.

import { createHmac, timingSafeEqual } from "node:crypto";
import { verifyNotification } from "../index.node.js";

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

/**
 * The receiver's check of a request, through the package's `verifyNotification`: either
 * scheme (Standard Webhooks when its headers are there), the timestamp against `now`.
 * @param {Uint8Array} raw the body bytes as received
 * @param {Record<string, string|string[]|undefined>} headers
 * @param {string} key
 * @param {number} now epoch ms, the simulator's clock
 * @returns {{verified: boolean, code?: string}} `code` says what failed (`webhook.signature`, ...)
 */
export function verifyReceived(raw, headers, key, now) {
  try {
    verifyNotification({ body: raw, headers, key, now });
    return { verified: true };
  } catch (e) {
    if (e?.name === "PollerError") return { verified: false, code: e.code };
    throw e;
  }
}
