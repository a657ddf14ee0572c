//! FC's temporary bucket: the FC 2.0 call that lends a bucket, an object name and
//! short-lived OSS credentials, so a layer can go through OSS without a bucket of one's own.
//! Serverless Devs uploads every layer this way.

use serde_json::Value;

use crate::clock::Clock;
use crate::cloud::Region;
use crate::credentials::{self, Credentials, Masker};
use crate::endpoint::Endpoint;
use crate::fc::ServiceError;
use crate::http::{HttpReply, HttpRequest, Transport, TransportError};
use crate::oss_names::{BucketName, check_key};
use crate::outside_text::capped_owned;
use crate::sign::Request;
use crate::sign::fc2::{self, SigningParams};

const PATH: &str = "/2016-08-15/tempBucketToken";

/// Where to upload, and as whom.
#[derive(Clone, Debug)]
pub struct TempBucket {
    /// Masked already, through [`credentials::adopt`].
    pub(crate) credentials: Credentials,
    /// The OSS signing region, `cn-hangzhou` for `oss-cn-hangzhou`.
    pub(crate) region: Region,
    pub(crate) bucket: BucketName,
    /// `{accountId}/{objectName}`, the key FC expects the zip under.
    pub(crate) key: String,
}

#[derive(Debug, thiserror::Error)]
pub enum TempBucketError {
    #[error("tempBucketToken failed: {0}")]
    Service(ServiceError),
    #[error("tempBucketToken: {0}")]
    Transport(#[source] TransportError),
    #[error("tempBucketToken: the reply is not what the API documents: {0}")]
    InvalidReply(String),
}

impl TempBucketError {
    /// Whether asking again could succeed: the network, 5xx, throttling.
    fn is_retryable(&self) -> bool {
        match self {
            TempBucketError::Service(error) => error.status == 429 || error.status >= 500,
            TempBucketError::Transport(source) => source.is_transient(),
            TempBucketError::InvalidReply(_) => false,
        }
    }
}

impl crate::backoff::Transient for TempBucketError {
    fn is_retryable(&self) -> bool {
        TempBucketError::is_retryable(self)
    }
}

/// Asks `endpoint` (FC's own is [`Endpoint::fc2_for_account`]) for a temporary bucket,
/// signing as of `clock`; the credentials it lends are masked through `masker` before
/// anything else sees them.
pub async fn lend<T: Transport>(
    transport: &T,
    endpoint: &Endpoint,
    account_id: &str,
    credentials: &Credentials,
    clock: &dyn Clock,
    masker: &mut dyn Masker,
) -> Result<TempBucket, TempBucketError> {
    let reply = ask(transport, endpoint, account_id, credentials, clock).await?;
    read_reply(&reply.body, account_id, masker)
}

/// The signed call, and its reply when FC grants it.
async fn ask<T: Transport>(
    transport: &T,
    endpoint: &Endpoint,
    account_id: &str,
    credentials: &Credentials,
    clock: &dyn Clock,
) -> Result<HttpReply, TempBucketError> {
    let mut headers = vec![
        ("host".to_owned(), endpoint.host().to_owned()),
        ("x-fc-account-id".to_owned(), account_id.to_owned()),
    ];
    let path = endpoint.path(PATH);
    let signed = fc2::sign(
        &Request {
            method: "GET",
            path: &path,
            headers: &headers,
            ..Request::default()
        },
        &SigningParams {
            credentials,
            time: clock.now(),
        },
    );
    headers.extend(signed.headers);
    let reply = transport
        .send(HttpRequest {
            method: "GET",
            url: endpoint.url(PATH),
            headers,
            ..HttpRequest::default()
        })
        .await
        .map_err(TempBucketError::Transport)?;
    if !reply.is_success() {
        let request_id = reply
            .header("x-fc-request-id")
            .or_else(|| reply.header("x-acs-request-id"));
        return Err(TempBucketError::Service(ServiceError::from_reply(
            reply.status,
            &reply.body,
            request_id,
        )));
    }
    Ok(reply)
}

/// The bucket, region, key and credentials a granted reply lends, each checked.
fn read_reply(
    body: &[u8],
    account_id: &str,
    masker: &mut dyn Masker,
) -> Result<TempBucket, TempBucketError> {
    // Read as a JSON value, not into typed fields: serde's type errors quote the value, and
    // a credential of the wrong type must not be printed.
    let parsed: Value = serde_json::from_slice(body).map_err(|error| {
        TempBucketError::InvalidReply(format!(
            "not JSON (line {}, column {})",
            error.line(),
            error.column()
        ))
    })?;
    let lent = lent_credentials(&parsed, masker)?;
    let text = |field: &str| {
        parsed
            .get(field)
            .and_then(Value::as_str)
            .ok_or_else(|| TempBucketError::InvalidReply(format!("{field} is not a string")))
    };
    let oss_region = text("ossRegion")?;
    let region = oss_region.strip_prefix("oss-").unwrap_or(oss_region);
    // Only this reply names the bucket, its region and the key, so they are checked here,
    // by the rules the inputs follow: from here on they are as typed as the user's own.
    let region = Region::parse(region).map_err(|error| {
        TempBucketError::InvalidReply(capped_owned(format!("ossRegion: {error}")))
    })?;
    let bucket = BucketName::parse(text("ossBucket")?).map_err(|error| {
        TempBucketError::InvalidReply(capped_owned(format!("ossBucket: {error}")))
    })?;
    let key = format!("{account_id}/{}", text("objectName")?);
    check_key(&key, "the object key").map_err(|error| {
        TempBucketError::InvalidReply(capped_owned(format!("objectName: {error}")))
    })?;
    Ok(TempBucket {
        credentials: lent,
        region,
        bucket,
        key,
    })
}

/// The lent `credentials`, checked and masked by [`credentials::lent`].
fn lent_credentials(
    reply: &Value,
    masker: &mut dyn Masker,
) -> Result<Credentials, TempBucketError> {
    credentials::lent::from_json("credentials", reply.get("credentials"), masker)
        .map_err(TempBucketError::InvalidReply)
}
