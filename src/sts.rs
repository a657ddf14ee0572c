//! STS GetCallerIdentity: the account the credentials belong to, which FC's temporary
//! bucket needs when the `account-id` input is not given.

use serde::Deserialize;

use crate::client::{ClientError, FcClient};
use crate::fc::ApiRequest;
use crate::http::Transport;

#[derive(Deserialize)]
struct Identity {
    #[serde(rename = "AccountId")]
    account_id: String,
}

/// The account id of the client's credentials, checked to be digits.
pub async fn account_id<T: Transport>(sts: &FcClient<T>) -> Result<String, ClientError> {
    let identity: Identity = sts.call(ApiRequest::get_caller_identity()).await?;
    let id = identity.account_id;
    if id.is_empty() || !id.bytes().all(|byte| byte.is_ascii_digit()) {
        return Err(ClientError::InvalidReply {
            action: "GetCallerIdentity",
            problem: "AccountId is not a number".to_owned(),
        });
    }
    Ok(id)
}
