//! The delivery of one notification, sans-IO: an attempt out, its outcome in, the time of the
//! next attempt or dead out.
//!
//! The policy is the platform's (`notify::retry_schedule`): every failed attempt is retried,
//! the x-th retry 2^(2x) seconds after the failure (or later, when the receiver's
//! `Retry-After` asks for more), nine times; then the notification is parked as dead, never
//! dropped. The host (the JS outbox, the events service) keeps a [`DeliveryState`] with each
//! notification, performs the attempts when they are due and feeds the outcomes back; the
//! state is plain JSON, so a host that stops resumes the schedule where it stood.

use serde::{Deserialize, Serialize};

use crate::cycle::retry_after_ms;
use crate::notify::retry_schedule;

/// What the delivery of one notification has been through: the part of an outbox entry the
/// machine owns (the host stores it beside the request, with these camelCase names).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DeliveryState {
    /// Failed attempts so far.
    pub attempts: u32,
    /// When the next attempt is due, epoch ms; 0 means now.
    pub next_attempt_at: i64,
    /// When the last failed attempt was made.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_attempt_at: Option<i64>,
    /// The status of the last failed attempt that got an answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_status: Option<u16>,
    /// Set once the notification is parked as dead.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dead_at: Option<i64>,
}

/// When to retry and when to give up.
#[derive(Clone, Debug, PartialEq)]
pub struct Policy {
    /// The wait before each retry, in ms (the x-th retry waits `schedule[x - 1]`).
    pub schedule: Vec<u64>,
    /// Retries before the notification is dead; at most `schedule.len()`.
    pub max_retries: u32,
    /// Multiplies every wait, the schedule's and `Retry-After`'s: 1 in production; tests
    /// and demos shrink time with e.g. 0.001.
    pub scale: f64,
}

impl Default for Policy {
    /// The platform's: `notify::retry_schedule`, nine retries, real time.
    fn default() -> Policy {
        let schedule = retry_schedule();
        Policy { max_retries: schedule.len() as u32, schedule, scale: 1.0 }
    }
}

/// What came of one attempt.
#[derive(Clone, Copy, Debug)]
pub enum Outcome<'a> {
    /// The receiver answered with `status`: 2xx delivers, anything else is a failure.
    Answered {
        /// The HTTP status (a number that is none counts as no answer).
        status: u16,
        /// Its headers (`Retry-After`, `Date`).
        headers: &'a [(String, String)],
    },
    /// No answer: connection refused or reset, a timeout.
    NoAnswer,
    /// An in-process consumer (instead of a webhook) took the events.
    Consumed,
    /// It threw.
    ConsumerFailed,
}

/// Why an attempt failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Failure {
    /// No answer.
    Transport,
    /// 429.
    Throttled,
    /// 5xx.
    Server,
    /// Any other status that is not 2xx (4xx, a redirect): retried all the same, as the
    /// platform does, since a receiver being deployed or misconfigured answers 404 for a while.
    Refused,
    /// The in-process consumer threw.
    Consumer,
}

/// What the host does next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Next {
    /// Delivered: remove the notification.
    Delivered,
    /// Save the state and try again at its `next_attempt_at` (`delay_ms` after `now`).
    Retry {
        /// 1 for the first retry.
        attempt: u32,
        /// The wait before it.
        delay_ms: u64,
        /// Why the attempt failed.
        failure: Failure,
    },
    /// Retries exhausted: park it as dead (kept, listed, redeliverable), with the state saved.
    Dead {
        /// Why the last attempt failed.
        failure: Failure,
    },
}

/// One notification's delivery: the driving contract.
///
/// 1. Start from the saved [`DeliveryState`] (`Default` for a new notification).
/// 2. When `now` reaches [`next_attempt_at`](DeliveryState::next_attempt_at), attempt the
///    delivery and pass what came of it to [`handle`](Delivery::handle) with the time the
///    attempt started and the time it ended.
/// 3. On [`Next::Retry`] save [`state`](Delivery::state) and wait; on [`Next::Dead`] park the
///    notification with its state; on [`Next::Delivered`] remove it.
#[derive(Clone, Debug)]
pub struct Delivery {
    policy: Policy,
    state: DeliveryState,
}

impl Delivery {
    /// A delivery under `policy`, resumed from `state` (`Default` for a new notification).
    pub fn new(policy: Policy, state: DeliveryState) -> Delivery {
        let max_retries = policy.max_retries.min(policy.schedule.len() as u32);
        Delivery { policy: Policy { max_retries, ..policy }, state }
    }

    /// The state to save with the notification after each attempt.
    pub fn state(&self) -> &DeliveryState {
        &self.state
    }

