// Minimal placeholder created by the `js` branch (hub/stores/delivery) so its tests run.
// The owner of errors.js replaces this file; keep the same shape:
// class PollerError extends Error with `code` and optional `path`, `column`.

/** An error with a stable dotted `code`, and `path` / `column` where they apply. */
export class PollerError extends Error {
  /**
   * @param {string} code stable dotted code, e.g. "store.write-failed"
   * @param {string} message
   * @param {{path?: string, column?: number, cause?: unknown}} [options]
   */
  constructor(code, message, options = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "PollerError";
    this.code = code;
    if (options.path !== undefined) this.path = options.path;
    if (options.column !== undefined) this.column = options.column;
  }
}
