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
