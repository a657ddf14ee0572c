//! Getting the zip where CreateLayerVersion can take it: nowhere for inline, a bucket of the
//! user's own (content-addressed, uploaded once), or FC's temporary bucket.

use super::calls::{self, Calls};
use super::source::{Route, Source, own_oss};
use std::sync::Arc;

use crate::client::FcClient;
use crate::clock::Signing;
use crate::cloud::AccountId;
use crate::credentials::Credentials;
use crate::fc::ApiRequest;
use crate::http::Transport;
use crate::inputs::{Account, Api, Settings, Staging};
use crate::oss::client::{OssClient, OssError};
use crate::oss::upload::{self, Target};
use crate::oss_names::BucketName;
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
        bucket: BucketName,
        key: String,
        checksum: Option<String>,
    },
}

/// Puts the zip where `route` says; for OSS, uploads it (once) and names the object.
pub async fn stage<'s, T: Transport>(
    settings: &Settings,
    api: &Api,
    transport: &T,
    signing: &Signing,
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
                bucket: object.bucket.clone(),
                key: object.key.clone(),
                checksum: checksum.clone(),
            });
        }
        Source::Package(package) if route == Route::Inline => return Ok(Staged::Inline(package)),
        Source::Package(package) => package,
    };
    let retries = settings.lifecycle.retries;
    match &api.staging {
        Staging::OwnBucket {
            oss,
            bucket,
            key_prefix,
        } => {
            // Content-addressed: the same zip always lands on the same key.
            let key = format!(
                "{key_prefix}{}/{}.zip",
                settings.layer_name, package.checksum
            );
            let client = own_oss(oss, &api.credentials, transport, signing);
            let present = calls::retried(
                retries,
                OssError::is_retryable,
                || client.head(bucket, &key),
                reporter,
            )
            .await
            .map_err(Failure::Oss)?
            .is_some_and(|info| info.crc64.as_deref() == Some(package.checksum.as_str()));
            if present {
                reporter.info(&format!(
                    "oss://{bucket}/{key} already holds this zip (same CRC-64): not uploaded again"
                ));
            } else {
                let target = Target {
                    bucket,
                    key: &key,
                    retries,
                };
                upload::upload(&client, package, &target, reporter).await?;
            }
            Ok(Staged::Oss {
                bucket: bucket.clone(),
                key,
                checksum: Some(package.checksum.clone()),
            })
        }
        Staging::Temporary(route) => {
            let account_id = account_id(
                &route.account,
                &api.credentials,
                transport,
                signing,
                retries,
                reporter,
            )
            .await?;
            let lender = route.lender.endpoint(&account_id);
            // Not `calls::retried`: each attempt masks what it is lent through the reporter,
            // which the retry's log line needs too.
            let mut retry = 0;
            let lent = loop {
                let result = temp_bucket::lend(
                    transport,
                    &lender,
                    account_id.as_str(),
                    &api.credentials,
                    &*signing.clock,
                    reporter,
                )
                .await;
                match result {
                    Ok(lent) => break lent,
                    Err(error) if retry < retries && error.is_retryable() => {
                        retry += 1;
                        let wait = calls::said_pause(retries, retry, &error, reporter);
                        tokio::time::sleep(wait).await;
                    }
                    Err(error) => return Err(error.into()),
                }
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
    account: &Account,
    credentials: &Credentials,
    transport: &T,
    signing: &Signing,
    retries: u32,
    reporter: &mut impl Reporter,
) -> Result<AccountId, Failure> {
    let sts_endpoint = match account {
        Account::Given(id) => return Ok(id.clone()),
        Account::FromSts(endpoint) => endpoint,
    };
    let client = FcClient::new(
        transport,
        sts_endpoint.clone(),
        credentials.clone(),
        signing.clone(),
    );
    let calls = Calls {
        client: &client,
        retries,
    };
    let id = calls
        .send(&ApiRequest::get_caller_identity(), reporter)
        .await
        .and_then(|body| sts::account_id(&body))
        .map_err(Failure::Sts)?;
    reporter.info(&format!("The credentials belong to account {id}"));
    Ok(id)
}
