// The workers: poll cycles and deliveries, each job's outcome committed in one transaction.
//
// A poll job runs one cycle of one (instance, resource): the core's PollCycle from the saved
// state, the requests it asks for, then one statement, so one transaction (outcome.js), that
// (1) moves the state on only if its version is still the one the cycle started from (a worker
// that stalled past its lease finds a newer version: no state written, no notification
// enqueued), (2) keeps the events and enqueues their notifications as delivery rows and jobs,
// (3) sends the next poll of the chain and (4) completes the job. Its start is one statement too:
// the job's claim reads the state (fetchPolls).
import {
  PollCycle,
  BodyBuffer,
  buildNotifications,
  signNotification,
  nextDelivery,
  refreshIntervalMs,
  PollerError,
} from "elements-poller";
import { POLL_QUEUE, DELIVER_QUEUE, sendDelivery, releasePoll, claimJobs } from "./jobs.js";
import { transaction, ROLLBACK, SCHEMA } from "./db.js";
import { openSecret } from "./secrets.js";
import { tokenSource } from "./tokens.js";
import { sharedLimiter, KEAP_LIMITS } from "./limiter.js";
import { commitOutcome } from "./outcome.js";

/** How long a cycle runs before its progress is written for the console (see cycle()). */
const PROGRESS_AFTER_MS = 1000;

/**
 * How long an idle pump waits before it looks for a due job again: a due poll starts within
 * this (its schedule lag). Deliveries are mostly enqueued by this process's own cycles, which
 * wake its delivery pump at once; the others (retries coming due, redeliveries, other
 * processes' notifications) wait up to a second. Each look is a statement, idle or not.
 */
const IDLE_MS = { [POLL_QUEUE]: 250, [DELIVER_QUEUE]: 1000 };

/** `ms`, or until `signal` aborts: then it rejects with the signal's reason. */
const sleep = (ms, signal) =>
  new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => (clearTimeout(t), reject(signal.reason));
    const t = setTimeout(() => (signal.removeEventListener("abort", onAbort), resolve()), ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });

/**
 * What runPoll resolves when it leaves its job to others (handed back to the queue, or left
 * active until its lease expires): the job is not completed here.
 */
const LEFT = Symbol("job left to others");
/** What a handler resolves when its own statement completed the job: nothing is left to do. */
const DONE = Symbol("job completed by its handler");

/** A fetch error's message without the url it may quote (credentials in a url are secrets). */
const transportMessage = (e) =>
  e?.name === "AbortError" ? "timed out" : (e?.cause?.code ?? e?.name ?? "transport error");

/** A due poll job claimed with the state its cycle starts from (see fetchPolls). */
const FETCH_POLLS = `WITH claimed AS (${claimJobs()})
  SELECT c.id, c.name, c.data, c.lease_seconds, i.body, i.connection, i.deleted_at, i.paused_at, i.reauthorize_reason,
    r.state, r.version, r.start_from
  FROM claimed c
  LEFT JOIN ${SCHEMA}.resources r ON r.instance_id = c.data->>'instanceId' AND r.resource = c.data->>'resource'
  LEFT JOIN ${SCHEMA}.instances i ON i.id = r.instance_id`;
const UNIQUE_VIOLATION = "23505";

/**
 * @param {{pool: import("pg").Pool, boss: any, metrics: any, options: any, log: (o: object) => void, key: Buffer}} deps
 */
