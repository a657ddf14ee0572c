//! Getting the zip where CreateLayerVersion can take it: nowhere for inline, a bucket of the
//! user's own (content-addressed, uploaded once), or FC's temporary bucket.

use super::source::{Route, Source, own_oss};
use crate::client::FcClient;
use crate::endpoint::Endpoint;
use crate::http::Transport;
use crate::inputs::{Api, DEFAULT_STS_ENDPOINT, Settings};
use crate::oss::client::OssClient;
use crate::oss::location::OssLocation;
use crate::oss::upload::{self, Target};
use crate::outcome::Failure;
use crate::package::Package;
use crate::report::Reporter;
use crate::{sts, temp_bucket};

/// Where the zip is for the create.
#[derive(Clone, Debug)]
pub enum Staged<'a> {
    /// In the request body, read from this package.
    Inline(&'a Package),
    Oss {
        bucket: String,
        key: String,
        checksum: Option<String>,
    },
}

/// The temporary bucket is reached through OSS's global acceleration by default, as
/// Serverless Devs does: runners are often far from the region.
const TEMP_BUCKET_OSS_ENDPOINT: &str = "oss-accelerate.aliyuncs.com";

/// Puts the zip where `route` says; for OSS, uploads it (once) and names the object.
pub async fn stage<'s, T: Transport>(
    settings: &Settings,
    api: &Api,
    transport: &T,
    source: &'s Source,
    route: Route,
    reporter: &mut impl Reporter,
) -> Result<Staged<'s>, Failure> {
    let package = match source {
        // An object in OSS always goes by reference, whatever the route.
        Source::Object {
            object, checksum, ..
        } => {
            return Ok(Staged::Oss {
                bucket: object.bucket.to_string(),
                key: object.key.clone(),
                checksum: checksum.clone(),
            });
        }
        Source::Package(package) if route == Route::Inline => return Ok(Staged::Inline(package)),
        Source::Package(package) => package,
    };
    let upload = &settings.upload;
    let retries = settings.lifecycle.retries;
    match &upload.bucket {
        Some(bucket) => {
            // Content-addressed: the same zip always lands on the same key.
            let key = format!(
                "{}{}/{}.zip",
                upload.key_prefix, settings.layer_name, package.checksum
            );
            let client = own_oss(settings, api, transport, "oss-bucket")?;
            let present = client
                .head(bucket.as_str(), &key)
                .await
                .map_err(Failure::Oss)?
                .is_some_and(|info| info.crc64.as_deref() == Some(package.checksum.as_str()));
            if present {
                reporter.info(&format!(
                    "oss://{bucket}/{key} already holds this zip (same CRC-64): not uploaded again"
                ));
            } else {
                let target = Target {
                    bucket: bucket.as_str(),
                    key: &key,
                    retries,
                };
                upload::upload(&client, package, &target, reporter).await?;
            }
            Ok(Staged::Oss {
                bucket: bucket.to_string(),
                key,
                checksum: Some(package.checksum.clone()),
            })
        }
        None => {
            let account_id = account_id(settings, api, transport, reporter).await?;
            let endpoint = if upload.endpoint_given {
                api.endpoint.clone()
            } else {
                let region = upload.region.as_deref().ok_or(Failure::RegionNeeded {
                    what: "FC's temporary bucket",
                })?;
                temp_bucket::endpoint_for(&account_id, region).map_err(Failure::OssEndpoint)?
            };
            let lent = temp_bucket::lend(
                transport,
                &endpoint,
                &account_id,
                &api.credentials,
                &crate::clock::SystemClock,
                reporter,
            )
            .await?;
            let location = match &upload.oss_endpoint {
                Some(location) => location.clone(),
                None => {
                    OssLocation::parse(TEMP_BUCKET_OSS_ENDPOINT).map_err(Failure::OssEndpoint)?
                }
            };
            reporter.info(&format!(
                "FC lent its temporary bucket {} ({}) for this upload",
                lent.bucket, lent.region
            ));
            let client = OssClient {
                transport,
                location,
                credentials: lent.credentials.clone(),
                region: lent.region.clone(),
                clock: std::sync::Arc::new(crate::clock::SystemClock),
            };
            let target = Target {
                bucket: &lent.bucket,
                key: &lent.key,
                retries,
            };
            upload::upload(&client, package, &target, reporter).await?;
            Ok(Staged::Oss {
                bucket: lent.bucket,
                key: lent.key,
                checksum: Some(package.checksum.clone()),
            })
        }
    }
}

/// The `account-id` input, or the account of the credentials, asked of STS.
async fn account_id<T: Transport>(
    settings: &Settings,
    api: &Api,
    transport: &T,
    reporter: &mut impl Reporter,
) -> Result<String, Failure> {
    if let Some(id) = &settings.upload.account_id {
        return Ok(id.clone());
    }
    let endpoint = match &settings.upload.sts_endpoint {
        Some(endpoint) => endpoint.clone(),
        None => Endpoint::parse(DEFAULT_STS_ENDPOINT).map_err(Failure::OssEndpoint)?,
    };
    let client = FcClient::new(
        transport,
        endpoint,
        api.credentials.clone(),
        crate::clock::SystemClock,
        crate::random::OsNonces,
    );
    let id = sts::account_id(&client).await.map_err(Failure::Sts)?;
    reporter.info(&format!("The credentials belong to account {id}"));
    Ok(id)
}
