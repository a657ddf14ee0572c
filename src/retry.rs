//! When a failed call is tried again, and how long to wait first: network failures, 5xx, 429
//! and throttling codes are worth another try; a refused request (400, 403, 404, a bad
//! signature) is not. Pure, except [`jitter`], which draws from the OS.

use std::time::Duration;

use crate::client::ClientError;

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
/// for, else exponential backoff, half fixed and half scaled by `jitter` in `[0, 1)`.
pub fn delay(retry: u32, error: &ClientError, jitter: f64) -> Duration {
    if let ClientError::Service { error, .. } = error
        && let Some(asked) = error.retry_after
    {
        return asked.min(MAX_RETRY_AFTER);
    }
    backoff(retry, jitter)
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

/// Calls `call` until it succeeds, fails for good (`retryable` says no), or `retries` more
/// tries fail. Before retry number `n` it sleeps for what `pause(n, error)` returns, which
/// may also report the wait.
pub async fn retrying<R, E, Fut>(
    retries: u32,
    retryable: impl Fn(&E) -> bool,
    mut call: impl FnMut() -> Fut,
    mut pause: impl FnMut(u32, &E) -> Duration,
) -> Result<R, E>
where
    Fut: Future<Output = Result<R, E>>,
{
    let mut retry = 0;
    loop {
        match call().await {
            Ok(value) => return Ok(value),
            Err(error) if retry < retries && retryable(&error) => {
                retry += 1;
                tokio::time::sleep(pause(retry, &error)).await;
            }
            Err(error) => return Err(error),
        }
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
}
