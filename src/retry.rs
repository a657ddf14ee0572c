//! When a failed call is tried again, and how long to wait first: network failures, 5xx, 429
//! and throttling codes are worth another try; a refused request (400, 403, 404, a bad
//! signature) is not. [`Retries`] is the one way a call is tried again: it says each wait
//! through the reporter and, for calls that are not idempotent, looks for what a failed
//! attempt may have done before sending it again. The rules are pure; [`jitter`] draws from
//! the OS.

use std::time::Duration;

use crate::client::ClientError;
use crate::report::Reporter;

/// The first wait of the exponential backoff; each retry doubles it up to [`MAX_BACKOFF`].
pub const FIRST_BACKOFF: Duration = Duration::from_secs(1);
pub const MAX_BACKOFF: Duration = Duration::from_secs(20);
/// A service's own `retry-after` is honoured up to this; beyond it the step would look hung.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(120);
/// The most `retries` an input may ask for.
pub const MAX_RETRIES: u32 = 10;

/// Whether `error` is worth another try.
pub fn is_retryable(error: &ClientError) -> bool {
    match error {
        ClientError::Transport { source, .. } => source.is_transient(),
        ClientError::Service { error, .. } => {
            let code = error.code.as_str();
            if is_credential_code(code) {
                false
            } else if code.starts_with("Throttling") || code == "ServiceUnavailable" {
                true
            } else {
                error.status == 429 || error.status >= 500
            }
        }
        ClientError::Redirected { .. }
        | ClientError::InvalidReply { .. }
        | ClientError::Random(_) => false,
    }
}

/// Whether a failed write may nonetheless have been applied, so that its effect must be
/// looked for before it is sent again: the request went out and no clear refusal came back.
pub fn outcome_unknown(error: &ClientError) -> bool {
    match error {
        ClientError::Transport { source, .. } => source.request_may_have_arrived(),
        ClientError::Service { error, .. } => error.status >= 500,
        ClientError::InvalidReply { .. } => true,
        ClientError::Redirected { .. } | ClientError::Random(_) => false,
    }
}

fn is_credential_code(code: &str) -> bool {
    code.contains("Signature")
        || code.starts_with("InvalidAccessKey")
        || code.starts_with("InvalidSecurityToken")
}

/// How long to wait before retry number `retry` (1 for the first): what the service asked
/// for, up to [`MAX_RETRY_AFTER`], else exponential backoff, half fixed and half scaled by
/// `jitter` in `[0, 1)`.
pub fn delay(retry: u32, error: &impl Transient, jitter: f64) -> Duration {
    match error.asked_wait() {
        Some(asked) => asked.min(MAX_RETRY_AFTER),
        None => backoff(retry, jitter),
    }
}

/// Exponential backoff before retry number `retry`: doubling from [`FIRST_BACKOFF`] up to
/// [`MAX_BACKOFF`], half of it fixed and half scaled by `jitter` in `[0, 1)`.
pub fn backoff(retry: u32, jitter: f64) -> Duration {
    let doublings = retry.saturating_sub(1).min(16);
    let base = FIRST_BACKOFF
        .saturating_mul(1 << doublings)
        .min(MAX_BACKOFF);
    base / 2 + base.mul_f64(jitter.clamp(0.0, 1.0) / 2.0)
}

/// A failure that another try may mend, as each kind of call tells it.
pub trait Transient: std::fmt::Display {
    /// Whether sending again could succeed: the network, 5xx, throttling.
    fn is_retryable(&self) -> bool;
    /// Whether the call may have taken effect although it failed: the request went out and
    /// no clear refusal came back, so its effect must be looked for before it is sent again.
    fn outcome_unknown(&self) -> bool {
        false
    }
    /// How long the service asked to be left alone, when it said.
    fn asked_wait(&self) -> Option<Duration> {
        None
    }
}

impl Transient for ClientError {
    fn is_retryable(&self) -> bool {
        is_retryable(self)
    }
    fn outcome_unknown(&self) -> bool {
        outcome_unknown(self)
    }
    fn asked_wait(&self) -> Option<Duration> {
        match self {
            ClientError::Service { error, .. } => error.retry_after,
            _ => None,
        }
    }
}

