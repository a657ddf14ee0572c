//! [`Retries`], the one way a call is tried again: it hands each attempt the reporter, says
//! each wait through it ([`crate::backoff`] says which failures are worth another try and how
//! long to wait), and, for calls that are not idempotent, looks for what a failed attempt may
//! have done before sending it again ([`Retries::create_once`]).

use crate::backoff::{Transient, delay, jitter};
use crate::report::Reporter;

/// The most `retries` an input may ask for.
pub(crate) const MAX_RETRIES: u32 = 10;

/// What a look for a non-idempotent call's effect found ([`Retries::create_once`]).
pub(crate) enum Settled<T> {
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
pub(crate) struct Retries {
    /// How many more tries after the first.
    pub(crate) most: u32,
}

impl Retries {
    pub(crate) fn new(most: u32) -> Self {
        Self { most }
    }

    /// Runs `attempt` until it succeeds, fails for good or `most` more tries fail.
    pub(crate) async fn run<R, T, E>(
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
    pub(crate) async fn run_noting_unknown<R, T, E>(
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
    pub(crate) async fn create_once<R, T, E>(
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

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