    /// Milliseconds until the next attempt is due at `now` (0: due).
    pub fn due_in(&self, now: i64) -> u64 {
        self.state.next_attempt_at.saturating_sub(now).max(0) as u64
    }

    /// The transition: the outcome of the attempt made at `attempted_at`, seen at `now`.
    pub fn handle(&mut self, outcome: Outcome<'_>, attempted_at: i64, now: i64) -> Next {
        let (failure, retry_after) = match outcome {
            Outcome::Consumed => return Next::Delivered,
            Outcome::Answered { status: 200..=299, .. } => return Next::Delivered,
            Outcome::Answered { status, headers } => {
                self.state.last_status = Some(status);
                let failure = match status {
                    429 => Failure::Throttled,
                    500..=599 => Failure::Server,
                    _ => Failure::Refused,
                };
                // An HTTP date is read against our clock: a receiver's Date is not always sent.
                (failure, retry_after_ms(headers, Some(now)))
            }
            Outcome::NoAnswer => (Failure::Transport, None),
            Outcome::ConsumerFailed => (Failure::Consumer, None),
        };
        self.state.attempts += 1;
        self.state.last_attempt_at = Some(attempted_at);
        let attempt = self.state.attempts;
        if attempt > self.policy.max_retries {
            self.state.dead_at = Some(now);
            return Next::Dead { failure };
        }
        let scheduled = self.policy.schedule[attempt as usize - 1];
        let delay_ms = self.scaled(scheduled.max(retry_after.unwrap_or(0)));
        self.state.next_attempt_at = now.saturating_add(delay_ms as i64);
        Next::Retry { attempt, delay_ms, failure }
    }

    fn scaled(&self, ms: u64) -> u64 {
        let s = self.policy.scale;
        // A scale that is not a number ≥ 0 (NaN, negative) cannot shrink time: real time.
        if s.is_nan() || s < 0.0 {
            return ms;
        }
        (ms as f64 * s).round().min(i64::MAX as f64) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_445_412_480_000; // Wed, 21 Oct 2015 07:28:00 GMT

    fn answered(status: u16, headers: &[(String, String)]) -> Outcome<'_> {
        Outcome::Answered { status, headers }
    }

    fn retry_after(v: &str) -> Vec<(String, String)> {
        vec![("Retry-After".to_owned(), v.to_owned())]
    }

    #[test]
    fn the_schedule_is_the_platform_s_then_dead() {
        let mut d = Delivery::new(Policy::default(), DeliveryState::default());
        let mut now = T0;
        let mut waits = Vec::new();
        loop {
            match d.handle(answered(500, &[]), now, now + 5) {
                Next::Retry { attempt, delay_ms, failure } => {
                    assert_eq!((attempt as usize, failure), (waits.len() + 1, Failure::Server));
                    assert_eq!(d.state().next_attempt_at, now + 5 + delay_ms as i64);
                    assert_eq!(d.due_in(now + 5), delay_ms);
                    waits.push(delay_ms / 1000);
                    now = d.state().next_attempt_at;
                    assert_eq!(d.due_in(now), 0);
                }
                Next::Dead { failure } => {
                    assert_eq!(failure, Failure::Server);
                    break;
                }
                Next::Delivered => unreachable!(),
            }
        }
        assert_eq!(waits, [4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144]);
        let s = d.state();
        assert_eq!((s.attempts, s.last_status, s.dead_at, s.last_attempt_at), (10, Some(500), Some(now + 5), Some(now)));
    }

    #[test]
    fn a_2xx_and_a_consumer_that_took_the_events_deliver() {
        for outcome in [answered(200, &[]), answered(204, &[]), answered(299, &[]), Outcome::Consumed] {
            let mut d = Delivery::new(Policy::default(), DeliveryState { attempts: 3, ..Default::default() });
            assert_eq!(d.handle(outcome, T0, T0), Next::Delivered);
            assert_eq!(d.state().attempts, 3, "a success counts no failure");
        }
    }

    #[test]
    fn every_failure_is_retried_and_says_why() {
        let cases = [
            (answered(429, &[]), Failure::Throttled, Some(429)),
            (answered(503, &[]), Failure::Server, Some(503)),
            (answered(404, &[]), Failure::Refused, Some(404)),
            (answered(400, &[]), Failure::Refused, Some(400)),
            (answered(301, &[]), Failure::Refused, Some(301)),
            (Outcome::NoAnswer, Failure::Transport, None),
            (Outcome::ConsumerFailed, Failure::Consumer, None),
        ];
        for (outcome, failure, status) in cases {
            let mut d = Delivery::new(Policy::default(), DeliveryState::default());
            assert_eq!(d.handle(outcome, T0, T0), Next::Retry { attempt: 1, delay_ms: 4000, failure });
            assert_eq!(d.state().last_status, status);
        }
        // A transport failure keeps the status of the last answer that came.
        let mut d = Delivery::new(Policy::default(), DeliveryState::default());
        d.handle(answered(502, &[]), T0, T0);
        d.handle(Outcome::NoAnswer, T0, T0);
        assert_eq!(d.state().last_status, Some(502));
    }

