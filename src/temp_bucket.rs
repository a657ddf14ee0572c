//! FC's temporary bucket: the FC 2.0 call that lends a bucket, an object name and
//! short-lived OSS credentials, so a layer can go through OSS without a bucket of one's own.
//! Serverless Devs uploads every layer this way.

use serde::Deserialize;

use crate::clock::Clock;
use crate::cloud::{AccountId, Region};
use crate::credentials::{self, Credentials, Masker, Secret};
use crate::endpoint::Endpoint;
use crate::fc::ServiceError;
use crate::http::{HttpRequest, Transport, TransportError};
use crate::oss::names::BucketName;
use crate::sign::Request;
use crate::sign::fc2::{self, SigningParams};

const PATH: &str = "/2016-08-15/tempBucketToken";

/// Where to upload, and as whom.
#[derive(Clone, Debug)]
pub struct TempBucket {
    /// Masked already, through [`credentials::adopt`].
    pub credentials: Credentials,
    /// The OSS signing region, `cn-hangzhou` for `oss-cn-hangzhou`.
    pub region: Region,
    pub bucket: BucketName,
    /// `{accountId}/{objectName}`, the key FC expects the zip under.
    pub key: String,
}

#[derive(Debug, thiserror::Error)]
pub enum TempBucketError {
    #[error("tempBucketToken failed: {0}")]
    Service(ServiceError),
    #[error("tempBucketToken: {0}")]
    Transport(TransportError),
    #[error("tempBucketToken: the reply is not what the API documents: {0}")]
    InvalidReply(String),
}

impl TempBucketError {
    /// Whether asking again could succeed: the network, 5xx, throttling.
    pub fn is_retryable(&self) -> bool {
        match self {
            TempBucketError::Service(error) => error.status == 429 || error.status >= 500,
            TempBucketError::Transport(source) => source.is_transient(),
            TempBucketError::InvalidReply(_) => false,
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Reply {
    credentials: ReplyCredentials,
    oss_region: String,
    oss_bucket: String,
    object_name: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ReplyCredentials {
    access_key_id: String,
    access_key_secret: String,
    security_token: String,
}

/// The FC 2.0 host that serves the call for `account_id` in `region`.
pub fn endpoint_for(account_id: &AccountId, region: &Region) -> Endpoint {
    Endpoint::aliyuncs(format_args!("{account_id}.{region}.fc"))
}

/// Asks `endpoint` for a temporary bucket, signing as of `clock`; the credentials it lends
/// are masked through `masker` before anything else sees them.
pub async fn lend<T: Transport>(
    transport: &T,
    endpoint: &Endpoint,
    account_id: &str,
    credentials: &Credentials,
    clock: &dyn Clock,
    masker: &mut dyn Masker,
) -> Result<TempBucket, TempBucketError> {
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
    let parsed: Reply = serde_json::from_slice(&reply.body)
        .map_err(|error| TempBucketError::InvalidReply(error.to_string()))?;
    // Lent credentials are secrets the moment they arrive, like the user's own.
    let lent = credentials::adopt(
        Credentials {
            access_key_id: parsed.credentials.access_key_id,
            access_key_secret: Secret::new(parsed.credentials.access_key_secret),
            security_token: Some(Secret::new(parsed.credentials.security_token)),
        },
        masker,
    );
    let region = parsed
        .oss_region
        .strip_prefix("oss-")
        .unwrap_or(&parsed.oss_region);
    // Only this reply names the bucket and its region, so they are parsed here, not with
    // the inputs: from here on they are as typed as the user's own.
    let region = Region::parse(region)
        .map_err(|error| TempBucketError::InvalidReply(format!("ossRegion: {error}")))?;
    let bucket = BucketName::parse(&parsed.oss_bucket)
        .map_err(|error| TempBucketError::InvalidReply(format!("ossBucket: {error}")))?;
    if parsed.object_name.is_empty() || parsed.object_name.chars().any(char::is_control) {
        return Err(TempBucketError::InvalidReply(
            "objectName is empty or holds control characters".to_owned(),
        ));
    }
    Ok(TempBucket {
        credentials: lent,
        region,
        bucket,
        key: format!("{account_id}/{}", parsed.object_name),
    })
}
