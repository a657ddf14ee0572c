//! The link model `upload: auto` routes a zip by, pure: from the round trips the run has
//! measured (the version listing to FC, a HEAD to the OSS endpoint sent beside it) and the
//! zip's size, the time inline and the time through OSS, and the faster of the two.
//!
//! The model's assumptions (README, "How `auto` chooses"):
//! - one connection carries about [`WINDOW_BYTES`] per round trip (TCP's window over a long
//!   link), at most [`MAX_RATE`] (beyond it the runner's disk and CPU set the pace);
//! - inline is one request on one FC connection, the zip's Base64 (a third larger);
//! - OSS is the calls before the upload (lending the temporary bucket from FC, or the
//!   content check on one's own bucket), one PutObject up to 32 MiB, parts beyond it
//!   [`PARTS_IN_FLIGHT`] at a time, then the create by reference;
//! - when the OSS round trip was not measured, OSS is taken to be as far as FC.

use std::time::Duration;

use crate::fc::limits::base64_len;
use crate::oss::upload::{PARTS_IN_FLIGHT, SINGLE_PUT_MAX, part_size};

/// What one connection carries per round trip, about: a long link's TCP window.
pub(crate) const WINDOW_BYTES: u64 = 256 << 10;
/// The fastest one connection is taken to go, bytes per second.
const MAX_RATE: f64 = 100e6;
/// Below this a round trip is noise (loopback): the model's floor.
const MIN_ROUND_TRIP: Duration = Duration::from_millis(1);
/// OSS is chosen only when the model says it is at least this much faster: inline is one
/// request, with nothing left behind to clean, and the model is rough.
const OSS_MARGIN: f64 = 1.1;

/// The faster way by the model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Way {
    Inline,
    Oss,
}

/// What the run measured of its links before choosing.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct LinkMeasure {
    /// The version listing's round trip to FC.
    pub(crate) fc: Duration,
    /// A HEAD to the OSS endpoint, sent beside the listing; `None` when not measured.
    pub(crate) oss: Option<Duration>,
}

/// The calls an OSS route makes besides the upload's own: on the FC link (lending the
/// temporary bucket, asking STS the account) and on the OSS link (the content check).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct OssCalls {
    pub(crate) fc: u32,
    pub(crate) oss: u32,
}

/// The model's figures for one zip, and the route they choose.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Estimate {
    pub(crate) way: Way,
    pub(crate) inline: Duration,
    pub(crate) oss: Duration,
    /// One connection's rate to FC and to OSS, bytes per second.
    pub(crate) fc_rate: f64,
    pub(crate) oss_rate: f64,
}

impl Estimate {
    /// The figures, for the log.
    pub(crate) fn why(&self, link: &LinkMeasure) -> String {
        let oss_trip = link
            .oss
            .map_or("not measured: taken as FC's".to_owned(), |trip| {
                format!("{} ms", trip.as_millis())
            });
        format!(
            "FC round trip {} ms (~{:.1} MB/s a connection), OSS round trip {oss_trip} (~{:.1} MB/s); estimated {:.1} s inline, {:.1} s through OSS",
            link.fc.as_millis(),
            self.fc_rate / 1e6,
            self.oss_rate / 1e6,
            self.inline.as_secs_f64(),
            self.oss.as_secs_f64(),
        )
    }
}

/// One connection's rate over a link of round trip `trip`, bytes per second.
fn rate(trip: Duration) -> f64 {
    (WINDOW_BYTES as f64 / trip.max(MIN_ROUND_TRIP).as_secs_f64()).min(MAX_RATE)
}

/// The upload's own time: one PutObject, or parts in waves between the initiate and the
/// complete.
fn upload_time(zip_bytes: u64, trip: f64, rate: f64) -> f64 {
    if zip_bytes <= SINGLE_PUT_MAX {
        return trip + zip_bytes as f64 / rate;
    }
    let parts = zip_bytes.div_ceil(part_size(zip_bytes));
    let in_flight = parts.min(PARTS_IN_FLIGHT as u64);
    let waves = parts.div_ceil(in_flight);
    2.0 * trip + waves as f64 * trip + zip_bytes as f64 / (in_flight as f64 * rate)
}

