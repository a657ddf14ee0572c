//! How a multipart upload is cut and paced: the part size and the parts in flight, adapted
//! to what the parts sent so far measured, within bounds that cap the memory they hold.
//!
//! Far from the region one connection is bound by its round trip and loss, not by the
//! runner's link, so more parts at once move more; near it, or once the link is full, they
//! only contend. So the parts in flight double while a window of parts at the new count moves
//! [`GAIN`] times more than the best before it, and settle back on that best once it does not.
//! A part is made smaller when one connection is slow, so that a part still takes about
//! [`TARGET_PART_SECONDS`] and more of them fit in the same memory. The choice is a pure
//! function of the measures, so it is tested with measures made up, not with timing.

use tokio::time::Instant;

/// Parts are at least this big (the last one aside) unless 10,000 of them would not hold
/// the object; OSS takes down to 100 KiB, but each part costs a request.
pub(crate) const MIN_PART: u64 = 4 << 20;
/// Parts start at this size, and never grow past it unless 10,000 would not hold the object.
pub(crate) const START_PART: u64 = 8 << 20;
/// The most parts one upload may have, OSS's limit.
pub(crate) const MAX_PARTS: u64 = 10_000;
/// Parts in flight at first: enough to fill a runner's link near the region.
pub(crate) const START_IN_FLIGHT: usize = 3;
/// The most parts in flight, far from the region on a slow connection.
pub(crate) const MAX_IN_FLIGHT: usize = 16;
/// Parts in flight × part size stays within this: the memory an upload's parts hold.
pub(crate) const MAX_HELD: u64 = 64 << 20;
/// More parts in flight are kept only when they move this much more than fewer did.
const GAIN: f64 = 1.2;
/// On a slow connection a part is cut to take about this long: long enough that a request's
/// round trip is a small share of it, short enough that many fit in [`MAX_HELD`].
const TARGET_PART_SECONDS: f64 = 4.0;

/// How the next parts are cut and sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Plan {
    pub(crate) part: u64,
    pub(crate) in_flight: usize,
}

/// What a window of parts sent under one plan measured.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Window {
    /// Parts in flight while it ran.
    pub(crate) in_flight: usize,
    /// Bytes of the parts that completed in it, and the wall time it took.
    pub(crate) bytes: u64,
    pub(crate) seconds: f64,
    /// The median of its parts' own rates (bytes per second, each from its send to its reply).
    pub(crate) part_rate: f64,
}

/// The plan as the windows measured so far adapt it.
#[derive(Debug)]
pub(crate) struct Pace {
    plan: Plan,
    /// The in-flight count whose window moved most, and its bytes per second.
    best: Option<(usize, f64)>,
    /// Set once more in flight stopped helping: the count stays.
    settled: bool,
}

/// The smallest part that lets `remaining` bytes fit the parts still allowed, in whole MiB.
fn floor_part(remaining: u64, parts_used: u64) -> u64 {
    let parts_left = MAX_PARTS.saturating_sub(parts_used).max(1);
    remaining.div_ceil(parts_left).div_ceil(1 << 20) << 20
}

impl Pace {
    /// The plan for an object of `size` bytes, before anything is measured.
    pub(crate) fn new(size: u64) -> Self {
        Self {
            plan: Plan {
                part: START_PART.max(floor_part(size, 0)),
                in_flight: START_IN_FLIGHT,
            },
            best: None,
            settled: false,
        }
    }

    pub(crate) fn plan(&self) -> Plan {
        self.plan
    }

    /// Adapts the plan to `window`, with `remaining` bytes not yet cut into parts and
    /// `parts_used` part numbers taken.
    pub(crate) fn measured(&mut self, window: &Window, remaining: u64, parts_used: u64) {
        let moved = window.bytes as f64 / window.seconds.max(1e-3);
        let mut in_flight = self.plan.in_flight;
        if !self.settled {
            match self.best {
                Some((count, best)) if moved < best * GAIN => {
                    in_flight = count;
                    self.settled = true;
                }
                _ => {
                    self.best = Some((window.in_flight, moved));
                    in_flight = (window.in_flight * 2).min(MAX_IN_FLIGHT);
                }
            }
        }
        let floor = floor_part(remaining, parts_used);
        let wanted = (window.part_rate * TARGET_PART_SECONDS) as u64;
        let wanted = wanted.div_ceil(1 << 20) << 20;
        let part = wanted.clamp(MIN_PART, START_PART).max(floor);
        let fits = (MAX_HELD / part).max(1) as usize;
        self.plan = Plan {
            part,
            in_flight: in_flight.clamp(1, fits),
        };
    }
}

