//! FC 2.0's `tempBucketToken`: lends the temporary bucket, and credentials that may write
//! only it, to a caller that signs with the FC 2.0 scheme.

use std::time::Duration;

use fc_layer_action::credentials::Credentials;
use fc_layer_action::fc::ServiceError;
use fc_layer_action::random;
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::dates::format_iso8601;
use crate::request::ReceivedRequest;
use crate::verify;

/// The bucket fc-local lends as FC's temporary bucket.
pub(crate) const TEMP_BUCKET: &str = "fc-local-temp";

/// Whether `request` is signed with the FC 2.0 scheme.
pub(crate) fn is_fc2(request: &ReceivedRequest<'_>) -> bool {
    request
        .header("authorization")
        .is_some_and(|value| value.starts_with("FC "))
}

/// What lending needs of the service.
pub(crate) struct Lender<'a> {
    pub(crate) credentials: &'a Credentials,
    pub(crate) account_id: &'a str,
    pub(crate) region: &'a str,
    /// How many loans came before this one; names the lent key id and object.
    pub(crate) number: u64,
}

/// Verifies `request` (signed over `sent_path`; routed on its own path, a prefix dropped)
/// and answers it; the credentials lent come back beside the reply, for
/// the OSS verifier to accept from then on.
pub(crate) fn lend_bucket(
    lender: &Lender<'_>,
    sent_path: &str,
    request: &ReceivedRequest<'_>,
    now: OffsetDateTime,
) -> Result<(Value, Credentials), ServiceError> {
    let known =
        |id: &str| (id == lender.credentials.access_key_id).then(|| lender.credentials.clone());
    let query = request.query_pairs();
    // Signed over the path as sent, a prefix before the API's path included.
    verify::fc2::verify(&request.signable(sent_path, &query), known, now)?;
    // FC 2.0 signs no query string, so a call that carries one is not taken.
    if (request.method, request.path, request.query) != ("GET", "/2016-08-15/tempBucketToken", "") {
        return Err(ServiceError::new(
            400,
            "PathNotSupported",
            "fc-local serves only GET /2016-08-15/tempBucketToken with the FC 2.0 signature",
        ));
    }
    if request.header("x-fc-account-id") != Some(lender.account_id) {
        return Err(ServiceError::new(
            403,
            "AccessDenied",
            "x-fc-account-id is not the account of these credentials",
        ));
    }
    let number = lender.number;
    let lent = Credentials::new(format!("STS.fc-local-{number}"), random_token()?)
        .with_security_token(random_token()?);
    let reply = json!({
        "credentials": {
            "AccessKeyId": lent.access_key_id,
            "AccessKeySecret": lent.access_key_secret.expose(),
            "SecurityToken": lent.security_token.as_ref().map(|token| token.expose()),
            "Expiration": format_iso8601(now + Duration::from_secs(3600)),
        },
        "ossRegion": format!("oss-{}", lender.region),
        "ossBucket": TEMP_BUCKET,
        "objectName": format!("fc-local-{number}.zip"),
    });
    Ok((reply, lent))
}

/// A fresh random secret for lent credentials.
fn random_token() -> Result<String, ServiceError> {
    random::hex_token().map_err(|error| {
        ServiceError::new(
            500,
            "InternalServerError",
            format!("no randomness: {error}"),
        )
    })
}