/// The route the model says is faster for a zip of `zip_bytes` that may go either way.
pub(crate) fn choose(link: &LinkMeasure, zip_bytes: u64, calls: OssCalls) -> Estimate {
    let fc_trip = link.fc.max(MIN_ROUND_TRIP);
    let oss_trip = link.oss.unwrap_or(fc_trip).max(MIN_ROUND_TRIP);
    let (fc_rate, oss_rate) = (rate(fc_trip), rate(oss_trip));
    let (fc_trip, oss_trip) = (fc_trip.as_secs_f64(), oss_trip.as_secs_f64());
    let base64 = usize::try_from(zip_bytes).map_or(f64::INFINITY, |size| base64_len(size) as f64);
    // Both end with the create; inline's carries the zip.
    let inline = fc_trip + base64 / fc_rate;
    let oss = f64::from(calls.fc) * fc_trip
        + f64::from(calls.oss) * oss_trip
        + upload_time(zip_bytes, oss_trip, oss_rate)
        + fc_trip;
    let way = if oss * OSS_MARGIN < inline {
        Way::Oss
    } else {
        Way::Inline
    };
    let seconds = |value: f64| Duration::try_from_secs_f64(value).unwrap_or(Duration::MAX);
    Estimate {
        way,
        inline: seconds(inline),
        oss: seconds(oss),
        fc_rate,
        oss_rate,
    }
}

/// The route of a zip known so far only to be at least `at_least` bytes (a zip still being
/// packaged): OSS only when the model says so at `at_least` and at every doubling of it up
/// to `most`, the largest the zip may grow to. Through OSS the model only gains as the zip
/// grows (inline pays a third more bytes, over one connection), so the doublings are a
/// guard, not the rule: `a_decision_at_eight_mebibytes_holds_for_larger_zips`.
pub(crate) fn choose_from(
    link: &LinkMeasure,
    at_least: u64,
    most: u64,
    calls: OssCalls,
) -> Estimate {
    let estimate = choose(link, at_least, calls);
    let mut size = at_least;
    while estimate.way == Way::Oss && size < most {
        size = size.saturating_mul(2).min(most);
        if choose(link, size, calls).way == Way::Inline {
            return Estimate {
                way: Way::Inline,
                ..estimate
            };
        }
    }
    estimate
}

