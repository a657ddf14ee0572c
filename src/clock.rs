//! The time signatures are dated with, handed to the clients that sign, so that tests can pin
//! it and production reads the system's.

use time::OffsetDateTime;

/// Where a client reads the time it signs with.
pub trait Clock: Send + Sync {
    fn now(&self) -> OffsetDateTime;
}

/// The system's clock, in UTC: what the action signs with.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
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
