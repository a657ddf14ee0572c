//! Which failures another try may mend, and how long to wait before it: each error type
//! answers for itself ([`Transient`]); the wait is what the service asked for, else
//! exponential backoff with jitter. Pure, except [`jitter`], which draws from the OS; a leaf,
//! so that every client can say what its errors are without depending on the retrying.

use std::time::Duration;

/// The first wait of the exponential backoff; each retry doubles it up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_secs(1);
const MAX_BACKOFF: Duration = Duration::from_secs(20);
/// A service's own `retry-after` is honoured up to this; beyond it the step would look hung.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(120);
/// How long to wait before retry number `retry` (1 for the first): what the service asked
/// for, up to [`MAX_RETRY_AFTER`], else exponential backoff, half fixed and half scaled by
/// `jitter` in `[0, 1)`.
pub(crate) fn delay(retry: u32, error: &impl Transient, jitter: f64) -> Duration {
    match error.asked_wait() {
        Some(asked) => asked.min(MAX_RETRY_AFTER),
        None => backoff(retry, jitter),
    }
}

/// Exponential backoff before retry number `retry`: doubling from [`FIRST_BACKOFF`] up to
/// [`MAX_BACKOFF`], half of it fixed and half scaled by `jitter` in `[0, 1)`.
fn backoff(retry: u32, jitter: f64) -> Duration {
    let doublings = retry.saturating_sub(1).min(16);
    let base = FIRST_BACKOFF
        .saturating_mul(1 << doublings)
        .min(MAX_BACKOFF);
    base / 2 + base.mul_f64(jitter.clamp(0.0, 1.0) / 2.0)
}

/// A failure that another try may mend, as each kind of call tells it.
pub(crate) trait Transient: std::fmt::Display {
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

/// A uniform draw from `[0, 1)`; the middle of the range if the OS has no randomness to give.
pub(crate) fn jitter() -> f64 {
    let mut bytes = [0u8; 4];
    match getrandom::fill(&mut bytes) {
        Ok(()) => f64::from(u32::from_le_bytes(bytes)) / (f64::from(u32::MAX) + 1.0),
        Err(_) => 0.5,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::{ClientError, service};
    use crate::fc::ServiceError;

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