/// What a look for a non-idempotent call's effect found ([`Retries::create_once`]).
pub enum Settled<T> {
    /// The call took effect: this is its result.
    Done(T),
    /// It did not: sending it again creates nothing twice.
    NotDone,
    /// Whether it did cannot be told, so it is not sent again.
    Unknowable,
}

/// The `retries` input as the one way a call is tried again: each attempt is handed the
/// reporter (to mask what arrives), and every wait is said through it before it is slept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Retries {
    /// How many more tries after the first.
    pub most: u32,
}

impl Retries {
    pub fn new(most: u32) -> Self {
        Self { most }
    }

    /// Runs `attempt` until it succeeds, fails for good or `most` more tries fail.
    pub async fn run<R, T, E>(
        self,
        reporter: &mut R,
        attempt: impl AsyncFnMut(&mut R) -> Result<T, E>,
    ) -> Result<T, E>
    where
        R: Reporter + ?Sized,
        E: Transient,
    {
        self.run_noting_unknown(reporter, attempt).await.0
    }

    /// [`run`](Self::run), also saying whether an attempt before the last may have been
    /// applied although it failed: a delete retried after a lost reply finds the version
    /// gone, and that was this run's doing.
    pub async fn run_noting_unknown<R, T, E>(
        self,
        reporter: &mut R,
        mut attempt: impl AsyncFnMut(&mut R) -> Result<T, E>,
    ) -> (Result<T, E>, bool)
    where
        R: Reporter + ?Sized,
        E: Transient,
    {
        let mut unknown = false;
        let mut retry = 0;
        loop {
            match attempt(reporter).await {
                Ok(value) => return (Ok(value), unknown),
                Err(error) if retry < self.most && error.is_retryable() => {
                    unknown |= error.outcome_unknown();
                    retry += 1;
                    self.wait(retry, &error, reporter).await;
                }
                Err(error) => return (Err(error), unknown),
            }
        }
    }

    /// For a call that is not idempotent (a create, a publish): after a failure whose
    /// outcome is unknown, `settle` looks for what the call may have done before it is sent
    /// again, so that one run never makes two of a thing.
    pub async fn create_once<R, T, E>(
        self,
        reporter: &mut R,
        mut attempt: impl AsyncFnMut(&mut R) -> Result<T, E>,
        mut settle: impl AsyncFnMut(&E, &mut R) -> Settled<T>,
    ) -> Result<T, E>
    where
        R: Reporter + ?Sized,
        E: Transient,
    {
        let mut retry = 0;
        loop {
            let error = match attempt(reporter).await {
                Ok(value) => return Ok(value),
                Err(error) => error,
            };
            if error.outcome_unknown() {
                match settle(&error, reporter).await {
                    Settled::Done(value) => return Ok(value),
                    Settled::NotDone => {}
                    Settled::Unknowable => return Err(error),
                }
            }
            if retry < self.most && error.is_retryable() {
                retry += 1;
                self.wait(retry, &error, reporter).await;
            } else {
                return Err(error);
            }
        }
    }

    /// Says and sleeps the wait before retry number `retry`: what the service asked for,
    /// else the backoff.
    async fn wait<R: Reporter + ?Sized>(
        self,
        retry: u32,
        error: &impl Transient,
        reporter: &mut R,
    ) {
        let wait = delay(retry, error, jitter());
        reporter.info(&format!(
            "{error}; retry {retry} of {} in {:.1} s",
            self.most,
            wait.as_secs_f64()
        ));
        tokio::time::sleep(wait).await;
    }
}

/// A uniform draw from `[0, 1)`; the middle of the range if the OS has no randomness to give.
pub fn jitter() -> f64 {
    let mut bytes = [0u8; 4];
    match getrandom::fill(&mut bytes) {
        Ok(()) => f64::from(u32::from_le_bytes(bytes)) / (f64::from(u32::MAX) + 1.0),
        Err(_) => 0.5,
    }
}

#[cfg(test)]
mod tests;