/// Whether the route of a zip of `zip_bytes` is worth a measure of the OSS link: not when
/// its Base64 is within one window, which inline sends in about one round trip, the most
/// OSS could save. Smaller zips go inline, as before, with no request more.
pub(crate) fn worth_measuring(zip_bytes: u64) -> bool {
    usize::try_from(zip_bytes).is_ok_and(|size| base64_len(size) as u64 > WINDOW_BYTES)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MB: u64 = 1_000_000;
    /// The calls the temporary bucket makes besides the upload: the loan, from FC.
    const TEMPORARY: OssCalls = OssCalls { fc: 1, oss: 0 };
    /// One's own bucket: the content check on OSS.
    const OWN: OssCalls = OssCalls { fc: 0, oss: 1 };

    fn link(fc_ms: u64, oss_ms: Option<u64>) -> LinkMeasure {
        LinkMeasure {
            fc: Duration::from_millis(fc_ms),
            oss: oss_ms.map(Duration::from_millis),
        }
    }

    /// bench/longhaul's `far`: FC 200 ms away, OSS's accelerate endpoint 30 ms.
    fn far() -> LinkMeasure {
        link(200, Some(30))
    }

    #[test]
    fn far_with_accelerate_goes_through_oss_from_one_megabyte() {
        for size in [MB, 5 * MB, 16 << 20, 20 * MB, 60 * MB] {
            let estimate = choose(&far(), size, TEMPORARY);
            assert_eq!(estimate.way, Way::Oss, "{size}: {estimate:?}");
            assert!(estimate.oss < estimate.inline, "{estimate:?}");
        }
    }

    #[test]
    fn far_without_accelerate_sends_one_megabyte_inline_and_more_through_oss() {
        let far_no_accelerate = link(200, Some(200));
        let small = choose(&far_no_accelerate, MB, TEMPORARY);
        assert_eq!(small.way, Way::Inline, "{small:?}");
        for size in [5 * MB, 20 * MB, 60 * MB] {
            let estimate = choose(&far_no_accelerate, size, TEMPORARY);
            assert_eq!(estimate.way, Way::Oss, "{size}: {estimate:?}");
        }
    }

    #[test]
    fn an_unmeasured_oss_link_is_taken_to_be_as_far_as_fc() {
        for size in [MB, 5 * MB, 60 * MB] {
            assert_eq!(
                choose(&link(200, None), size, TEMPORARY),
                choose(&link(200, Some(200)), size, TEMPORARY)
            );
        }
    }

    #[test]
    fn near_sends_a_megabyte_inline() {
        let near = link(5, Some(5));
        assert_eq!(choose(&near, MB, TEMPORARY).way, Way::Inline);
        assert_eq!(choose(&near, MB, OWN).way, Way::Inline);
    }

    #[test]
    fn on_loopback_a_small_zip_goes_inline() {
        let loopback = link(0, Some(0));
        let estimate = choose(&loopback, 100_000, TEMPORARY);
        assert_eq!(estimate.way, Way::Inline, "{estimate:?}");
        assert_eq!(estimate.fc_rate, MAX_RATE, "the rate is capped");
    }

    #[test]
    fn inline_costs_the_base64_over_one_connection() {
        // 200 ms: 256 KiB a round trip, 1.31 MB/s; 20 MB is 26.7 MB of Base64.
        let estimate = choose(&link(200, Some(200)), 20 * MB, TEMPORARY);
        let expected = 0.2 + base64_len(20_000_000) as f64 / (WINDOW_BYTES as f64 / 0.2);
        assert!(
            (estimate.inline.as_secs_f64() - expected).abs() < 1e-3,
            "{estimate:?}"
        );
        // Through OSS: the loan, one PutObject of 20 MB, the create.
        let oss = 0.2 + (0.2 + 20e6 / (WINDOW_BYTES as f64 / 0.2)) + 0.2;
        assert!(
            (estimate.oss.as_secs_f64() - oss).abs() < 1e-3,
            "{estimate:?}"
        );
    }

    #[test]
    fn parts_go_three_at_a_time() {
        // 60 MB: 8 parts of 8 MiB, in 3 waves of at most 3, between initiate and complete.
        let trip = 0.2;
        let rate = WINDOW_BYTES as f64 / trip;
        let expected = 2.0 * trip + 3.0 * trip + 60e6 / (3.0 * rate);
        assert!((upload_time(60 * MB, trip, rate) - expected).abs() < 1e-9);
        // Up to 32 MiB, one PutObject.
        assert!(
            (upload_time(32 << 20, trip, rate) - (trip + (32 << 20) as f64 / rate)).abs() < 1e-9
        );
    }

    #[test]
    fn the_calls_before_the_upload_count() {
        let far_no_accelerate = link(200, Some(200));
        let temporary = choose(&far_no_accelerate, 5 * MB, TEMPORARY);
        let with_sts = choose(&far_no_accelerate, 5 * MB, OssCalls { fc: 2, oss: 0 });
        let difference = with_sts.oss.as_secs_f64() - temporary.oss.as_secs_f64();
        assert!((difference - 0.2).abs() < 1e-6, "one more FC round trip");
    }

    #[test]
    fn the_log_gives_the_figures() {
        let why = choose(&far(), 16 << 20, TEMPORARY).why(&far());
        assert!(why.contains("FC round trip 200 ms"), "{why}");
        assert!(why.contains("OSS round trip 30 ms"), "{why}");
        assert!(
            why.contains("s inline") && why.contains("s through OSS"),
            "{why}"
        );
        let unmeasured = link(200, None);
        let why = choose(&unmeasured, MB, TEMPORARY).why(&unmeasured);
        assert!(why.contains("not measured"), "{why}");
    }

    #[test]
    fn only_zips_beyond_one_window_are_worth_measuring() {
        assert!(!worth_measuring(1000));
        assert!(!worth_measuring(WINDOW_BYTES / 4 * 3));
        assert!(worth_measuring(MB));
    }

    #[test]
    fn a_zip_still_being_packaged_goes_by_the_model_at_what_is_written() {
        let first_part = 8 << 20;
        let most = 500 << 20;
        assert_eq!(
            choose_from(&far(), first_part, most, TEMPORARY).way,
            Way::Oss
        );
        let far_both = link(200, Some(200));
        assert_eq!(
            choose_from(&far_both, first_part, most, TEMPORARY).way,
            Way::Oss
        );
        // Even near, 8 MiB is worth parts in flight beside the packaging, by the model.
        assert_eq!(
            choose_from(&link(5, Some(5)), first_part, most, TEMPORARY).way,
            Way::Oss
        );
        // OSS far beyond FC: inline.
        for oss_far in [
            link(20, Some(400)),
            link(1, Some(100)),
            link(200, Some(1000)),
        ] {
            let estimate = choose_from(&oss_far, first_part, most, TEMPORARY);
            assert_eq!(estimate.way, Way::Inline, "{oss_far:?}: {estimate:?}");
        }
    }

    #[test]
    fn a_decision_at_eight_mebibytes_holds_for_larger_zips() {
        let first_part: u64 = 8 << 20;
        let trips = [0, 1, 2, 3, 5, 10, 20, 30, 50, 80, 120, 200, 300, 500, 1000];
        let sizes: Vec<u64> = (0..200)
            .map(|step| first_part + step * (5 << 20) + step * 12_345)
            .collect();
        for fc in trips {
            for oss in trips.iter().map(|&ms| Some(ms)).chain([None]) {
                let measured = link(fc, oss);
                for calls in [TEMPORARY, OWN, OssCalls { fc: 2, oss: 0 }] {
                    if choose(&measured, first_part, calls).way == Way::Inline {
                        continue;
                    }
                    for &size in &sizes {
                        let estimate = choose(&measured, size, calls);
                        assert_eq!(estimate.way, Way::Oss, "{measured:?} {size}: {estimate:?}");
                    }
                }
            }
        }
    }
}
