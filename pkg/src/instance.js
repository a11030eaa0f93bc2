// The one owner of the wasm instance. Every other module asks `bindings()` for the live
// instance when it calls the core, never while it is evaluated, so the order in which a
// runtime evaluates the package's modules cannot matter (native browser modules evaluate a
// sibling before another's top-level await settles; bundlers happen to order them).
//
// An entry hands over the compiled module once (`provideModule`): synchronously in Node,
// Bun, Deno and workerd, after one `await` in browsers. The instance is made on first use.
// If a call traps (a WebAssembly.RuntimeError: a bug in the core, never bad input), the
// instance is retired and the next call gets a fresh one, so one bad input cannot take the
// package down for the life of the process.
import { createBindings } from "../wasm/bindings.js";
import { PollerError, onTrap } from "./errors.js";

/** @type {WebAssembly.Module | undefined} */
let module;
/** @type {import("../wasm/bindings.js").Bindings | undefined} */
let live;
let generation = 0;

/** Entries call this once with the compiled core (a `WebAssembly.Module`, or its bytes). */
export function provideModule(m) {
  module = m instanceof WebAssembly.Module ? m : new WebAssembly.Module(m);
}

/** The live instance's bindings, instantiating the core on first use (and after a trap). */
export function bindings() {
  if (live) return live;
  if (!module) {
    throw new PollerError(
      "wasm.not-loaded",
      "the wasm core is not loaded yet: import the package (its entry loads it) before calling it",
    );
  }
  const b = createBindings();
  b.initSync({ module });
  live = b;
  return b;
}

/** Which instance is live: objects made by an earlier one are gone with it. */
export function currentGeneration() {
  bindings();
  return generation;
}

/**
 * The live instance's raw wasm exports (`memory`, ...). For tests that need to corrupt an
 * instance on purpose to prove that the package recovers; nothing else uses it.
 */
export function rawExports() {
  // initSync returns the live instance's exports when it has one, as here.
  return bindings().initSync({ module: /** @type {WebAssembly.Module} */ (module) });
}

function retire() {
  if (!live) return;
  live.retire();
  live = undefined;
  generation++;
}

onTrap(retire);
