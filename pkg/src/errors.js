/**
 * Every failure of the package is a `PollerError`: a real `Error` with a stable dotted `code`,
 * and `path` (a JSON path in the user's document) or `column` (where parsing stopped) where
 * they apply.
 */
export class PollerError extends Error {
  /**
   * @param {string} code stable and dotted, e.g. `date.parse.literal`
   * @param {string} message
   * @param {{path?: string, column?: number, hint?: string, cause?: unknown}} [details]
   */
  constructor(code, message, details = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = "PollerError";
    this.code = code;
    if (details.path !== undefined) this.path = details.path;
    if (details.column !== undefined) this.column = details.column;
    if (details.hint !== undefined) this.hint = details.hint;
  }
}

/** The core reports failures as plain `{code, message, column?, path?, hint?}` objects. */
export function fromCore(e) {
  if (e instanceof PollerError) return e;
  if (e && typeof e === "object" && typeof e.code === "string" && !(e instanceof Error)) {
    return new PollerError(e.code, e.message, e);
  }
  // A panic in the core surfaces as a WebAssembly.RuntimeError: a bug, not bad input.
  return new PollerError("internal", `internal error in the wasm core: ${e?.message ?? e}`, { cause: e });
}

let trapped = () => {};

/** `instance.js` registers what to do when the core traps: retire the instance. */
export function onTrap(f) {
  trapped = f;
}

/** A trap leaves the instance in an unknown state (borrow flags set, the heap mid-change). */
function isTrap(e) {
  return e instanceof WebAssembly.RuntimeError || (e instanceof RangeError && /call stack/i.test(e.message));
}

/** Calls into the core, turning its failures into `PollerError`s. */
export function core(fn) {
  try {
    return fn();
  } catch (e) {
    if (isTrap(e)) {
      trapped();
      throw new PollerError(
        "internal",
        `internal error in the wasm core (${e.message}); the next call uses a fresh instance`,
        { cause: e },
      );
    }
    throw fromCore(e);
  }
}