    #[test]
    fn retry_after_in_seconds_or_as_an_http_date_waits_longer_never_shorter() {
        let mut d = Delivery::new(Policy::default(), DeliveryState::default());
        let r = d.handle(answered(429, &retry_after("100")), T0, T0);
        assert_eq!(r, Next::Retry { attempt: 1, delay_ms: 100_000, failure: Failure::Throttled }, "100 s beats 4 s");
        let r = d.handle(answered(503, &retry_after("Wed, 21 Oct 2015 07:28:30 GMT")), T0, T0);
        assert_eq!(r, Next::Retry { attempt: 2, delay_ms: 30_000, failure: Failure::Server }, "30 s from now beats 16 s");
        let r = d.handle(answered(503, &retry_after("Wed, 21 Oct 2015 07:28:10 GMT")), T0, T0);
        assert_eq!(r, Next::Retry { attempt: 3, delay_ms: 64_000, failure: Failure::Server }, "the schedule's 64 s beats 10 s");
        let r = d.handle(answered(503, &retry_after("soon")), T0, T0);
        assert_eq!(r, Next::Retry { attempt: 4, delay_ms: 256_000, failure: Failure::Server }, "unreadable: the schedule");
        let r = d.handle(answered(503, &retry_after("1e300")), T0, T0);
        assert_eq!(r, Next::Retry { attempt: 5, delay_ms: 86_400_000, failure: Failure::Server }, "at most a day");
    }

    #[test]
    fn scale_shrinks_every_wait_and_max_retries_is_bounded_by_the_schedule() {
        let policy = Policy { scale: 0.001, ..Policy::default() };
        let mut d = Delivery::new(policy, DeliveryState::default());
        assert_eq!(d.handle(answered(500, &[]), T0, T0), Next::Retry { attempt: 1, delay_ms: 4, failure: Failure::Server });
        assert_eq!(d.handle(answered(429, &retry_after("100")), T0, T0), Next::Retry { attempt: 2, delay_ms: 100, failure: Failure::Throttled });
        let mut d = Delivery::new(Policy { schedule: vec![10, 20], max_retries: 5, scale: 1.0 }, DeliveryState::default());
        d.handle(Outcome::NoAnswer, T0, T0);
        d.handle(Outcome::NoAnswer, T0, T0);
        assert_eq!(d.handle(Outcome::NoAnswer, T0, T0), Next::Dead { failure: Failure::Transport });
        let mut d = Delivery::new(Policy { max_retries: 0, ..Policy::default() }, DeliveryState::default());
        assert_eq!(d.handle(Outcome::ConsumerFailed, T0, T0), Next::Dead { failure: Failure::Consumer });
    }

    #[test]
    fn the_state_is_json_and_resumes_where_it_stood() {
        let mut d = Delivery::new(Policy::default(), DeliveryState::default());
        d.handle(answered(500, &[]), T0, T0 + 1);
        d.handle(answered(502, &[]), T0 + 4001, T0 + 4002);
        let json = serde_json::to_string(d.state()).unwrap();
        assert_eq!(json, format!(r#"{{"attempts":2,"nextAttemptAt":{},"lastAttemptAt":{},"lastStatus":502}}"#, T0 + 4002 + 16_000, T0 + 4001));
        let back: DeliveryState = serde_json::from_str(&json).unwrap();
        assert_eq!(&back, d.state());
        let mut resumed = Delivery::new(Policy::default(), back);
        assert_eq!(resumed.due_in(T0 + 4002 + 5000), 11_000, "what is left of retry 2");
        assert_eq!(resumed.handle(answered(500, &[]), T0, T0), Next::Retry { attempt: 3, delay_ms: 64_000, failure: Failure::Server });
        // An outbox entry carries more than the state: the rest is not the machine's.
        let entry: DeliveryState = serde_json::from_str(r#"{"v":1,"kind":"webhook","attempts":1,"nextAttemptAt":5,"lastError":"HTTP 500"}"#).unwrap();
        assert_eq!(entry, DeliveryState { attempts: 1, next_attempt_at: 5, ..Default::default() });
    }
}
