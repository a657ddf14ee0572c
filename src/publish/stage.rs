//! Getting the zip where CreateLayerVersion can take it: nowhere for inline, a bucket of the
//! user's own (content-addressed, uploaded once), or FC's temporary bucket.

use std::time::Duration;

use super::lend::{Lender, NotLent};
use super::link::{self, LinkMeasure, Way};
use super::measure;
use super::shared::Shared;
use super::source::{Route, Source, own_oss};
use crate::http::Transport;
use crate::inputs::{RegionTarget, Settings, Staging, TempBucketRoute};
use crate::oss::client::OssClient;
use crate::oss::upload::{self, UploadTarget};
use crate::oss_names::BucketName;
use crate::outcome::Failure;
use crate::package::Package;
use crate::report::Reporter;

/// Where the zip is for the create.
#[derive(Clone, Debug)]
pub(crate) enum Staged<'a> {
    /// In the request body, read from this package.
    Inline(&'a Package),
    Oss {
        bucket: BucketName,
        key: String,
        checksum: Option<String>,
    },
}

/// The route in this region: [`Route::ByLink`] settled by the link model on what `link`
/// measured (inline when nothing was), the choice and its figures said in the log.
pub(crate) fn settle<T>(
    shared: &Shared<'_, T>,
    target: &RegionTarget,
    link: Option<&LinkMeasure>,
    reporter: &mut impl Reporter,
) -> Route {
    let (Route::ByLink, Source::Package(package)) = (shared.route, shared.source) else {
        return shared.route;
    };
    let Some(link) = link else {
        reporter.info("upload: auto: the link was not measured (no listing); the zip goes inline, as its Base64 fits");
        return Route::Inline;
    };
    let estimate = link::choose(link, package.size, measure::oss_calls(target));
    let (route, way) = match estimate.way {
        Way::Oss => (Route::Oss, "through OSS"),
        Way::Inline => (Route::Inline, "inline"),
    };
    reporter.info(&format!(
        "upload: auto: the zip ({} bytes) goes {way}, the faster by the link model: {}",
        package.size,
        estimate.why(link)
    ));
    route
}

/// The round trip of one HEAD to the OSS endpoint the zip would go to, sent beside the
/// listing when the link is to choose the route; `None` otherwise, or when it failed.
pub(crate) async fn measure_oss<T: Transport>(
    shared: &Shared<'_, T>,
    target: &RegionTarget,
) -> Option<Duration> {
    if shared.route != Route::ByLink || shared.settings.lifecycle.dry_run {
        return None;
    }
    measure::round_trip(shared.transport, measure::oss_endpoint(target)).await
}

/// Puts the zip where `route` (settled) says; for OSS, uploads it (once) and names the
/// object.
pub(crate) async fn stage<'s, T: Transport>(
    shared: &Shared<'s, T>,
    target: &RegionTarget,
    route: Route,
    reporter: &mut impl Reporter,
) -> Result<Staged<'s>, Failure> {
    let package = match shared.source {
        // An object in OSS always goes by reference, whatever the route.
        Source::Object {
            object, checksum, ..
        } => {
            return Ok(Staged::Oss {
                bucket: object.bucket.clone(),
                key: object.key.clone(),
                checksum: checksum.clone(),
            });
        }
        Source::Package(package) if route == Route::Inline => {
            return Ok(Staged::Inline(package));
        }
        // Uploaded as it was packaged, before the regions started.
        Source::Package(package) if let Some(uploaded) = shared.uploaded => {
            return Ok(Staged::Oss {
                bucket: uploaded.bucket.clone(),
                key: uploaded.key.clone(),
                checksum: Some(package.checksum.clone()),
            });
        }
        Source::Package(package) => package,
    };
    match &target.staging {
        Staging::OwnBucket {
            oss,
            bucket,
            key_prefix,
        } => {
            // Content-addressed: the same zip always lands on the same key.
            let key = format!(
                "{key_prefix}{}/{}.zip",
                shared.settings.layer_name, package.checksum
            );
            let client = own_oss(oss, shared.credentials, shared.transport, shared.signing);
            to_own_bucket(&client, package, bucket, key, shared.settings, reporter).await
        }
        Staging::Temporary(route) => to_temporary_bucket(shared, route, package, reporter).await,
    }
}

/// Uploads `package` to `bucket` under `key`, unless the object there is this zip already.
async fn to_own_bucket<'s, T: Transport>(
    client: &OssClient<&T>,
    package: &Package,
    bucket: &BucketName,
    key: String,
    settings: &Settings,
    reporter: &mut impl Reporter,
) -> Result<Staged<'s>, Failure> {
    let retries = settings.lifecycle.retries;
    let present = retries
        .run(reporter, async |_| client.head(bucket, &key).await)
        .await
        .map_err(Failure::Oss)?
        .is_some_and(|info| info.crc64.as_deref() == Some(package.checksum.as_str()));
    if present {
        reporter.info(&format!(
            "oss://{bucket}/{key} already holds this zip (same CRC-64): not uploaded again"
        ));
    } else {
        let target = UploadTarget {
            bucket,
            key: &key,
            retries,
        };
        upload::upload(client, package, &target, reporter).await?;
    }
    Ok(Staged::Oss {
        bucket: bucket.clone(),
        key,
        checksum: Some(package.checksum.clone()),
    })
}

/// Uploads `package` to the temporary bucket FC lends this run's account.
async fn to_temporary_bucket<'s, T: Transport>(
    shared: &Shared<'s, T>,
    route: &TempBucketRoute,
    package: &'s Package,
    reporter: &mut impl Reporter,
) -> Result<Staged<'s>, Failure> {
    let lender = Lender {
        transport: shared.transport,
        signing: shared.signing,
        credentials: shared.credentials,
        settings: shared.settings,
    };
    let (client, lent) = match lender.lend(route, reporter).await {
        Ok(lent) => lent,
        // `auto` chose OSS for speed, and the zip fits inline: neither a refusal nor an
        // account that cannot be learned is a reason to fail.
        Err(not_lent) if shared.route == Route::ByLink => {
            let why = match &not_lent {
                NotLent::Bucket(_) if not_lent.refused() => "FC refused its temporary bucket",
                NotLent::Account(_) => "FC's temporary bucket cannot be asked for",
                NotLent::Bucket(_) => return Err(not_lent.into()),
            };
            reporter.warning(&format!(
                "{why} ({not_lent}): upload: auto sends the zip inline instead ({} bytes; its Base64 fits)",
                package.size
            ));
            return Ok(Staged::Inline(package));
        }
        Err(not_lent) => return Err(not_lent.into()),
    };
    let target = UploadTarget {
        bucket: &lent.bucket,
        key: &lent.key,
        retries: shared.settings.lifecycle.retries,
    };
    upload::upload(&client, package, &target, reporter).await?;
    Ok(Staged::Oss {
        bucket: lent.bucket,
        key: lent.key,
        checksum: Some(package.checksum.clone()),
    })
}
