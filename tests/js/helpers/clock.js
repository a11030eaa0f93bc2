// A virtual clock for the Poller ({now, sleep}): time moves only when a test says so, as in
// quinn's test `Pair` (step() jumps to the next wakeup). No test waits on a real timer, so
// none depends on how fast a shared machine runs it.

/** Lets every promise that can settle now settle (and the I/O they started report back). */
export const settle = () => new Promise((resolve) => setImmediate(resolve));

/**
 * `sleep(ms, signal)` resolves when `advance` moves the time past its wakeup and rejects with
 * the signal's reason when it aborts. With `auto: true` a sleep moves the time itself and
 * resolves at once (a run with nothing else waiting, e.g. one pollOnce).
 */
export function virtualClock({ start = Date.UTC(2024, 0, 1), auto = false } = {}) {
  const sleepers = [];
  const clock = {
    t: start,
    /** Every wait asked for, in ms, in order. */
    slept: [],
    now: () => clock.t,
    sleep(ms, signal) {
      clock.slept.push(ms);
      if (signal?.aborted) return Promise.reject(signal.reason);
      if (auto) {
        clock.t += Math.max(0, ms);
        return Promise.resolve();
      }
      return new Promise((resolve, reject) => {
        const s = { at: clock.t + Math.max(0, ms), ms, resolve };
        sleepers.push(s);
        signal?.addEventListener(
          "abort",
          () => {
            const i = sleepers.indexOf(s);
            if (i >= 0) sleepers.splice(i, 1);
            reject(signal.reason);
          },
          { once: true },
        );
      });
    },
    /** The waits pending now, in ms asked. */
    get waiting() {
      return sleepers.map((s) => s.ms);
    },
    /** Moves the time by `ms`, waking every sleeper due by then, in order of wakeup. */
    async advance(ms) {
      const end = clock.t + ms;
      for (;;) {
        const due = sleepers.filter((s) => s.at <= end).sort((a, b) => a.at - b.at)[0];
        if (!due) break;
        sleepers.splice(sleepers.indexOf(due), 1);
        clock.t = Math.max(clock.t, due.at);
        due.resolve();
        await settle();
      }
      clock.t = end;
      await settle();
    },
  };
  return clock;
}

/** Resolves when `target` dispatches `type` (its event's detail). */
export const once = (target, type) =>
  new Promise((resolve) => target.addEventListener(type, (e) => resolve(e.detail), { once: true }));
