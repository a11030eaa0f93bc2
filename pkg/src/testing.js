// `elements-poller/testing`: a local Cloud Elements hub (Infusionsoft element) for tests and
// demos, and a local Keap REST v1 (startKeapSimulator). Node-only. See pkg/TESTING.md.

export {
  startHubSimulator,
  createHubSimulator,
  authorizationHeader,
  DEFAULT_CREDENTIALS,
  DEFAULT_SIGNATURE_KEY,
} from "./hub/simulator.js";
export { signWebhookBody, verifyWebhookSignature } from "./hub/receiver.js";
export { checkRequest } from "./hub/guard.js";
export { parseWhere, compileWhere, parseInstant, CeqlError } from "./hub/ceql.js";
export { SCHEMAS, RESOURCE_NAMES, KEAP_DATE_FORMAT, pollerConfigFor, formatKeapDate } from "./hub/records.js";
export { startKeapSimulator, createKeapSimulator, DEFAULT_KEAP_CLIENT } from "./keap/simulator.js";
export {
  KEAP_LISTS,
  KEAP_RESOURCE_NAMES,
  KEAP_RESPONSE_DATE_FORMAT,
  keapPollerConfigFor,
  formatKeapResponseDate,
} from "./keap/records.js";
