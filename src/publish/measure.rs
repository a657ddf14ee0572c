//! The link measured for `upload: auto`: one request's round trip to a host, any reply
//! counting, and the calls an OSS route adds to the upload's own. What is measured here,
//! [`super::link`] (pure) turns into a route.

use std::time::Duration;

use tokio::time::Instant;

use super::link::OssCalls;
use crate::endpoint::Endpoint;
use crate::http::{HttpRequest, Transport};
use crate::inputs::{Account, RegionTarget, Staging};

/// How long one measure may take: beyond it, the host is taken as not measured.
const MEASURE_FOR: Duration = Duration::from_secs(2);

/// The round trip of one anonymous HEAD to `endpoint`'s root; `None` when it got no reply
/// within [`MEASURE_FOR`]. Any reply will do (it is refused): only its round trip is
/// wanted, and not for longer than a far link's few round trips, since a step waits for it.
pub(crate) async fn round_trip<T: Transport>(
    transport: &T,
    endpoint: &Endpoint,
) -> Option<Duration> {
    let started = Instant::now();
    let request = HttpRequest {
        method: "HEAD",
        url: endpoint.url("/"),
        headers: vec![("host".to_owned(), endpoint.host().to_owned())],
        ..HttpRequest::default()
    };
    tokio::time::timeout(MEASURE_FOR, transport.send(request))
        .await
        .ok()?
        .ok()?;
    Some(started.elapsed())
}

/// The OSS endpoint the zip would go to in `target`.
pub(crate) fn oss_endpoint(target: &RegionTarget) -> &Endpoint {
    match &target.staging {
        Staging::OwnBucket { oss, .. } => oss.location.endpoint(),
        Staging::Temporary(route) => route.location.endpoint(),
    }
}

/// The calls the OSS route makes in `target` besides the upload's own.
pub(crate) fn oss_calls(target: &RegionTarget) -> OssCalls {
    match &target.staging {
        Staging::OwnBucket { .. } => OssCalls { fc: 0, oss: 1 },
        Staging::Temporary(route) => OssCalls {
            fc: 1 + u32::from(matches!(route.account, Account::FromSts(_))),
            oss: 0,
        },
    }
}