/// The parts completed since the plan last changed, until there are as many as it sends at
/// once: then they make a [`Window`].
pub(crate) struct Tally {
    in_flight: usize,
    started: Instant,
    bytes: u64,
    rates: Vec<f64>,
}

impl Tally {
    pub(crate) fn new(in_flight: usize) -> Self {
        Self {
            in_flight,
            started: Instant::now(),
            bytes: 0,
            rates: Vec::with_capacity(in_flight),
        }
    }

    /// Counts a part of `length` bytes that took `seconds`; the window once it is full.
    pub(crate) fn add(&mut self, length: u64, seconds: f64) -> Option<Window> {
        self.bytes += length;
        self.rates.push(length as f64 / seconds.max(1e-3));
        if self.rates.len() < self.in_flight {
            return None;
        }
        self.rates.sort_by(f64::total_cmp);
        Some(Window {
            in_flight: self.in_flight,
            bytes: self.bytes,
            seconds: self.started.elapsed().as_secs_f64(),
            part_rate: self.rates[self.rates.len() / 2],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MB: f64 = 1e6;

    /// A window of `in_flight` parts of `part` bytes, each moving at `part_rate`, that
    /// together moved `moved` bytes per second.
    fn window(plan: Plan, part_rate: f64, moved: f64) -> Window {
        let bytes = plan.part * plan.in_flight as u64;
        Window {
            in_flight: plan.in_flight,
            bytes,
            seconds: bytes as f64 / moved,
            part_rate,
        }
    }

    #[test]
    fn starts_with_three_parts_of_8_mib() {
        let pace = Pace::new(300 << 20);
        assert_eq!(
            pace.plan(),
            Plan {
                part: 8 << 20,
                in_flight: 3
            }
        );
    }

    #[test]
    fn a_full_link_settles_back_on_three() {
        // Loopback: the parts share one fast link, so six move no more than three.
        let mut pace = Pace::new(300 << 20);
        pace.measured(&window(pace.plan(), 23.0 * MB, 69.0 * MB), 200 << 20, 3);
        assert_eq!(pace.plan().in_flight, 6, "tries more once");
        pace.measured(&window(pace.plan(), 12.0 * MB, 71.0 * MB), 150 << 20, 9);
        let settled = pace.plan();
        assert_eq!(settled.in_flight, 3, "and goes back when it did not help");
        assert_eq!(settled.part, 8 << 20, "fast parts stay 8 MiB");
        pace.measured(&window(settled, 23.0 * MB, 200.0 * MB), 100 << 20, 12);
        assert_eq!(pace.plan(), settled, "and stays settled");
    }

    #[test]
    fn slow_connections_get_more_and_smaller_parts_within_the_memory_bound() {
        // Far: each connection moves 1 MB/s however many there are.
        let mut pace = Pace::new(160 << 20);
        let mut counts = Vec::new();
        for _ in 0..5 {
            let plan = pace.plan();
            pace.measured(&window(plan, MB, MB * plan.in_flight as f64), 100 << 20, 10);
            counts.push(pace.plan().in_flight);
        }
        assert_eq!(counts, [6, 12, 16, 16, 16]);
        assert_eq!(pace.plan().part, 4 << 20);
        assert!(pace.plan().part * pace.plan().in_flight as u64 <= MAX_HELD);
    }

    #[test]
    fn parts_stay_within_bounds_whatever_is_measured() {
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move |range: f64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % 1_000_000) as f64 / 1_000_000.0 * range
        };
        for size in [33u64 << 20, 500 << 20, 100 << 30] {
            let mut pace = Pace::new(size);
            let mut used = 0;
            for _ in 0..50 {
                let plan = pace.plan();
                let rate = 1.0 + next(200.0 * MB);
                pace.measured(&window(plan, rate, 1.0 + next(400.0 * MB)), size / 2, used);
                used += plan.in_flight as u64;
                let plan = pace.plan();
                assert!((1..=MAX_IN_FLIGHT).contains(&plan.in_flight), "{plan:?}");
                assert!(plan.part >= MIN_PART, "{plan:?}");
                assert!(
                    plan.part <= START_PART.max(floor_part(size / 2, used)),
                    "{plan:?}"
                );
                assert!(plan.part * plan.in_flight as u64 <= MAX_HELD.max(plan.part));
                assert!(
                    (size / 2).div_ceil(plan.part) + used <= MAX_PARTS,
                    "{plan:?}"
                );
            }
        }
    }

    #[test]
    fn parts_are_big_enough_for_10000() {
        assert_eq!(Pace::new(100 << 30).plan().part, 11 << 20);
        assert_eq!(floor_part(1 << 30, MAX_PARTS - 1), 1 << 30);
    }
}
