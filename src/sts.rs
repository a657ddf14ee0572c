//! STS GetCallerIdentity: the account the credentials belong to, which FC's temporary
//! bucket needs when the `account-id` input is not given.

use serde::Deserialize;

use crate::client::{ClientError, FcClient};
use crate::cloud::AccountId;
use crate::fc::ApiRequest;
use crate::http::Transport;

#[derive(Deserialize)]
struct Identity {
    #[serde(rename = "AccountId")]
    account_id: String,
}

/// The account id of the client's credentials.
pub async fn account_id<T: Transport>(sts: &FcClient<T>) -> Result<AccountId, ClientError> {
    let identity: Identity = sts.call(ApiRequest::get_caller_identity()).await?;
    AccountId::parse(&identity.account_id).map_err(|_| ClientError::InvalidReply {
        action: "GetCallerIdentity",
        problem: "AccountId is not a number".to_owned(),
    })
}
