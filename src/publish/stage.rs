//! Getting the zip where CreateLayerVersion can take it: nowhere for inline, a bucket of the
//! user's own (content-addressed, uploaded once), or FC's temporary bucket.

use std::sync::Arc;
use std::time::Duration;

use super::lend::{self, Lender};
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
use crate::temp_bucket;
use crate::temp_bucket::TempBucketError;

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
    let (transport, signing) = (shared.transport, shared.signing);
    let retries = shared.settings.lifecycle.retries;
    let credentials = shared.credentials;
    let asker = Lender {
        transport,
        signing,
        credentials,
        settings: shared.settings,
    };
    let account_id = match lend::account_id(&route.account, &asker, reporter).await {
        Ok(account_id) => account_id,
        // As for a refused bucket below: the account was only needed for the faster route.
        Err(failure) if shared.route == Route::ByLink => {
            reporter.warning(&format!(
                "FC's temporary bucket cannot be asked for ({failure}): upload: auto sends the zip inline instead ({} bytes; its Base64 fits)",
                package.size
            ));
            return Ok(Staged::Inline(package));
        }
        Err(failure) => return Err(failure),
    };
    let lender = route.lender.endpoint(&account_id);
    // Each attempt masks what it is lent through the reporter it is handed.
    let lent = retries
        .run(reporter, async |reporter| {
            let clock = &*signing.clock;
            temp_bucket::lend(
                transport,
                &lender,
                account_id.as_str(),
                credentials,
                clock,
                reporter,
            )
            .await
        })
        .await;
    let lent = match lent {
        Ok(lent) => lent,
        // `auto` chose OSS for speed, and the zip fits inline: a refusal is no reason to fail.
        Err(TempBucketError::Service(error))
            if matches!(error.status, 401 | 403) && shared.route == Route::ByLink =>
        {
            reporter.warning(&format!(
                "FC refused its temporary bucket ({error}): upload: auto sends the zip inline instead ({} bytes; its Base64 fits)",
                package.size
            ));
            return Ok(Staged::Inline(package));
        }
        Err(error) => return Err(error.into()),
    };
    reporter.info(&format!(
        "FC lent its temporary bucket {} ({}) for this upload",
        lent.bucket, lent.region
    ));
    let client = OssClient {
        transport,
        location: route.location.clone(),
        credentials: lent.credentials.clone(),
        region: lent.region.clone(),
        clock: Arc::clone(&signing.clock),
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