export function createWorker({ pool, boss, metrics, options, log, key }) {
  const inFlight = new Set();
  // Aborted by drain(): a cycle that would now wait (a retry's delay, a slot of the app's rate
  // limit) is abandoned rather than hold up the exit (see runPoll).
  const stopping = new AbortController();
  const STOPPING = new Error("the process is stopping");
  // Thrown before a provider request of a cycle whose job's lease has run out by this process's
  // clock (a process stopped or starved past it): the job may already be another worker's, whose
  // cycle of the same (instance, resource) must not see this one's requests beside its own.
  const LEASE_OVER = new Error("the job's lease ran out");
  const intervalOf = (body) => options.intervalMs ?? refreshIntervalMs(body);
  // Whether this process was frozen (SIGSTOP, a suspended VM) or starved: a tick every 250 ms,
  // and the gaps between ticks (or since the last one) far longer than that are stalls. A cycle
  // past its lease is given up only after a stall since it began, longer than half its lease
  // (at most 5 s): a live cycle that is merely long (a slow provider, a big listing) runs on as
  // before, and if another worker took its job meanwhile, the version fence refuses whichever
  // outcome comes second.
  let lastTick = Date.now();
  const stalls = []; // [at, gap ms], the last few over 500 ms
  const ticker = setInterval(() => {
    const t = Date.now();
    if (t - lastTick > 500 && stalls.push([t, t - lastTick]) > 16) stalls.shift();
    lastTick = t;
  }, 250);
  ticker.unref();
  const stalledSince = (since, longerThan) =>
    Date.now() - lastTick > longerThan || stalls.some(([at, gap]) => at >= since && gap > longerThan);

  async function runPoll(job) {
    const { instanceId, resource, due, reconcile } = job.data;
    const started = Date.now();
    if (typeof due === "number") metrics.scheduleLag.observe(Math.max(0, started - due) / 1000);
    // Read with the job's claim, in the same statement (fetchPolls): the state the cycle starts from.
    const { row } = job;
    // A deleted or paused instance ends its chains: the job completes and sends no successor
    // (resuming starts them again).
    if (row.version === null || row.deleted_at || row.paused_at) return;
    // So does an instance whose grant the provider refused, until a PATCH re-authorizes it.
    if (row.reauthorize_reason) return;
    const body = JSON.parse(openSecret(row.body, key));
    const connection = JSON.parse(openSecret(row.connection, key));
    const version = Number(row.version);
    log({ msg: "cycle started", instance: instanceId, resource, version });
    let outcome;
    // What the cycle did (pages, retries, 429s), kept with its outcome for the console's timeline.
    const tally = { throttled: 0 };
    try {
      const onPage = (progress) => showProgress({ instanceId, resource, version, progress });
      outcome = await cycle({
        body,
        resource,
        state: row.state,
        startFrom: row.start_from,
        connection,
        instanceId,
        tally,
        onPage,
        reconcile,
        leaseEnd: job.leaseEnd,
      });
    } catch (e) {
      if (e === LEASE_OVER) {
        // Abandoned, not failed: no outcome (the version fence would refuse it anyway when
        // another worker has run the cycle) and the job is left as it is: expired, pg-boss
        // retries it (or has: its successor may be running now).
        metrics.polls.inc({ result: "expired" });
        log({
          msg: "cycle abandoned: its lease ran out; its job is left to its successor",
          instance: instanceId,
          resource,
          version,
        });
        return LEFT;
      }
      if (e === STOPPING) {
        // The cycle is abandoned, not failed: nothing of it was committed (its state moves on
        // only with its outcome), and its job goes back to the queue as it was, for another
        // worker or the next start; its retry count and due time are unchanged.
        const back = await releasePoll(pool, job.id).catch(() => false);
        log({
          msg: back
            ? "cycle abandoned: the process is stopping; its job is queued again"
            : "cycle abandoned: the process is stopping; its job is retried after its lease",
          instance: instanceId,
          resource,
          version,
        });
        return LEFT;
      }
      outcome =
        e?.code === "oauth.reauthorize"
          ? {
              // The library's advice names its own API; the service's way is a PATCH.
              error: `${e.code}: ${e.message.replace(/ Polling it stops until.*$/, "")} Its polls stopped: PATCH the instance with a new providerData.code.`,
              reauthorize: true,
            }
          : { error: e instanceof PollerError ? `${e.code}: ${e.message}` : String(e?.message ?? e) };
    }
    metrics.pollDuration.observe((Date.now() - started) / 1000);
    const now = Date.now();
    const notifications =
      outcome.events?.length && notifying(body)
        ? buildNotifications(outcome.events, { instance: body, instanceId, now })
        : [];
    const committed = await commitOutcome(pool, {
      instanceId,
      resource,
      version,
      jobId: job.id,
      state: outcome.state,
      error: outcome.error,
      reauthorize: outcome.reauthorize,
      startedAt: started,
      tally: {
        ...tally,
        ...(outcome.stats ?? {}),
        events: outcome.events?.length ?? 0,
        durationMs: Date.now() - started,
      },
      events: outcome.events ?? [],
      notifications,
      now,
      intervalMs: intervalOf(body),
    });
    if (committed && notifications.length > 0) wakers.get(DELIVER_QUEUE)?.();
    if (!committed) {
      metrics.polls.inc({ result: "stale" });
      log({ msg: "cycle outcome refused: a newer state was committed", instance: instanceId, resource, version });
      return DONE;
    }
    metrics.polls.inc({ result: outcome.error ? "failed" : "ok" });
    for (const e of outcome.events ?? []) metrics.events.inc({ type: String(e.eventType ?? e.type ?? "unknown") });
    log({
      msg: outcome.error ? "cycle failed" : "cycle",
      instance: instanceId,
      resource,
      version: version + 1,
      events: outcome.events?.length ?? 0,
      ...(outcome.error ? { error: outcome.error } : {}),
    });
    return DONE;
  }

  /**
   * What a cycle in flight has read so far, for the console (`progress` of GET
   * /instances/{id}/status): written between pages, outside the outcome's transaction, and only
   * while the version is the cycle's own (a stalled worker's late pages write nothing).
   */
  async function showProgress({ instanceId, resource, version, progress }) {
    const { pages, records, events, retries } = progress;
    await pool
      .query(`UPDATE ${SCHEMA}.resources SET progress = $4 WHERE instance_id = $1 AND resource = $2 AND version = $3`, [
        instanceId,
        resource,
        version,
        JSON.stringify({ pages, records, events, retries, at: new Date().toISOString() }),
      ])
      .catch(() => {});
  }

  /** One cycle, driven as PollCycle's contract says. Throws PollerError when the cycle fails. */
  async function cycle({
    body,
    resource,
    state,
    startFrom,
    connection,
    instanceId,
    tally,
    onPage,
    reconcile = false,
    leaseEnd = Infinity,
  }) {
    // Before each request to the provider (the token endpoint's too): the lease still holds,
    // or the process has not stalled since the cycle began (see stalledSince).
    const cycleStart = Date.now();
    const stall = Math.min(5000, (leaseEnd - cycleStart) / 2);
    const leased = () => {
      if (Date.now() >= leaseEnd && stalledSince(cycleStart, stall)) throw LEASE_OVER;
    };
    const c = new PollCycle({
      // Full listings (DELETED): when the poller's `reconcile.everyHours` says (the core
      // decides), or now when the job was sent by POST /instances/{id}/reconcile.
      reconcile: reconcile === true,
      instance: body,
      resource,
      state,
      // Read by a first cycle only: a resource a PATCH added or restarted starts from then.
      ...(startFrom ? { startFrom: startFrom.toISOString() } : {}),
      baseUrl: connection.baseUrl,
      auth: connection.auth,
      instanceId,
      seed: Date.now() >>> 0,
    });
    const tokens =
      connection.kind === "direct"
        ? tokenSource({
            pool,
            key,
            instanceId,
            body,
            tokenUrl: connection.tokenUrl,
            // Keap's budget is per OAuth app, across every instance and process of it.
            limiter: sharedLimiter(pool, `keap/${body.configuration["oauth.api.key"]}`, KEAP_LIMITS),
            signal: stopping.signal,
          })
        : undefined;
    /** The bearer token this cycle sent last: the one a 401 refused. */
    let lastToken;
    const began = Date.now();
    let shown = 0;
    for (let req; (req = c.nextRequest());) {
      // The pages read so far are shown while another request follows (after the last one the
      // outcome clears them anyway), and only once the cycle has run long enough to be watched:
      // most cycles are one or two quick pages, and a write each would cost a statement a poll.
      if ((tally.pages ?? 0) > shown && Date.now() - began >= PROGRESS_AFTER_MS) {
        shown = tally.pages;
        await onPage(tally);
      }
      if (req.delayMs > 0) await sleep(req.delayMs, stopping.signal);
      let headers = req.headers;
      if (req.auth === "bearer") {
        if (!tokens) throw new PollerError("poller.tokens", "a direct request on an instance without Keap tokens");
        leased();
        // What the library's Poller does (bearer.js): the core asks for a refresh after a 401.
        lastToken = req.refreshToken ? await tokens.refresh({ rejected: lastToken }) : await tokens.accessToken();
        await tokens.limiter?.take(stopping.signal);
        headers = { ...headers, authorization: `Bearer ${lastToken}` };
      }
      leased();
      let res;
      try {
        const r = await fetch(req.url, {
          method: req.method,
          headers,
          signal: AbortSignal.timeout(30_000),
        });
        res = { status: r.status, headers: Object.fromEntries(r.headers), body: await BodyBuffer.fromResponse(r) };
      } catch {
        res = { status: 0, headers: {}, body: new BodyBuffer() };
      }
      // Every 429 the provider answered, the one that ends a cycle (its retries spent) too.
      if (res.status === 429) {
        metrics.throttled.inc();
        tally.throttled++;
      }
      try {
        c.handleResponse(res);
      } finally {
        res.body.free();
      }
      Object.assign(tally, c.progress());
    }
    return c.finish();
  }

  async function runDelivery(job) {
    const id = job.data.deliveryId;
    const { rows } = await pool.query(
      `SELECT d.request, d.state, i.body FROM ${SCHEMA}.deliveries d JOIN ${SCHEMA}.instances i ON i.id = d.instance_id
       WHERE d.id = $1 AND d.status = 'queued'`,
      [id],
    );
    if (rows.length === 0) return;
    const { state } = rows[0];
    const attemptedAt = Date.now();
    // Signed again for this attempt (the same ids; a Standard Webhooks timestamp of now, which
    // receivers check against their clock).
    const instance = JSON.parse(openSecret(rows[0].body, key));
    const request = signNotification(rows[0].request, { instance, now: attemptedAt });
    let outcome;
    try {
      const r = await fetch(request.url, {
        method: request.method ?? "POST",
        headers: request.headers,
        body: request.body,
        signal: AbortSignal.timeout(30_000),
      });
      await r.arrayBuffer().catch(() => {});
      outcome = { kind: "answered", status: r.status, headers: Object.fromEntries(r.headers) };
    } catch (e) {
      outcome = { kind: "no-answer", error: transportMessage(e) };
    }
    const next = nextDelivery(state, outcome, { attemptedAt, now: Date.now(), ...options.deliveryPolicy });
    const status = next.action === "delivered" ? "delivered" : next.action === "dead" ? "dead" : "queued";
    const settled = await transaction(pool, async (client, db) => {
      // Compare-and-set on the attempt count: a second worker that ran the same attempt after
      // an expired lease records nothing twice.
      const upd = await client.query(
        `UPDATE ${SCHEMA}.deliveries SET state = $2, status = $3, last_error = $4, updated_at = now()
         WHERE id = $1 AND status = 'queued' AND (state->>'attempts')::int = $5`,
        [id, JSON.stringify(next.state), status, next.failure ?? outcome.error ?? null, Number(state.attempts ?? 0)],
      );
      if (upd.rowCount === 0) return ROLLBACK;
      if (status === "queued") await sendDelivery(boss, db, id, next.state.nextAttemptAt);
      await boss.complete(DELIVER_QUEUE, job.id, null, { db });
    });
    metrics.deliveries.inc({ result: next.action });
    if (next.action !== "delivered")
      log({ msg: `delivery ${next.action}`, delivery: id, attempts: next.state.attempts, failure: next.failure });
    // Refused (another worker recorded this attempt): the job is completed after, as a no-op's.
    return settled === ROLLBACK ? undefined : DONE;
  }

  // One pump a queue: it fetches as many due jobs as it has free slots (`concurrency`), runs
  // them, and fetches again as soon as a slot frees; it waits only when no job is due. (pg-boss's
  // work() waits its polling interval after every job, found or not, which capped a process at
  // `concurrency` jobs per half second, and each of its loops polled an idle queue on its own.)
  // Poll jobs come with their state (fetchPolls): a cycle's reads and writes are then one
  // statement each, the claim and the outcome.
  // A job whose handler did not complete it with its outcome (nothing to do: a deleted
  // instance, a settled delivery) is completed after; one whose handler threw is failed, and
  // pg-boss retries it. A job of a worker that died stays active until its lease expires.
  let running = false;
  const pumps = [];
  async function run(queue, fn, job) {
    const p = fn(job);
    inFlight.add(p);
    try {
      // A job handed back may already be another worker's, and one left active keeps its chain.
      const done = await p;
      if (done !== LEFT && done !== DONE) await boss.complete(queue, job.id);
    } catch (e) {
      // The message names no secret.
      const error = String(e?.message ?? e);
      log({ msg: "job failed", queue: job.name, job: job.id, error });
      await boss.fail(queue, job.id, { message: error });
    } finally {
      inFlight.delete(p);
    }
  }
  /**
   * Claims up to `batchSize` due poll jobs with, for each, its resource's state and its
   * instance (one statement; `row.version` is null when the resource is gone).
   */
  async function fetchPolls(batchSize) {
    // The lease is counted from before the claim (pg-boss counts it from the claim's now()):
    // this process gives a job up no later than the engine expires it.
    const asked = Date.now();
    try {
      const { rows } = await pool.query({
        name: "elements_poller_fetch_polls",
        text: FETCH_POLLS,
        values: [POLL_QUEUE, batchSize],
      });
      return rows.map(({ id, name, data, lease_seconds, ...row }) => ({
        id,
        name,
        data,
        row,
        leaseEnd: asked + Number(lease_seconds) * 1000,
      }));
    } catch (e) {
      // What pg-boss's fetch does with it too (claimJobs): another job of the key is active.
      if (e?.code === UNIQUE_VIOLATION) return [];
      throw e;
    }
  }
  const fetchDeliveries = (batchSize) => boss.fetch(DELIVER_QUEUE, { batchSize, includeMetadata: true });

  /** Per queue: ends its pump's idle wait now (a job of it was just enqueued or a slot freed). */
  const wakers = new Map();
  async function pump(queue, fn, fetchJobs) {
    const active = new Set();
    // A wake while the pump is not waiting (it is fetching) is kept for its next wait.
    let woken = false;
    let wake = () => (woken = true);
    wakers.set(queue, () => wake());
    while (running) {
      const free = options.concurrency - active.size;
      let jobs = [];
      if (free > 0) {
        try {
          jobs = (await fetchJobs(free)) ?? [];
        } catch (e) {
          log({ msg: "job fetch failed", queue, error: String(e?.message ?? e) });
        }
        // A claim that was on its way when the drain began: its poll jobs go back to the
        // queue as they were (no new cycle starts after SIGTERM); a delivery (one request) runs.
        if (!running && queue === POLL_QUEUE) {
          await Promise.all(jobs.map((job) => releasePoll(pool, job.id).catch(() => false)));
          break;
        }
        for (const job of jobs) {
          const p = run(queue, fn, job).finally(() => (active.delete(p), wake()));
          active.add(p);
        }
        if (jobs.length > 0 && jobs.length === free) continue; // more may be due: fetch again now
      }
      // No more due now, or every slot busy: until a slot frees or the idle wait ends (a drain
      // is seen within it).
      if (!woken)
        await new Promise((resolve) => {
          const t = setTimeout(resolve, IDLE_MS[queue]);
          wake = () => (clearTimeout(t), resolve());
        });
      woken = false;
      wake = () => (woken = true);
    }
    // From here on this process claims no job of the queue; its jobs in flight finish.
    log({ msg: "job fetching stopped", queue, inFlight: active.size });
    await Promise.allSettled([...active]);
  }

  return {
    async start() {
      running = true;
      pumps.push(pump(POLL_QUEUE, runPoll, fetchPolls), pump(DELIVER_QUEUE, runDelivery, fetchDeliveries));
    },
    /**
     * Stops fetching; in-flight cycles finish, except those that would wait (a retry's delay, a
     * rate-limit slot): those are abandoned and their jobs queued again. Then resolves.
     */
    async drain() {
      running = false;
      stopping.abort(STOPPING);
      await Promise.allSettled([...inFlight, ...pumps]);
      clearInterval(ticker);
    },
  };
}

/** Whether the body asks for notifications (`event.notification.enabled`, true unless false). */
function notifying(body) {
  const v = body?.configuration?.["event.notification.enabled"];
  return v !== false && v !== "false";
}
