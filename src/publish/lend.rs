//! FC's temporary bucket, lent for an upload: asked for before the regions start (an upload
//! that overlaps the packaging, [`super::overlap`]) or in a region's turn ([`super::stage`]).

use std::sync::Arc;

use super::calls::Calls;
use crate::client::FcClient;
use crate::clock::Signing;
use crate::cloud::AccountId;
use crate::credentials::Credentials;
use crate::fc::ApiRequest;
use crate::http::Transport;
use crate::inputs::{Account, Settings, TempBucketRoute};
use crate::oss::client::OssClient;
use crate::outcome::Failure;
use crate::report::Reporter;
use crate::sts;
use crate::temp_bucket::{self, TempBucket, TempBucketError};

/// What FC's temporary bucket is asked for with: before the regions start (an upload that
/// overlaps the packaging), or in a region's own turn.
pub(crate) struct Lender<'a, T> {
    pub(crate) transport: &'a T,
    pub(crate) signing: &'a Signing,
    pub(crate) credentials: &'a Credentials,
    pub(crate) settings: &'a Settings,
}

/// Why FC's temporary bucket was not lent: the account it is lent for could not be learned,
/// or FC did not lend it.
#[derive(Debug)]
pub(crate) enum NotLent {
    Account(Failure),
    Bucket(TempBucketError),
}

impl NotLent {
    /// Whether FC itself refused (401 or 403), as a RAM user without the permission is.
    pub(crate) fn refused(&self) -> bool {
        matches!(self, NotLent::Bucket(TempBucketError::Service(error)) if matches!(error.status, 401 | 403))
    }
}

impl std::fmt::Display for NotLent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NotLent::Account(failure) => failure.fmt(f),
            NotLent::Bucket(error) => error.fmt(f),
        }
    }
}

impl From<NotLent> for Failure {
    fn from(not_lent: NotLent) -> Self {
        match not_lent {
            NotLent::Account(failure) => failure,
            NotLent::Bucket(error) => error.into(),
        }
    }
}

impl<T: Transport> Lender<'_, T> {
    /// The temporary bucket FC lends this run's account, and an OSS client for it.
    pub(crate) async fn lend(
        &self,
        route: &TempBucketRoute,
        reporter: &mut impl Reporter,
    ) -> Result<(OssClient<&T>, TempBucket), NotLent> {
        let (transport, signing, credentials) = (self.transport, self.signing, self.credentials);
        let retries = self.settings.lifecycle.retries;
        let account_id = account_id(&route.account, self, reporter)
            .await
            .map_err(NotLent::Account)?;
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
            .await
            .map_err(NotLent::Bucket)?;
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
        Ok((client, lent))
    }
}

/// The `account-id` input, or the account of the credentials, asked of STS.
pub(super) async fn account_id<T: Transport>(
    account: &Account,
    shared: &Lender<'_, T>,
    reporter: &mut impl Reporter,
) -> Result<AccountId, Failure> {
    let sts_endpoint = match account {
        Account::Given(id) => return Ok(id.clone()),
        Account::FromSts(endpoint) => endpoint,
    };
    let client = FcClient::new(
        shared.transport,
        sts_endpoint.clone(),
        shared.credentials.clone(),
        shared.signing.clone(),
    );
    let calls = Calls {
        client: &client,
        retries: shared.settings.lifecycle.retries,
    };
    let id = calls
        .send(&ApiRequest::get_caller_identity(), reporter)
        .await
        .and_then(|body| sts::account_id(&body))
        .map_err(Failure::Sts)?;
    reporter.info(&format!("The credentials belong to account {id}"));
    Ok(id)
}
