//! Getting the zip where CreateLayerVersion can take it: nowhere for inline, a bucket of the
//! user's own (content-addressed, uploaded once), or FC's temporary bucket.

use super::lend::Lender;
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

/// Puts the zip where the route says; for OSS, uploads it (once) and names the object.
pub(crate) async fn stage<'s, T: Transport>(
    shared: &Shared<'s, T>,
    target: &RegionTarget,
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
        Source::Package(package) if shared.route == Route::Inline => {
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
    package: &Package,
    reporter: &mut impl Reporter,
) -> Result<Staged<'s>, Failure> {
    let lender = Lender {
        transport: shared.transport,
        signing: shared.signing,
        credentials: shared.credentials,
        settings: shared.settings,
    };
    let (client, lent) = lender.lend(route, reporter).await?;
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
