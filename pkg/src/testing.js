// `elements-poller/testing`: a local Cloud Elements hub (Infusionsoft element) for tests and
// demos. Node-only. See pkg/TESTING.md.

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
