//! OSS calls: V4-signed by the service's own credentials (any bucket) or by credentials it
//! lent with the temporary bucket (that bucket only), then served by the [`OssStore`].

use fc_layer_action::credentials::Credentials;
use fc_layer_action::http::HttpReply;
use time::OffsetDateTime;

use crate::config::{Fault, FaultKind, take_fault};
use crate::fc2::TEMP_BUCKET;
use crate::oss_store::{OssFault, OssStore, split_path};
use crate::request::ReceivedRequest;
use crate::verify;
use crate::verify::oss_v4_canonical::{ALGORITHM, resource};

/// Whether `request` is signed with OSS V4.
pub(crate) fn is_oss(request: &ReceivedRequest<'_>) -> bool {
    request
        .header("authorization")
        .is_some_and(|value| value.starts_with(ALGORITHM))
}

/// Verifies `request` (its path less the service's `prefix`), serves a `--fail` fault for its operation, or hands it to `store`.
pub(crate) fn answer(
    request: &ReceivedRequest<'_>,
    prefix: &str,
    owner: &Credentials,
    lent: &[Credentials],
    faults: &mut [Fault],
    store: &mut OssStore,
    now: OffsetDateTime,
) -> Result<HttpReply, OssFault> {
    let (bucket, key) = split_path(request.path)
        .ok_or_else(|| OssFault::new(400, "InvalidArgument", "the path is not /bucket/key"))?;
    let query = request.query_pairs();
    let known = |id: &str| {
        if id == owner.access_key_id {
            return Some(owner.clone());
        }
        lent.iter().find(|lent| lent.access_key_id == id).cloned()
    };
    let resource = resource(&bucket, &key);
    verify::oss_v4::verify(&request.signable(&resource, &query), known, now)
        .map_err(|error| OssFault::new(error.status, error.code, error.message))?;
    let signer = request
        .header("authorization")
        .and_then(verify::oss_v4::parse_authorization)
        .map(|authorization| authorization.access_key_id)
        .unwrap_or_default();
    if signer != owner.access_key_id && bucket != TEMP_BUCKET {
        return Err(OssFault::new(
            403,
            "AccessDenied",
            "lent credentials may write the temporary bucket only",
        ));
    }
    if let Some(FaultKind::Fail(error)) =
        take_fault(faults, prefix, operation(request.method, &query))
    {
        return Err(OssFault::new(
            error.status,
            "InjectedFault",
            format!("{}: injected by fc-local", error.code),
        ));
    }
    store.handle(request.method, &bucket, &key, &query, request.body)
}

/// The OSS operation a request is, for `--fail` faults: `PutObject`, `UploadPart`, …
fn operation(method: &str, query: &[(String, String)]) -> &'static str {
    let has = |name: &str| query.iter().any(|(key, _)| key == name);
    match method {
        "HEAD" => "HeadObject",
        "PUT" if has("partNumber") => "UploadPart",
        "PUT" => "PutObject",
        "POST" if has("uploads") => "InitiateMultipartUpload",
        "POST" => "CompleteMultipartUpload",
        "DELETE" => "AbortMultipartUpload",
        _ => "Unknown",
    }
}
