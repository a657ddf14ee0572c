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
mod tests {
    use super::*;
    use crate::fc::ServiceError;
    use crate::http::{Phase, TransportError};

    fn service(status: u16, code: &str) -> ClientError {
        ClientError::Service {
            action: "CreateLayerVersion",
            error: ServiceError::new(status, code, "m"),
        }
    }

    fn transport(source: TransportError) -> ClientError {
        ClientError::Transport {
            action: "CreateLayerVersion",
            source,
        }
    }

    #[test]
    fn what_is_retried_and_what_is_not() {
        for retried in [
            service(500, "InternalServerError"),
            service(503, "ResourceThrottled"),
            service(429, "ResourceExhausted"),
            service(400, "Throttling.User"),
            service(409, "ServiceUnavailable"),
        ] {
            assert!(is_retryable(&retried), "{retried}");
        }
        for refused in [
            service(400, "InvalidArgument"),
            service(403, "AccessDenied"),
            service(404, "LayerNotFound"),
            service(403, "SignatureNotMatch"),
            service(500, "SignatureDoesNotMatch"),
            service(409, "ConcurrentUpdateError"),
        ] {
            assert!(!is_retryable(&refused), "{refused}");
        }
        let dropped = transport(TransportError::Unreachable {
            origin: "o".into(),
            proxy: None,
            detail: "reset".into(),
            request_sent: true,
        });
        assert!(is_retryable(&dropped) && outcome_unknown(&dropped));
        let refused = transport(TransportError::Unreachable {
            origin: "o".into(),
            proxy: None,
            detail: "connection refused".into(),
            request_sent: false,
        });
        assert!(is_retryable(&refused) && !outcome_unknown(&refused));
        let silent_connect = transport(TransportError::TimedOut {
            origin: "o".into(),
            proxy: None,
            phase: Phase::Connecting,
            after: Duration::from_secs(30),
        });
        assert!(!outcome_unknown(&silent_connect));
        assert!(outcome_unknown(&service(503, "ServiceUnavailable")));
        assert!(!outcome_unknown(&service(429, "ResourceExhausted")));
    }

    #[test]
    fn backoff_doubles_from_one_second_to_twenty_with_jitter() {
        let error = service(503, "ServiceUnavailable");
        let waits: Vec<u64> = (1..=7)
            .map(|retry| delay(retry, &error, 0.0).as_millis() as u64)
            .collect();
        assert_eq!(waits, [500, 1000, 2000, 4000, 8000, 10000, 10000]);
        assert_eq!(delay(1, &error, 0.999_999).as_millis(), 999);
        assert_eq!(delay(40, &error, 0.5), Duration::from_secs(15));
    }

    #[test]
    fn the_service_says_how_long_to_wait_up_to_a_cap() {
        let mut error = ServiceError::new(429, "ResourceExhausted", "m");
        error.retry_after = Some(Duration::from_secs(3600));
        let throttled = ClientError::Service {
            action: "ListLayerVersions",
            error,
        };
        assert_eq!(delay(1, &throttled, 0.0), MAX_RETRY_AFTER);
    }

    #[test]
    fn jitter_stays_in_range() {
        for _ in 0..100 {
            let value = jitter();
            assert!((0.0..1.0).contains(&value), "{value}");
        }
    }

    /// A failure whose nature the test sets, and that asks for no wait.
    #[derive(Debug)]
    struct Fault {
        retryable: bool,
        unknown: bool,
    }

    impl std::fmt::Display for Fault {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(
                f,
                "fault (retryable {}, unknown {})",
                self.retryable, self.unknown
            )
        }
    }

    impl Transient for Fault {
        fn is_retryable(&self) -> bool {
            self.retryable
        }
        fn outcome_unknown(&self) -> bool {
            self.unknown
        }
        fn asked_wait(&self) -> Option<Duration> {
            Some(Duration::ZERO)
        }
    }

    const LOST: Fault = Fault {
        retryable: true,
        unknown: true,
    };

    fn said(reporter: crate::report::buffered::Buffered) -> Vec<String> {
        let mut log = crate::report::Workflow::new(Vec::new(), None::<Vec<u8>>);
        reporter.replay(&mut log);
        let (bytes, _, _) = log.into_parts();
        String::from_utf8(bytes)
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    #[tokio::test]
    async fn each_retry_is_said_and_the_attempt_gets_the_reporter() {
        let mut reporter = crate::report::buffered::Buffered::default();
        let mut attempts = 0;
        let result: Result<u32, Fault> = Retries::new(3)
            .run(&mut reporter, async |reporter| {
                attempts += 1;
                reporter.info(&format!("attempt {attempts}"));
                if attempts < 3 {
                    Err(LOST)
                } else {
                    Ok(attempts)
                }
            })
            .await;
        assert_eq!(result.unwrap(), 3);
        assert_eq!(
            said(reporter),
            [
                "attempt 1",
                "fault (retryable true, unknown true); retry 1 of 3 in 0.0 s",
                "attempt 2",
                "fault (retryable true, unknown true); retry 2 of 3 in 0.0 s",
                "attempt 3",
            ]
        );
    }

    #[tokio::test]
    async fn a_refusal_or_the_last_retry_ends_it_and_unknown_outcomes_are_noted() {
        let mut reporter = crate::report::buffered::Buffered::default();
        let mut attempts = 0;
        let (result, unknown) = Retries::new(2)
            .run_noting_unknown(&mut reporter, async |_| {
                attempts += 1;
                Err::<(), _>(LOST)
            })
            .await;
        assert!(result.is_err() && unknown);
        assert_eq!(attempts, 3, "the first try and two retries");
        let refused = Fault {
            retryable: false,
            unknown: false,
        };
        let mut attempts = 0;
        let (result, unknown) = Retries::new(2)
            .run_noting_unknown(&mut reporter, async |_| {
                attempts += 1;
                Err::<(), _>(Fault { ..refused })
            })
            .await;
        assert!(result.is_err() && !unknown);
        assert_eq!(attempts, 1);
    }

    #[tokio::test]
    async fn create_once_looks_before_sending_again() {
        // Lost, looked for and not found: sent again; lost again, and found this time.
        let mut reporter = crate::report::buffered::Buffered::default();
        let (mut sent, mut looked) = (0, 0);
        let result: Result<&str, Fault> = Retries::new(5)
            .create_once(
                &mut reporter,
                async |_| {
                    sent += 1;
                    Err(LOST)
                },
                async |_, _| {
                    looked += 1;
                    if looked == 1 {
                        Settled::NotDone
                    } else {
                        Settled::Done("found")
                    }
                },
            )
            .await;
        assert_eq!((result.unwrap(), sent, looked), ("found", 2, 2));

        // Whether it was done cannot be told: never sent again, whatever retries are left.
        let mut sent = 0;
        let result: Result<(), Fault> = Retries::new(5)
            .create_once(
                &mut reporter,
                async |_| {
                    sent += 1;
                    Err(LOST)
                },
                async |_, _| Settled::Unknowable,
            )
            .await;
        assert!(result.is_err());
        assert_eq!(sent, 1);

        // A clear refusal is not looked for.
        let result: Result<(), Fault> = Retries::new(5)
            .create_once(
                &mut reporter,
                async |_| {
                    Err(Fault {
                        retryable: false,
                        unknown: false,
                    })
                },
                async |_, _| panic!("a refused call is not looked for"),
            )
            .await;
        assert!(result.is_err());
    }
}
