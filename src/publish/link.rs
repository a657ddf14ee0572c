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

/// Whether the route of a zip of `zip_bytes` is worth a measure of the OSS link: not when
/// its Base64 is within one window, which inline sends in about one round trip, the most
/// OSS could save. Smaller zips go inline, as before, with no request more.
pub(crate) fn worth_measuring(zip_bytes: u64) -> bool {
    usize::try_from(zip_bytes).is_ok_and(|size| base64_len(size) as u64 > WINDOW_BYTES)
}

#[cfg(test)]
mod tests;
