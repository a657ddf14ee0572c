//! The time signatures are dated with, and [`Signing`], the clock and the nonce source a run
//! signs with: chosen once at the edge (the system's in the action, pinned ones in tests) and
//! handed to every client the run builds.

use std::sync::Arc;

use time::OffsetDateTime;

use crate::random::{Nonces, OsNonces};

/// Where a client reads the time it signs with.
pub trait Clock: Send + Sync {
    fn now(&self) -> OffsetDateTime;
}

/// The system's clock, in UTC: what the action signs with.
#[derive(Clone, Copy, Debug, Default)]
struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// What a run's requests are dated with and where their nonces come from.
#[derive(Clone)]
pub struct Signing {
    pub clock: Arc<dyn Clock>,
    pub nonces: Arc<dyn Nonces>,
}

impl Signing {
    /// The system's clock and the OS's randomness: what the action signs with.
    pub fn system() -> Self {
        Self {
            clock: Arc::new(SystemClock),
            nonces: Arc::new(OsNonces),
        }
    }
}

/// Any function of no arguments is a clock: `move || time` pins one.
impl<F: Fn() -> OffsetDateTime + Send + Sync> Clock for F {
    fn now(&self) -> OffsetDateTime {
        self()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn a_closure_pins_the_time_and_the_system_clock_moves_on() {
        let pinned = datetime!(2024-05-20 08:30:00 UTC);
        let clock: &dyn Clock = &move || pinned;
        assert_eq!(clock.now(), pinned);
        assert!(SystemClock.now() > pinned);
    }
}
