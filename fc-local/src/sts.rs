//! STS: `GetCallerIdentity`, which tells the action its account id (ACS3-signed, checked by
//! the caller like every V3 call).

use fc_layer_action::fc::{STS_API_VERSION, ServiceError};
use serde_json::{Value, json};

use crate::request::ReceivedRequest;

/// Whether `request` is an STS call rather than an FC 3.0 one.
pub fn is_sts(request: &ReceivedRequest<'_>) -> bool {
    request.header("x-acs-action") == Some("GetCallerIdentity")
}

/// The caller's identity in `account_id`.
pub fn get_caller_identity(
    request: &ReceivedRequest<'_>,
    account_id: &str,
) -> Result<Value, ServiceError> {
    let expected = ("POST", "/", Some(STS_API_VERSION));
    if (
        request.method,
        request.path,
        request.header("x-acs-version"),
    ) != expected
    {
        return Err(ServiceError::invalid_argument(format!(
            "GetCallerIdentity is POST / with x-acs-version {STS_API_VERSION}"
        )));
    }
    Ok(json!({
        "AccountId": account_id,
        "Arn": format!("acs:ram::{account_id}:user/fc-local"),
        "IdentityType": "RAMUser",
        "PrincipalId": "fc-local",
    }))
}
